"""What every command needs: settings, logging, and the migrated database."""

from __future__ import annotations

import logging

from moph_connect.db.engine import make_engine
from moph_connect.db.uow import Database
from moph_connect.settings import Settings, get_settings


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def open_database(
    settings: Settings | None = None, *, migrate: bool = True, pre_ping: bool = True
) -> Database:
    settings = settings or get_settings()
    if migrate:
        from moph_connect.db.migrate import upgrade  # alembic is slow to import

        upgrade(settings.database_url)
    return Database(make_engine(settings.database_url, pre_ping=pre_ping))
