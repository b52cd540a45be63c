"""The dispatcher's bookkeeping in the database: claim plans, two workers pausing a channel
at once, and what a night-time hold does to a message's attempts."""

from __future__ import annotations

import asyncio
import shutil
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from line_contract.credentials import EMULATOR_CREDENTIALS
from line_emulator import EmulatorConfig, EmulatorServer
from moph_connect.clock import SimulatedClock
from moph_connect.db.engine import make_engine
from moph_connect.db.uow import Database
from moph_connect.line.sender import LineSender
from moph_connect.outbox.dispatcher import Dispatcher, DispatcherConfig
from moph_connect.outbox.repository import ChannelStateRepository, OutboxRepository
from moph_connect.scheduling.rules import Reason, bangkok_time
from tests.delivery.harness import (
    CHANNEL,
    EmulatorControl,
    channel_states,
    insert_rows,
    make_users,
    outbox_row,
    outbox_rows,
    seed,
    text_payload,
)


@pytest.fixture
def sqlite_database(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "moph-connect.db"
    shutil.copy(sqlite_template, path)
    db = Database(make_engine(f"sqlite:///{path}"))
    yield db
    db.dispose()


def test_claiming_due_rows_uses_the_claim_index_on_sqlite(sqlite_database: Database) -> None:
    """Regression (fixed):
    the claim binds the open statuses as parameters (`status IN (?,
    ?)`), which SQLite cannot match against the partial index's `WHERE status IN
    ('pending', 'sending')`: each claim (three statements, one per priority) scans the whole
    outbox and sorts it. At 50,000 due rows one claim of 400 takes ~40 ms instead of ~12 ms,
    and the cost grows with the backlog, i.e. exactly during a burst."""
    now = datetime.now(UTC)
    seed(sqlite_database, ["U" + "a" * 32], 50, now)
    statements: list[tuple[str, Any]] = []

    def capture(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        if statement.lstrip().upper().startswith("UPDATE OUTBOX_MESSAGES SET STATUS"):
            statements.append((statement, parameters))

    event.listen(sqlite_database.engine, "before_cursor_execute", capture)
    try:
        with sqlite_database.transaction() as session:
            OutboxRepository(session).claim("worker", now, timedelta(seconds=60), 400)
    finally:
        event.remove(sqlite_database.engine, "before_cursor_execute", capture)

    assert len(statements) == 3  # one per priority
    with sqlite_database.engine.connect() as connection:
        for statement, parameters in statements:
            plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            details = [str(row[3]) for row in plan]
            assert not [d for d in details if d.startswith("SCAN outbox_messages")], details
            assert any("USING INDEX ix_outbox_claim" in d for d in details), details


def _held_behind_the_first(database: Database, entered: threading.Event) -> None:
    """Proof that the second worker's pause is under way while the first's transaction is
    open, so that the race the test guards against did happen.

    PostgreSQL: the second session is inside its transaction and its upsert waits on the
    first's row lock (seen in `pg_stat_activity`). SQLite has one writer and `Database`
    queues this process's transactions, so there the two pauses cannot interleave at
    all: the proof is that the second worker, at the door at the same moment, has not
    been let in while the first transaction is open."""
    if database.dialect != "postgresql":
        assert not entered.wait(0.3), "the second worker was not held behind the first"
        return
    query = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
    deadline = time.monotonic() + 10.0
    with database.engine.connect() as connection:
        while connection.execute(query).scalar_one() == 0:
            if time.monotonic() > deadline:  # no race happened: the test would prove nothing
                raise AssertionError("the second session never waited on a lock")
            time.sleep(0.02)
            connection.rollback()
    assert entered.is_set()


def test_two_workers_can_pause_a_channel_at_once(database: Database) -> None:
    """Regression (PostgreSQL, fixed):
    `ChannelStateRepository.pause` reads the channel's row and adds
    one if absent. Two workers refused by LINE at the same moment, for a channel never
    paused before, both see no row; the second INSERT waits for the first to commit, then
    fails with a unique violation. That aborts the second worker's whole `_record`
    transaction: the outcomes of up to a batch of other messages (sent, retries, failures)
    are lost, and those rows wait for their lease (60 s) to expire and go out again."""
    now = datetime.now(UTC)
    first_until = now + timedelta(seconds=60)
    second_until = now + timedelta(seconds=61)
    # Both workers at the pause together: the first with its row written, not committed.
    together = threading.Barrier(2, timeout=10)
    entered = threading.Event()

    def second_worker() -> None:
        together.wait()
        with database.transaction() as session:
            entered.set()
            ChannelStateRepository(session).pause(CHANNEL, second_until, "HTTP 401: b", now)

    with ThreadPoolExecutor(max_workers=1) as pool:
        theirs = pool.submit(second_worker)
        with database.transaction() as session:
            ChannelStateRepository(session).pause(CHANNEL, first_until, "HTTP 401: a", now)
            session.flush()  # the first worker's commit is under way
            together.wait()
            _held_behind_the_first(database, entered)
            assert not theirs.done()
        theirs.result(timeout=30)  # PostgreSQL, before the fix: IntegrityError
    assert entered.is_set()
    paused_until, reason = channel_states(database)[CHANNEL]
    assert (paused_until, reason) == (second_until, "HTTP 401: b")


# 23:00 in Bangkok on 2026-05-12; the appointment is three days later.
NIGHT = datetime(2026, 5, 12, 16, 0, tzinfo=UTC)
APPOINTMENT = date(2026, 5, 15)


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    config = EmulatorConfig.default(webhook_base=None, rate_limit_per_second=None)
    with EmulatorServer(config) as server:
        yield server


def test_a_message_held_for_the_night_does_not_spend_an_attempt(
    database: Database, emulator: EmulatorServer
) -> None:
    """Regression (fixed):
    `Dispatcher._record` says of a message the timing rules hold back "back to
    pending until it may go, the attempt not counted", but records it with `mark_retry`,
    which keeps the attempt the claim added. A held message thus reaches `max_attempts`
    early, and shows attempts it never made."""
    (user,) = make_users(emulator.emulator, 1)
    clock = SimulatedClock(NIGHT)
    # A queue card two hours late (e.g. after an outage): no longer "just now", so at
    # night it waits for the morning rather than wake the patient.
    late = NIGHT - timedelta(hours=2)
    row = outbox_row(
        line_user_id=user,
        payload=text_payload("บัตรคิว"),
        now=late,
        kind="queue_card",
        appointment_date=APPOINTMENT,
    )
    row["available_at"] = NIGHT
    insert_rows(database, [row])
    token = EMULATOR_CREDENTIALS["production"].access_token
    config = DispatcherConfig(poll_seconds=0.05)

    async def drain() -> int:
        sender = LineSender(emulator.base_url, {CHANNEL: token}, timeout_seconds=5)
        try:
            return await Dispatcher(database, sender, clock, config).drain()
        finally:
            await sender.close()

    assert asyncio.run(drain()) == 1
    (held,) = outbox_rows(database)
    morning = bangkok_time(date(2026, 5, 13), datetime.min.time().replace(hour=6))
    assert (held["status"], held["available_at"], held["last_error"]) == (
        "pending",
        morning,
        Reason.HOLD_NIGHT,
    )
    with EmulatorControl(emulator.base_url) as control:
        assert control.stats()["requests"] == 0
        assert held["attempts"] == 0, "the hold counted as an attempt"

        clock.set(morning)
        assert asyncio.run(drain()) == 1
        (sent,) = outbox_rows(database)
        assert sent["status"] == "sent"
        assert control.stats()["deliveries"] == 1
        assert sent["attempts"] == 1
