"""`GET /metrics` and `GET /healthz` on `serve`, and the request counter in front of it all.

`install(app, runtime)` is called once the app's other middleware is added, so that the
counter sees their answers too. The observer engine (`observer.py`) is made on first use
and disposed of when the app shuts down.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from sqlalchemy import Engine
from starlette.routing import BaseRoute

from moph_connect.api.problems import PROBLEM_JSON
from moph_connect.appointments import endpoints as appointment_endpoints
from moph_connect.chatbot import endpoints as chatbot_endpoints
from moph_connect.environments import ENVIRONMENTS
from moph_connect.errors import PROBLEM_BASE
from moph_connect.metrics import dispatch  # noqa: F401  (registers the dispatcher's counts)
from moph_connect.metrics.database import DatabaseGauges
from moph_connect.metrics.health import HealthCheck
from moph_connect.metrics.observer import observer_engine
from moph_connect.metrics.requests import RequestMetrics
from moph_connect.runtime import Runtime


class _Observer:
    """The observer engine, made when first needed (many apps are built and never
    scraped: tests, `--help`)."""

    def __init__(self, runtime: Runtime) -> None:
        self._url = runtime.database.engine.url
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    def __call__(self) -> Engine:
        with self._lock:
            if self._engine is None:
                self._engine = observer_engine(self._url)
            return self._engine

    def dispose(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None


def install(app: FastAPI, runtime: Runtime) -> None:
    observer = _Observer(runtime)
    database_gauges = CollectorRegistry(auto_describe=False)
    if runtime.settings.metrics_database_gauges:
        database_gauges.register(DatabaseGauges(observer, runtime.clock))
    health = HealthCheck(observer)
    app.add_middleware(RequestMetrics, routes=_counted_routes)
    app.router.lifespan_context = _disposing(app.router.lifespan_context, observer.dispose)

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        # This process's counters (and the Python runtime's), then the database's gauges.
        body = generate_latest(REGISTRY) + generate_latest(database_gauges)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        problem = await health.database_problem()
        if problem is None:
            return JSONResponse({"status": "ok", "database": "ok"})
        return JSONResponse(
            {
                "type": PROBLEM_BASE + "unavailable",
                "title": "Service Unavailable",
                "detail": "The database does not answer.",
                "status": "unavailable",
                "database": problem,
            },
            status_code=503,
            media_type=PROBLEM_JSON,
            headers={"Cache-Control": "no-store"},
        )


def _counted_routes() -> list[BaseRoute]:
    """The hospital API's and the webhooks' routes, as their factories build them."""
    return [
        route
        for environment in ENVIRONMENTS
        for build in (appointment_endpoints.build_router, chatbot_endpoints.build_router)
        for route in build(environment).routes
    ]


Lifespan = Callable[[Any], AbstractAsyncContextManager[Any]]


def _disposing(inner: Lifespan, dispose: Callable[[], None]) -> Lifespan:
    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[Any]:
        try:
            async with inner(app) as state:
                yield state
        finally:
            dispose()

    return lifespan
