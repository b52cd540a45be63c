"""Running the dispatcher: in a thread beside the web app, or as a worker process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading

import uvloop

from moph_connect.clock import Clock
from moph_connect.db.uow import Database
from moph_connect.environments import ENVIRONMENTS
from moph_connect.line.sender import LineSender
from moph_connect.outbox.dispatcher import Dispatcher, DispatcherConfig
from moph_connect.patients.retention import RetentionJob
from moph_connect.settings import Settings

log = logging.getLogger(__name__)


def dispatcher_config(settings: Settings) -> DispatcherConfig:
    return DispatcherConfig(
        rate_per_second=settings.line_rate_per_second,
        batch_size=settings.dispatcher_batch_size,
        concurrency=settings.dispatcher_concurrency,
        poll_seconds=settings.dispatcher_poll_seconds,
        lease_seconds=settings.dispatcher_lease_seconds,
        max_attempts=settings.dispatcher_max_attempts,
    )


def line_sender(settings: Settings) -> LineSender:
    return LineSender(
        settings.resolved_line_api_base_url(),
        {env: settings.channel_credentials(env).access_token for env in ENVIRONMENTS},
        timeout_seconds=settings.line_request_timeout_seconds,
        max_connections=settings.dispatcher_concurrency * 2,
    )


def retention_job(settings: Settings, database: Database, clock: Clock) -> RetentionJob:
    return RetentionJob(
        database,
        clock,
        retention_days=settings.retention_days,
        sandbox_days=settings.sandbox_retention_days,
    )


async def _run(
    dispatcher: Dispatcher, stop: asyncio.Event, retention: RetentionJob, check_seconds: float
) -> None:
    """The dispatcher, and beside it the hourly retention job: every process that sends
    also purges, so no deployment can leave it out (on PostgreSQL one at a time)."""
    purging = asyncio.create_task(retention.run(stop, check_seconds))
    try:
        await dispatcher.run(stop)
    finally:
        stop.set()  # the dispatcher may also end on an error
        await purging
        await dispatcher.sender.close()


class DispatcherThread:
    """The dispatcher in its own thread and event loop, so that sending never competes
    with request handling for the web app's loop."""

    def __init__(self, settings: Settings, database: Database, clock: Clock) -> None:
        self.dispatcher = Dispatcher(
            database, line_sender(settings), clock, dispatcher_config(settings)
        )
        self.retention = retention_job(settings, database, clock)
        self._check_seconds = settings.dispatcher_poll_seconds
        self._loop = uvloop.new_event_loop()
        self._stop = asyncio.Event()
        self._thread = threading.Thread(target=self._main, name="dispatcher", daemon=True)

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(
            _run(self.dispatcher, self._stop, self.retention, self._check_seconds)
        )
        self._loop.close()

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self.dispatcher.wake()

    def stop(self, timeout: float = 15.0) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(timeout)


def run_worker(settings: Settings, database: Database, clock: Clock) -> None:
    """`moph-connect worker`: the dispatcher in the foreground until SIGINT/SIGTERM."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(signum, stop.set)
        dispatcher = Dispatcher(database, line_sender(settings), clock, dispatcher_config(settings))
        log.info("worker %s started", dispatcher.owner)
        retention = retention_job(settings, database, clock)
        await _run(dispatcher, stop, retention, settings.dispatcher_poll_seconds)
        log.info("worker %s stopped after sending %d", dispatcher.owner, dispatcher.sent_count)

    uvloop.run(main())
