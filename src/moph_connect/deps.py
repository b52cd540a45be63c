"""FastAPI dependencies, as `Annotated` aliases the endpoints declare."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from moph_connect.clock import Clock
from moph_connect.db.uow import Database
from moph_connect.runtime import Runtime
from moph_connect.settings import Settings


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_database(runtime: RuntimeDep) -> Database:
    return runtime.database


def get_clock(runtime: RuntimeDep) -> Clock:
    return runtime.clock


def get_settings(runtime: RuntimeDep) -> Settings:
    return runtime.settings


DatabaseDep = Annotated[Database, Depends(get_database)]
ClockDep = Annotated[Clock, Depends(get_clock)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
