"""What every command needs: settings, logging, and the migrated database."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import typer
from sqlalchemy.orm import Session

from moph_connect.db.engine import make_engine
from moph_connect.db.uow import Database
from moph_connect.errors import MophConnectError
from moph_connect.settings import Settings, get_settings

T = TypeVar("T")


def configure_logging(settings: Settings) -> None:
    """Our own messages at MOPH_CONNECT_LOG_LEVEL; other libraries' (alembic's plugin
    list, uvicorn's) only from WARNING up, unless that level is DEBUG."""
    level = logging.getLevelName(settings.log_level.upper())
    if not isinstance(level, int):
        level = logging.INFO
    logging.basicConfig(
        level=level if level <= logging.DEBUG else max(level, logging.WARNING),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("moph_connect").setLevel(level)
    # Never statements' parameters or result rows (patients' names), at DEBUG either.
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)


def database_label(url: str) -> str:
    """The database URL as a start-up line may show it: no password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def open_database(
    settings: Settings | None = None, *, migrate: bool = True, pre_ping: bool = True
) -> Database:
    settings = settings or get_settings()
    if migrate:
        from moph_connect.db.migrate import upgrade  # alembic is slow to import

        upgrade(settings.database_url)
    return Database(make_engine(settings.database_url, pre_ping=pre_ping))


def in_transaction(work: Callable[[Session], T]) -> T:
    """Run `work` in one transaction of the migrated database; a refusal (unknown
    hospital, a bad value) is one `error:` line and exit status 2."""
    database = open_database()
    try:
        with database.transaction() as session:
            return work(session)
    except MophConnectError as error:
        typer.echo(f"error: {error.detail}", err=True)
        raise typer.Exit(2) from None
    finally:
        database.dispose()
