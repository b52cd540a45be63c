"""Deliveries searched and shown within a scope, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from moph_connect.db.models import LineUser, OutboxAttempt
from moph_connect.db.uow import Database
from moph_connect.deliveries.repository import DeliveryRepository, Filters
from moph_connect.outbox.repository import OutboxRepository
from moph_connect.outbox.types import Step
from moph_connect.patients.erasure import ErasureRepository
from moph_connect.patients.retention import RetentionRepository
from tests.satisfaction.seed import (
    PATIENT_NAME,
    Seeded,
    add_appointment,
    add_hospital,
    add_message,
    bangkok,
)

DAY = date(2026, 12, 7)


@dataclass(frozen=True)
class Rows:
    mine: Seeded
    card: int
    reminder: int
    theirs: int
    next_day: int


def seed(database: Database) -> Rows:
    with database.transaction() as session:
        add_hospital(session, "h1", "โรงพยาบาลปทุมธานี")
        add_hospital(session, "h2", "โรงพยาบาลลำลูกกา")
        mine = add_appointment(session, "h1", DAY, queue_number="จุดคัดกรอง คิวที่ 1221")
        other = add_appointment(session, "h2", DAY, queue_number="คิวที่ 1221")
        later = add_appointment(session, "h1", DAY + timedelta(days=1), queue_number="A_7%")
        card = add_message(session, mine, "queue_card", bangkok(DAY, 8), status="sent")
        reminder = add_message(
            session, mine, "reminder_same_day", bangkok(DAY, 6), appointment_date=DAY
        )
        theirs = add_message(session, other, "queue_card", bangkok(DAY, 8), status="failed")
        next_day = add_message(session, later, "queue_card", bangkok(DAY, 9))
        OutboxRepository(session).record_steps(
            [
                Step(card.id, 1, "retry", "500", None, "HTTP 500"),
                Step(card.id, 2, "sent", "200", "req-card", ""),
                Step(theirs.id, 1, "failed", "400", None, "HTTP 400"),
            ],
            bangkok(DAY, 8),
        )
        return Rows(mine, card.id, reminder.id, theirs.id, next_day.id)


def search(database: Database, hospital_id: str | None, **filters: Any) -> list[int]:
    with database.transaction() as session:
        found = DeliveryRepository(session).search(hospital_id, Filters(**filters))
        return [delivery.id for delivery in found]


def test_search_keeps_to_the_hospital_and_filters(database: Database) -> None:
    ids = seed(database)
    card, reminder, theirs, next_day = ids.card, ids.reminder, ids.theirs, ids.next_day
    assert search(database, "h1") == sorted([next_day, reminder, card], reverse=True)
    assert search(database, None) == sorted([next_day, theirs, reminder, card], reverse=True)
    assert search(database, "h1", queue_number="1221") == sorted([reminder, card], reverse=True)
    assert search(database, "h2", queue_number="1221") == [theirs]
    # LIKE's wildcards are searched for as themselves.
    assert search(database, "h1", queue_number="_7%") == [next_day]
    assert search(database, "h1", queue_number="%") == [next_day]
    assert search(database, "h1", kind="queue_card", status="sent") == [card]
    assert search(database, "h1", appointment_date=DAY) == [reminder]
    mine = ids.mine
    assert search(database, "h1", appointment_id=mine.appointment_id) == sorted(
        [reminder, card], reverse=True
    )
    assert search(database, "h2", appointment_id=mine.appointment_id) == []
    assert search(database, "h1", before_id=reminder) == [card]
    assert search(database, None, environment="test") == []


def test_detail_has_the_steps_and_stays_in_scope(database: Database) -> None:
    ids = seed(database)
    with database.transaction() as session:
        repository = DeliveryRepository(session)
        detail = repository.detail("h1", ids.card)
        assert detail is not None
        assert detail.delivery.hospital_id == "h1"
        assert [(s.attempt, s.outcome, s.line_status, s.request_id) for s in detail.steps] == [
            (1, "retry", "500", None),
            (2, "sent", "200", "req-card"),
        ]
        assert detail.steps[0].detail == "HTTP 500" and detail.steps[1].detail is None
        assert repository.detail("h2", ids.card) is None
        assert repository.detail(None, ids.theirs) is not None
        mine = ids.mine
        assert repository.patient_name("h1", mine.appointment_id) == PATIENT_NAME
        assert repository.patient_name("h2", mine.appointment_id) is None


def test_erasure_blanks_the_request_ids_and_leaves_the_row_to_the_ministry(
    database: Database,
) -> None:
    ids = seed(database)
    mine = ids.mine
    with database.transaction() as session:
        user = session.scalars(
            select(LineUser).where(LineUser.line_user_id == mine.line_user_id)
        ).one()
        ErasureRepository(session).erase(user, bangkok(DAY, 10), current_event_id="e")
    with database.transaction() as session:
        repository = DeliveryRepository(session)
        assert repository.detail("h1", ids.card) is None
        detail = repository.detail(None, ids.card)
        assert detail is not None
        assert [(s.outcome, s.request_id, s.detail) for s in detail.steps] == [
            ("retry", None, None),
            ("sent", None, None),
        ]
        assert detail.delivery.queue_number is None
        reminder = repository.detail(None, ids.reminder)
        assert reminder is not None and reminder.delivery.status == "cancelled"


def test_retention_takes_the_timeline_with_its_message(database: Database) -> None:
    ids = seed(database)
    with database.transaction() as session:
        RetentionRepository(session).purge_appointments(DAY + timedelta(days=1))
    with database.transaction() as session:
        repository = DeliveryRepository(session)
        assert repository.detail(None, ids.card) is None
        assert repository.detail(None, ids.next_day) is not None
        left = session.scalars(select(OutboxAttempt.message_id)).all()
    assert left == []  # the card's and the other hospital's steps went with their rows


def test_a_step_of_a_row_deleted_meanwhile_is_dropped_not_an_error(database: Database) -> None:
    ids = seed(database)
    with database.transaction() as session:
        OutboxRepository(session).record_steps(
            [Step(ids.next_day, 1, "sent", "200", "req-x"), Step(10**9, 1, "sent", "200")],
            bangkok(DAY, 9),
        )
    with database.transaction() as session:
        detail = DeliveryRepository(session).detail(None, ids.next_day)
        assert detail is not None
        assert [(s.outcome, s.request_id) for s in detail.steps] == [("sent", "req-x")]
        assert 10**9 not in session.scalars(select(OutboxAttempt.message_id)).all()
