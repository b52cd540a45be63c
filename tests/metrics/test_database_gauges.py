"""The database gauges: what counts as due backlog and as paused, the few seconds they are
cached for, and what a scrape shows when the database is gone; on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from sqlalchemy import update

from moph_connect.clock import SimulatedClock
from moph_connect.db.uow import Database
from moph_connect.metrics.database import DATABASE_GAUGE_SECONDS, DatabaseGauges
from moph_connect.metrics.observer import observer_engine
from moph_connect.outbox.repository import ChannelStateRepository
from tests.delivery.harness import OUTBOX, bangkok_today, seed
from tests.metrics.exposition import Scrape, parse

NOW = datetime(2026, 5, 12, 3, 0, tzinfo=UTC)


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def read(gauges: DatabaseGauges) -> Scrape:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(gauges)
    return parse(generate_latest(registry).decode())


def test_backlog_counts_what_a_claim_could_take_and_the_cache_holds_a_few_seconds(
    database: Database,
) -> None:
    engine = observer_engine(database.engine.url)
    ticks = Ticks()
    gauges = DatabaseGauges(lambda: engine, SimulatedClock(NOW), monotonic=ticks)
    try:
        first = read(gauges)
        assert first.value("moph_connect_outbox_due_backlog", channel="production") == 0
        assert first.value("moph_connect_channel_paused", channel="production") == 0
        assert first.value("moph_connect_outbox_messages", kind="queue_card", status="sent") == 0

        today = bangkok_today(NOW)
        seed(database, ["U1"], 3, NOW - timedelta(minutes=1), label="due", appointment_date=today)
        seed(database, ["U1"], 2, NOW + timedelta(hours=1), label="later", appointment_date=today)
        seed(database, ["U2"], 1, NOW, label="test", environment="test", kind="survey")
        seed(database, ["U3"], 4, NOW, label="lease", appointment_date=today)
        with database.transaction() as session:
            # Two held by a worker whose lease has run out (due again), two still leased,
            # and one sent long ago.
            for label, until in (("lease:0", NOW), ("lease:1", NOW - timedelta(seconds=1))):
                session.execute(
                    update(OUTBOX)
                    .where(OUTBOX.c.dedup_key == label)
                    .values(status="sending", available_at=until, lease_owner="w")
                )
            session.execute(
                update(OUTBOX)
                .where(OUTBOX.c.dedup_key.in_(["lease:2", "lease:3"]))
                .values(status="sending", available_at=NOW + timedelta(seconds=30))
            )
            session.execute(
                update(OUTBOX).where(OUTBOX.c.dedup_key == "due:0").values(status="sent")
            )
            states = ChannelStateRepository(session)
            states.pause("test", NOW + timedelta(minutes=1), "token refused", NOW)
            states.pause("production", NOW - timedelta(seconds=1), "paused once", NOW)

        # Within the cache's few seconds: what was read before.
        ticks.now += DATABASE_GAUGE_SECONDS - 0.1
        assert read(gauges).text == first.text

        ticks.now += 0.1
        found = read(gauges)
        # due:1, due:2 (due:0 went), lease:0 and lease:1; not the two due in an hour.
        assert found.value("moph_connect_outbox_due_backlog", channel="production") == 4
        assert found.value("moph_connect_outbox_due_backlog", channel="test") == 1
        assert found.value("moph_connect_channel_paused", channel="test") == 1
        assert found.value("moph_connect_channel_paused", channel="production") == 0
        assert found.value("moph_connect_outbox_messages", kind="queue_card", status="pending") == 4
        assert found.value("moph_connect_outbox_messages", kind="queue_card", status="sending") == 4
        assert found.value("moph_connect_outbox_messages", kind="queue_card", status="sent") == 1
        assert found.value("moph_connect_outbox_messages", kind="survey", status="pending") == 1
        # A count that is zero is shown as zero, not left out.
        zero = frozenset({("kind", "alert"), ("status", "failed")})
        assert found.labelled("moph_connect_outbox_messages")[zero] == 0
    finally:
        engine.dispose()


def test_a_gone_database_leaves_the_gauges_out_rather_than_failing_the_scrape(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    url = database.engine.url
    gone = url.set(database=(url.database or "") + "_gone")
    if url.get_backend_name() == "sqlite":
        gone = url.set(database=str(url.database) + ".gone")  # never created (mode=rw)
    engine = observer_engine(gone)
    ticks = Ticks()
    gauges = DatabaseGauges(lambda: engine, SimulatedClock(NOW), monotonic=ticks)
    try:
        found = read(gauges)
        assert found.types == {}
        assert "database gauges left out of /metrics: OperationalError" in caplog.text
    finally:
        engine.dispose()
