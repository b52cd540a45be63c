"""Retention: what the privacy notice can promise about how long her data is kept.

`MOPH_CONNECT_RETENTION_DAYS` (R, default 30) days after an appointment's date (Bangkok),
the appointment goes, and with it everything about it: its outbox rows and their
payloads (queue card, reminders, survey card, whatever their status), the hospitals'
idempotency records of calls about it, and the link from its survey, whose comment
goes too (free text she wrote; once unlinked, a later "delete my data" could not find
it). The survey's score and recommendation stay, with its hospital and times: the
statistics, without anyone's name. Chat answers (which may show her appointments) and
rows no longer tied to an appointment go R days after they were planned, once sent,
failed or cancelled. Stored LINE webhook events go 7 days after they were processed.

Rows are deleted rather than blanked: a blanked outbox row would still name its
recipient and, in its dedup key, the appointment, and nothing reads sent rows later;
kept, they would grow the outbox by millions of rows a day.

A job in every dispatcher (`RetentionJob.run`, hourly) does it in small transactions,
so that SQLite's single writer is never held for long, and then gets the deleted bytes
out of storage: SQLite's WAL is checkpointed and truncated; on PostgreSQL the tables
are vacuumed, also when an erasure happened since the last run (VACUUM per erasure,
in the webhook path, would hold up every patient's chat for as long as it takes on a
large outbox: see docs/chatbot.md). On PostgreSQL one worker at a time runs it.

The console's test sandbox (`sandbox_calls`: test-environment calls and their answers)
goes `MOPH_CONNECT_SANDBOX_RETENTION_DAYS` (default 7) after each call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, timedelta
from typing import Final

from sqlalchemy import Engine, Table, delete, select, text, tuple_, update
from sqlalchemy.orm import Session

from moph_connect.clock import Clock
from moph_connect.db.models import (
    Appointment,
    AuditEvent,
    OutboxMessage,
    OutboxPayload,
    SandboxCall,
    Survey,
    WebhookEvent,
)
from moph_connect.db.reclaim import checkpoint_wal, vacuum
from moph_connect.db.uow import Database, after_commit
from moph_connect.patients.erasure import ERASURE_TABLES, forget_idempotency_records
from moph_connect.scheduling.rules import bangkok_date

log = logging.getLogger(__name__)

WEBHOOK_EVENT_DAYS: Final = 7
INTERVAL: Final = timedelta(hours=1)
BATCH: Final = 1000
FINISHED: Final = ("sent", "failed", "cancelled")  # dropped messages are "failed"
# pg_try_advisory_lock's key: any constant of our own.
_LOCK_KEY: Final = 0x6D6F7068_72657400  # "moph" "ret"

_outbox: Table = OutboxMessage.__table__  # type: ignore[assignment]
_payloads: Table = OutboxPayload.__table__  # type: ignore[assignment]
_events: Table = WebhookEvent.__table__  # type: ignore[assignment]
_sandbox: Table = SandboxCall.__table__  # type: ignore[assignment]


@dataclass
class RetentionCounts:
    appointments: int = 0
    messages: int = 0
    surveys_unlinked: int = 0
    idempotency_records: int = 0
    webhook_events: int = 0
    sandbox_calls: int = 0

    def add(self, other: RetentionCounts) -> None:
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))

    @property
    def total(self) -> int:
        return sum(asdict(self).values())


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


class RetentionRepository:
    """The queries; each method handles one batch, in the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _delete_messages(self, ids: Sequence[int]) -> int:
        if not ids:
            return 0
        self.session.execute(delete(_payloads).where(_payloads.c.message_id.in_(ids)))
        return _count(self.session.execute(delete(_outbox).where(_outbox.c.id.in_(ids))))

    def purge_appointments(self, dated_before: date, limit: int = BATCH) -> RetentionCounts:
        """Up to `limit` appointments dated before `dated_before`, and all about them."""
        found = self.session.execute(
            select(Appointment.id, Appointment.hospital_id)
            .where(Appointment.appointment_date < dated_before)
            .limit(limit)
        )
        hospital_of: Mapping[str, str] = {row.id: row.hospital_id for row in found}
        if not hospital_of:
            return RetentionCounts()
        ids = list(hospital_of)
        surveys = _count(
            self.session.execute(
                update(Survey)
                .where(Survey.appointment_id.in_(ids))
                .values(appointment_id=None, comment=None)
                .execution_options(synchronize_session=False)
            )
        )
        messages = self._delete_messages(
            list(
                self.session.scalars(select(_outbox.c.id).where(_outbox.c.appointment_id.in_(ids)))
            )
        )
        records = forget_idempotency_records(self.session, hospital_of)
        appointments = _count(
            self.session.execute(
                delete(Appointment)
                .where(Appointment.id.in_(ids))
                .execution_options(synchronize_session=False)
            )
        )
        return RetentionCounts(
            appointments=appointments,
            messages=messages,
            surveys_unlinked=surveys,
            idempotency_records=records,
        )

    def purge_messages(self, planned_before: datetime, limit: int = BATCH) -> RetentionCounts:
        """Up to `limit` finished rows tied to no appointment (chat answers, erased rows)
        planned before `planned_before`."""
        ids: list[int] = list(
            self.session.scalars(
                select(_outbox.c.id)
                .where(
                    _outbox.c.appointment_id.is_(None),
                    _outbox.c.status.in_(FINISHED),
                    _outbox.c.created_at < planned_before,
                )
                .limit(limit)
            )
        )
        return RetentionCounts(messages=self._delete_messages(ids))

    def purge_events(self, processed_before: datetime, limit: int = BATCH) -> RetentionCounts:
        keys = self.session.execute(
            select(_events.c.environment, _events.c.webhook_event_id)
            .where(_events.c.processed_at < processed_before)
            .limit(limit)
        ).all()
        if not keys:
            return RetentionCounts()
        key = tuple_(_events.c.environment, _events.c.webhook_event_id)
        deleted = self.session.execute(delete(_events).where(key.in_([tuple(k) for k in keys])))
        return RetentionCounts(webhook_events=_count(deleted))

    def purge_sandbox_calls(self, called_before: datetime, limit: int = BATCH) -> RetentionCounts:
        ids: list[int] = list(
            self.session.scalars(
                select(_sandbox.c.id).where(_sandbox.c.called_at < called_before).limit(limit)
            )
        )
        if not ids:
            return RetentionCounts()
        deleted = self.session.execute(delete(_sandbox).where(_sandbox.c.id.in_(ids)))
        return RetentionCounts(sandbox_calls=_count(deleted))

    def erased_since(self, since: datetime) -> bool:
        return (
            self.session.scalars(
                select(AuditEvent.id)
                .where(AuditEvent.kind == "data_erased", AuditEvent.created_at >= since)
                .limit(1)
            ).first()
            is not None
        )

    def record(self, counts: RetentionCounts, now: datetime) -> None:
        self.session.add(
            AuditEvent(
                environment="all",
                kind="retention_purged",
                detail=asdict(counts),
                created_at=now,
                actor="retention",
            )
        )


