"""The application as `moph-connect serve --workers N` starts it in each of its processes:
everything from the environment (the `MOPH_CONNECT_*` settings), the database already
migrated by the parent. uvicorn imports and calls `app_from_environment` in every child."""

from __future__ import annotations

from fastapi import FastAPI

from moph_connect.api.app import create_app
from moph_connect.clock import SystemClock
from moph_connect.db.engine import make_engine
from moph_connect.db.uow import Database
from moph_connect.runtime import Runtime
from moph_connect.settings import get_settings


def app_from_environment() -> FastAPI:
    from moph_connect.cli.common import configure_logging  # the CLI's one logging set-up

    settings = get_settings()
    configure_logging(settings)
    database = Database(make_engine(settings.database_url))
    runtime = Runtime(settings=settings, database=database, clock=SystemClock())
    return create_app(runtime, run_dispatcher=settings.serve_dispatcher)
