"""The retention job against the database directly: its day boundaries, batches, what it
keeps (unsent messages, unprocessed events), one pass at a time on PostgreSQL, and the
VACUUM after an erasure."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select, text

from moph_connect.clock import SimulatedClock
from moph_connect.db.models import (
    Appointment,
    AuditEvent,
    Hospital,
    IdempotencyRecord,
    LineUser,
    OutboxMessage,
    OutboxPayload,
    Registration,
    Survey,
    WebhookEvent,
)
from moph_connect.db.uow import Database
from moph_connect.patients.erasure import ERASURE_TABLES
from moph_connect.patients.retention import RetentionJob
from tests.support.leaks import vacuum_counts
from tests.support.stack import wait_for

# 10:00 in Bangkok on 1 June 2026.
NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
TODAY = date(2026, 6, 1)


def _patient(database: Database) -> None:
    with database.transaction() as session:
        session.add(Hospital(id="h", name="รพ.", booking_url="https://q.th/", created_at=NOW))
        session.add(LineUser(id=1, environment="production", line_user_id="U1", followed_at=NOW))
        session.flush()
        session.add(
            Registration(
                regist_id="r" * 24,
                environment="production",
                line_user_pk=1,
                hospital_id="h",
                created_at=NOW,
            )
        )


def _message(number: int, status: str, created: datetime, appointment: str | None) -> OutboxMessage:
    message = OutboxMessage(
        environment="production",
        appointment_id=appointment,
        line_user_id="U1",
        kind="reminder_day_before" if appointment else "chat",
        priority=1,
        dedup_key=f"k{number}",
        status=status,
        due_at=created,
        available_at=created,
        attempts=1,
        retry_key=f"r{number}",
        created_at=created,
    )
    message.payload = '[{"type":"text","text":"นาย ก"}]'
    return message


def _appointment(database: Database, name: str, day: date) -> None:
    with database.transaction() as session:
        session.add(
            Appointment(
                id=name,
                environment="production",
                hospital_id="h",
                regist_id="r" * 24,
                appointment_date=day,
                queue_number=name,
                hospital_name="รพ.",
                origin="",
                patient_name="นาย ก",
                appointment_time="09:00",
                details_link="",
                current_queue_link="",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        session.flush()
        session.add(_message(hash(name) % 10**6, "sent", NOW, name))
        session.add(
            Survey(
                token=f"t-{name}",
                appointment_id=name,
                hospital_id="h",
                score=4,
                comment="ดีมาก",
                created_at=NOW,
            )
        )
        session.add(
            IdempotencyRecord(
                hospital_id="h",
                environment="production",
                key=name,
                request_hash="0" * 64,
                status_code=202,
                response={"appointmentId": name},
                created_at=NOW,
            )
        )


def _count(database: Database, model: type[object]) -> int:
    with database.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_an_appointment_goes_the_day_after_its_date_plus_the_retention(
    database: Database,
) -> None:
    _patient(database)
    for number in range(5):  # more than one batch of 2
        _appointment(database, f"old{number}", TODAY - timedelta(days=31))
    _appointment(database, "edge", TODAY - timedelta(days=30))
    clock = SimulatedClock(NOW)
    counts = RetentionJob(database, clock, retention_days=30, batch=2).run_once()
    assert counts is not None
    assert (counts.appointments, counts.messages, counts.surveys_unlinked) == (5, 5, 5)
    assert counts.idempotency_records == 5
    with database.transaction() as session:
        assert session.scalars(select(Appointment.id)).all() == ["edge"]
        assert session.scalars(select(IdempotencyRecord.key)).all() == ["edge"]
        surveys = session.scalars(select(Survey)).all()
        kept = sorted((s.appointment_id or "", s.comment or "") for s in surveys)
        assert kept == [*[("", "")] * 5, ("edge", "ดีมาก")]
        assert all(s.score == 4 for s in surveys)
    assert _count(database, OutboxMessage) == _count(database, OutboxPayload) == 1
    # 00:00 in Bangkok the next day: the edge's date is now 31 days back.
    clock.set(datetime(2026, 6, 1, 17, 0, tzinfo=UTC))
    RetentionJob(database, clock, retention_days=30).run_once()
    assert _count(database, Appointment) == 0


def test_unsent_messages_and_unprocessed_events_stay(database: Database) -> None:
    _patient(database)
    old = NOW - timedelta(days=31)
    with database.transaction() as session:
        for number, status in enumerate(("sent", "failed", "cancelled", "pending", "sending")):
            session.add(_message(number, status, old, None))
        session.add(_message(9, "sent", NOW - timedelta(days=29), None))
        for name, processed in (("done", NOW - timedelta(days=8)), ("waiting", None)):
            session.add(
                WebhookEvent(
                    environment="production",
                    webhook_event_id=name,
                    event={},
                    received_at=old,
                    processed_at=processed,
                )
            )
        session.add(
            WebhookEvent(
                environment="production",
                webhook_event_id="recent",
                event={},
                received_at=NOW,
                processed_at=NOW - timedelta(days=6),
            )
        )
    counts = RetentionJob(database, SimulatedClock(NOW), retention_days=30).run_once()
    assert counts is not None and (counts.messages, counts.webhook_events) == (3, 1)
    with database.transaction() as session:
        left = sorted(session.scalars(select(OutboxMessage.status)))
        assert left == ["pending", "sending", "sent"]
        events = sorted(session.scalars(select(WebhookEvent.webhook_event_id)))
        assert events == ["recent", "waiting"]
        [audit] = session.scalars(select(AuditEvent)).all()
        assert audit.kind == "retention_purged" and audit.detail["messages"] == 3
        assert all(isinstance(value, int) for value in audit.detail.values())


def test_a_pass_that_purges_nothing_records_nothing(database: Database) -> None:
    counts = RetentionJob(database, SimulatedClock(NOW), retention_days=30).run_once()
    assert counts is not None and counts.total == 0
    assert _count(database, AuditEvent) == 0


def test_one_pass_at_a_time_on_postgresql(postgres_database: Database) -> None:
    database = postgres_database
    job = RetentionJob(database, SimulatedClock(NOW), retention_days=30)
    engine = database.engine
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as other:
        other.execute(text("SELECT pg_advisory_lock(:key)"), {"key": 0x6D6F7068_72657400})
        assert job.run_once() is None  # another worker's pass is running
        other.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": 0x6D6F7068_72657400})
    assert job.run_once() is not None


def test_the_tables_are_vacuumed_after_an_erasure(postgres_database: Database) -> None:
    database = postgres_database
    clock = SimulatedClock(NOW)
    job = RetentionJob(database, clock, retention_days=30)
    job.run_once()  # nothing purged, no erasure: no VACUUM
    before = vacuum_counts(database)
    clock.advance(timedelta(hours=1))
    job.run_once()
    assert vacuum_counts(database) == before
    with database.transaction() as session:
        session.add(
            AuditEvent(
                environment="production", kind="data_erased", detail={}, created_at=clock.now()
            )
        )
    clock.advance(timedelta(hours=1))
    job.run_once()
    wait_for(
        lambda: all(vacuum_counts(database)[t] > before.get(t, 0) for t in ERASURE_TABLES),
        what="every table the erasure touched vacuumed",
    )
