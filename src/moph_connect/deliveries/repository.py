"""Finding outbox messages for the console, always within a scope: a hospital user's
queries join the appointment and keep to her hospital, so another hospital's message is
simply not found (the page then answers 404). Lists carry no patient name; the name is
read on its own (`patient_name`), for the one page allowed to show it.

Messages without an appointment (chat replies, and rows whose patient had her data
deleted) belong to no hospital: only the ministry's scope sees them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import Select, Table, select
from sqlalchemy.orm import Session

from moph_connect.db.models import Appointment, OutboxAttempt, OutboxMessage
from moph_connect.deliveries.timeline import MessageState, Step

_outbox: Table = OutboxMessage.__table__  # type: ignore[assignment]
_attempts: Table = OutboxAttempt.__table__  # type: ignore[assignment]
_appointments: Table = Appointment.__table__  # type: ignore[assignment]
PAGE_SIZE: Final = 50


@dataclass(frozen=True)
class Filters:
    """What the search form asks for; None: any."""

    appointment_id: str | None = None
    queue_number: str | None = None  # a part of it is enough
    appointment_date: date | None = None
    kind: str | None = None
    status: str | None = None
    environment: str | None = None
    before_id: int | None = None  # the next page: messages older than this one


@dataclass(frozen=True)
class Delivery:
    id: int
    environment: str
    hospital_id: str | None
    appointment_id: str | None
    queue_number: str | None
    appointment_date: date | None
    kind: str
    status: str
    due_at: datetime
    sent_at: datetime | None
    attempts: int
    last_error: str | None


@dataclass(frozen=True)
class DeliveryDetail:
    delivery: Delivery
    state: MessageState
    steps: list[Step]


_COLUMNS: Final = (
    _outbox.c.id,
    _outbox.c.environment,
    _appointments.c.hospital_id,
    _outbox.c.appointment_id,
    _appointments.c.queue_number,
    _outbox.c.appointment_date,
    _outbox.c.kind,
    _outbox.c.status,
    _outbox.c.due_at,
    _outbox.c.sent_at,
    _outbox.c.attempts,
    _outbox.c.last_error,
)


def _scoped(hospital_id: str | None, *extra: Any) -> Select[Any]:
    query = select(*_COLUMNS, *extra)
    joined = _appointments.c.id == _outbox.c.appointment_id
    if hospital_id is None:
        return query.select_from(_outbox.outerjoin(_appointments, joined))
    return query.select_from(_outbox.join(_appointments, joined)).where(
        _appointments.c.hospital_id == hospital_id
    )


class DeliveryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def search(
        self, hospital_id: str | None, filters: Filters, limit: int = PAGE_SIZE
    ) -> list[Delivery]:
        """Newest first, `limit` at a time (`before_id` pages on)."""
        query = _scoped(hospital_id)
        if filters.appointment_id:
            query = query.where(_outbox.c.appointment_id == filters.appointment_id)
        if filters.queue_number:
            query = query.where(
                _appointments.c.queue_number.contains(filters.queue_number, autoescape=True)
            )
        if filters.appointment_date is not None:
            query = query.where(_outbox.c.appointment_date == filters.appointment_date)
        if filters.kind:
            query = query.where(_outbox.c.kind == filters.kind)
        if filters.status:
            query = query.where(_outbox.c.status == filters.status)
        if filters.environment:
            query = query.where(_outbox.c.environment == filters.environment)
        if filters.before_id is not None:
            query = query.where(_outbox.c.id < filters.before_id)
        rows: Sequence[tuple[Any, ...]] = self.session.execute(
            query.order_by(_outbox.c.id.desc()).limit(limit)
        ).all()
        return [Delivery(*row) for row in rows]

    def detail(self, hospital_id: str | None, message_id: int) -> DeliveryDetail | None:
        """One message in the scope, with its state and steps; None: not in the scope."""
        row = self.session.execute(
            _scoped(
                hospital_id,
                _outbox.c.created_at,
                _outbox.c.available_at,
                _outbox.c.line_request_id,
            ).where(_outbox.c.id == message_id)
        ).one_or_none()
        if row is None:
            return None
        delivery = Delivery(*row[: len(_COLUMNS)])
        created_at, available_at, request_id = row[len(_COLUMNS) :]
        state = MessageState(
            status=delivery.status,
            created_at=created_at,
            due_at=delivery.due_at,
            available_at=available_at,
            sent_at=delivery.sent_at,
            last_error=delivery.last_error,
            line_request_id=request_id,
        )
        steps: Sequence[tuple[Any, ...]] = self.session.execute(
            select(
                _attempts.c.at,
                _attempts.c.attempt,
                _attempts.c.outcome,
                _attempts.c.line_status,
                _attempts.c.line_request_id,
                _attempts.c.detail,
            )
            .where(_attempts.c.message_id == message_id)
            .order_by(_attempts.c.id)
        ).all()
        return DeliveryDetail(delivery, state, [Step(*step) for step in steps])

    def patient_name(self, hospital_id: str, appointment_id: str) -> str | None:
        """The patient's name on her appointment, for her own hospital only."""
        name: str | None = self.session.execute(
            select(_appointments.c.patient_name).where(
                _appointments.c.id == appointment_id,
                _appointments.c.hospital_id == hospital_id,
            )
        ).scalar_one_or_none()
        return name
