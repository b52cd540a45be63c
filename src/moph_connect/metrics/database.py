"""The gauges read from the database at scrape time, cached for a few seconds.

Exported by `serve` only (see the package's docstring): the state they describe is shared
by every process, so one exporter keeps a sum over targets from counting it twice. One
scrape runs the three queries of `repository.py` at most once per `DATABASE_GAUGE_SECONDS`
(concurrent scrapes wait for the same read). When the database does not answer, the
gauges are left out of the scrape (and the failure cached likewise, so a dead database
is not asked again at every scrape); /healthz says why.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from moph_connect.clock import Clock
from moph_connect.environments import ENVIRONMENTS
from moph_connect.metrics import repository
from moph_connect.scheduling.rules import MESSAGE_KINDS

log = logging.getLogger(__name__)

DATABASE_GAUGE_SECONDS = 5.0
# Every status a row can have, and the kinds always shown: a count that falls to zero is
# exported as 0 rather than vanishing from the scrape.
STATUSES = ("pending", "sending", "sent", "failed", "cancelled")
KINDS = (*MESSAGE_KINDS, "chat")


class DatabaseGauges(Collector):
    def __init__(
        self,
        engine: Callable[[], Engine],
        clock: Clock,
        *,
        cache_seconds: float = DATABASE_GAUGE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._cache_seconds = cache_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._families: list[Metric] = []
        self._read_at: float | None = None

    def describe(self) -> Iterable[Metric]:
        return []  # registering must not query the database

    def collect(self) -> Iterable[Metric]:
        with self._lock:
            now = self._monotonic()
            if self._read_at is None or now - self._read_at >= self._cache_seconds:
                self._families = self._read()
                self._read_at = self._monotonic()
            return list(self._families)

    def _read(self) -> list[Metric]:
        now = self._clock.now()
        try:
            with self._engine().connect() as connection:
                counts = repository.outbox_counts(connection)
                backlog = repository.due_backlog(connection, now)
                paused = repository.paused_channels(connection, now)
        except SQLAlchemyError as error:
            log.warning("database gauges left out of /metrics: %s", type(error).__name__)
            return []
        messages = GaugeMetricFamily(
            "moph_connect_outbox_messages",
            "Outbox rows by message kind and status (from the database).",
            labels=["kind", "status"],
        )
        kinds = sorted({*KINDS, *(kind for kind, _ in counts)})
        statuses = [*STATUSES, *sorted({s for _, s in counts} - set(STATUSES))]
        for kind in kinds:
            for status in statuses:
                messages.add_metric([kind, status], counts.get((kind, status), 0))
        due = GaugeMetricFamily(
            "moph_connect_outbox_due_backlog",
            "Outbox rows a dispatcher could take now, per channel: pending and due (or due "
            "for a retry), or held under an expired lease.",
            labels=["channel"],
        )
        channel_paused = GaugeMetricFamily(
            "moph_connect_channel_paused",
            "1 while sending on a LINE channel is paused (LINE refused its access token).",
            labels=["channel"],
        )
        channels = sorted({*ENVIRONMENTS, *backlog, *paused})
        for channel in channels:
            due.add_metric([channel], backlog.get(channel, 0))
            channel_paused.add_metric([channel], 1 if channel in paused else 0)
        return [messages, due, channel_paused]
