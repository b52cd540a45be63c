"""The migrations build exactly the schema the models describe, on both databases, and
keep the data they move."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from moph_connect.db.engine import make_engine
from moph_connect.db.migrate import alembic_config, upgrade
from moph_connect.db.models import Base
from moph_connect.db.uow import Database


def test_migrated_schema_matches_models(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own with no tables, to migrate up and down."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    server_url = make_url(request.getfixturevalue("postgres_url"))
    name = f"migrations_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


_ROW_AT_0003 = text(
    "INSERT INTO outbox_messages (environment, line_user_id, kind, priority, dedup_key,"
    " payload, status, due_at, available_at, attempts, retry_key, created_at) VALUES"
    " ('production', 'U1', 'queue_card', 0, 'k1', :payload, 'pending', :now, :now, 0,"
    " 'a1e2b3c4-0000-4000-8000-000000000001', :now)"
)


def test_moving_payloads_to_their_own_table_keeps_them_both_ways(
    empty_database_url: str,
) -> None:
    payload = '[{"type":"text","text":"คิวของคุณ"}]'
    now = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    upgrade(empty_database_url, "0003")
    engine = make_engine(empty_database_url, pool_size=1)
    try:
        with engine.begin() as connection:
            connection.execute(_ROW_AT_0003, {"payload": payload, "now": now})
        upgrade(empty_database_url, "0004")
        with engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("outbox_messages")}
            moved = connection.execute(text("SELECT payload FROM outbox_payloads")).all()
        assert "payload" not in columns
        assert moved == [(payload,)]
        command.downgrade(alembic_config(empty_database_url), "0003")
        with engine.connect() as connection:
            back = connection.execute(text("SELECT payload FROM outbox_messages")).all()
            tables = inspect(connection).get_table_names()
        assert back == [(payload,)]
        assert "outbox_payloads" not in tables
    finally:
        engine.dispose()
