"""`/healthz`: does the database answer?

Polled by load balancers and supervisors, so it stays cheap: one `SELECT 1` (on SQLite, a
read of the schema) over an observer connection (`observer.py`), in a thread of its own
rather than one of the API's, with one check in flight at a time: callers that arrive
while one runs share its answer. A check that has not answered within
`HEALTH_TIMEOUT_SECONDS` is reported as unavailable; if the database hangs, that one
thread waits for it, never one per poll.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from anyio import CapacityLimiter, to_thread
from sqlalchemy import Engine

from moph_connect.metrics.observer import HEALTH_TIMEOUT_SECONDS, probe_statement


class HealthCheck:
    def __init__(
        self, engine: Callable[[], Engine], timeout_seconds: float = HEALTH_TIMEOUT_SECONDS
    ) -> None:
        self._engine = engine
        self._timeout = timeout_seconds
        self._running: asyncio.Future[str | None] | None = None
        self._limiter: CapacityLimiter | None = None  # made on the serving loop

    async def database_problem(self) -> str | None:
        """None when the database answers, else the class of the error (never its text:
        it may name hosts or users)."""
        if self._running is None or self._running.done():
            if self._limiter is None:
                self._limiter = CapacityLimiter(1)
            self._running = asyncio.ensure_future(
                to_thread.run_sync(self._check, limiter=self._limiter)
            )
        try:
            return await asyncio.wait_for(asyncio.shield(self._running), self._timeout)
        except TimeoutError:
            return "TimeoutError"

    def _check(self) -> str | None:
        try:
            engine = self._engine()
            with engine.connect() as connection:
                connection.exec_driver_sql(probe_statement(engine)).scalar()
        except Exception as error:  # any failure means "not healthy"; say which kind
            return type(error).__name__
        return None
