"""Alembic environment: the URL comes from `moph_connect.db.migrate`, never from an ini file."""

from __future__ import annotations

from alembic import context

from moph_connect.db.engine import is_sqlite, make_engine
from moph_connect.db.models import Base

url: str = context.config.get_main_option("sqlalchemy.url") or ""


def run_migrations() -> None:
    engine = make_engine(url, pool_size=1)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=is_sqlite(url),  # SQLite alters tables by copying them
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