def _reclaim(engine: Engine) -> None:
    """After a pass that deleted rows (or followed an erasure): SQLite's WAL truncated,
    PostgreSQL's tables vacuumed (outside the pass's transactions, as VACUUM must)."""
    checkpoint_wal(engine)
    vacuum(engine, ERASURE_TABLES)


class RetentionJob:
    """Runs the purges hourly (by `clock`), one batch per transaction."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        *,
        retention_days: int,
        sandbox_days: int = 7,
        interval: timedelta = INTERVAL,
        batch: int = BATCH,
    ) -> None:
        self.database = database
        self.clock = clock
        self.retention = timedelta(days=retention_days)
        self.sandbox_retention = timedelta(days=sandbox_days)
        self.interval = interval
        self.batch = batch
        self._last_run: datetime | None = None

    def run_once(self, should_stop: Callable[[], bool] = lambda: False) -> RetentionCounts | None:
        """One pass; None if another worker is running one (PostgreSQL)."""
        now = self.clock.now()
        with self._turn() as mine:
            if not mine:
                return None
            counts = self._purge(now, should_stop)
            with self.database.transaction() as session:
                repository = RetentionRepository(session)
                since = self._last_run or now - self.interval
                if counts.total:
                    repository.record(counts, now)
                if counts.total or repository.erased_since(since):
                    after_commit(session, _reclaim)
            self._last_run = now
        if counts.total:
            log.info("retention purged %s", asdict(counts))
        return counts

    def _purge(self, now: datetime, should_stop: Callable[[], bool]) -> RetentionCounts:
        total = RetentionCounts()
        steps: list[Callable[[RetentionRepository], RetentionCounts]] = [
            lambda r: r.purge_appointments(bangkok_date(now) - self.retention, self.batch),
            lambda r: r.purge_messages(now - self.retention, self.batch),
            lambda r: r.purge_events(now - timedelta(days=WEBHOOK_EVENT_DAYS), self.batch),
            lambda r: r.purge_sandbox_calls(now - self.sandbox_retention, self.batch),
        ]
        for step in steps:
            while not should_stop():
                with self.database.transaction() as session:
                    counts = step(RetentionRepository(session))
                total.add(counts)
                if counts.total == 0:
                    break
        return total

    @contextlib.contextmanager
    def _turn(self) -> Iterator[bool]:
        """On PostgreSQL, whether this worker holds the job's advisory lock (on a
        connection in autocommit: an open transaction's snapshot would keep VACUUM from
        removing the rows just deleted). Elsewhere always."""
        engine = self.database.engine
        if engine.dialect.name != "postgresql":
            yield True
            return
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            key = {"key": _LOCK_KEY}
            got = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), key).scalar())
            try:
                yield got
            finally:
                if got:
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), key)

    async def run(self, stop: asyncio.Event, check_seconds: float) -> None:
        """Hourly by the clock, first at once; the clock is looked at every
        `check_seconds` (cheap: no query), so a simulated clock moved on is noticed."""
        due = self.clock.now()
        while not stop.is_set():
            started = self.clock.now()
            if started >= due:
                try:
                    await asyncio.to_thread(self.run_once, stop.is_set)
                except Exception:  # a failed pass must not stop the dispatcher
                    log.exception("the retention job failed")
                # An hour from when this pass began, not ended: a clock that moved on
                # during a long pass (or a simulated one set forward) gets its pass.
                due = started + self.interval
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), check_seconds)
