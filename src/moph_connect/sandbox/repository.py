"""The sandbox's storage: a test-environment call recorded (one INSERT, in the caller's
transaction: the admission's, see appointments/admission.py), and what the console reads
back, always for one hospital: its recent calls, its test patients and the messages each
received (the test environment's outbox rows of that hospital's appointments).

Bounded: a trigger on `sandbox_calls` (migration 0012) deletes a hospital's rows beyond
its newest `KEPT_PER_HOSPITAL` within the insert's own statement; the retention job
(patients/retention.py) deletes rows older than `MOPH_CONNECT_SANDBOX_RETENTION_DAYS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

import orjson
from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from moph_connect.db.models import (
    Appointment,
    Hospital,
    OutboxMessage,
    OutboxPayload,
    SandboxCall,
)
from moph_connect.sandbox.recording import CallNote, kept_answer, kept_request, regist_of

KEPT_PER_HOSPITAL: Final = 200  # the trigger's number (migration 0012)
PATIENTS_SHOWN: Final = 100
MESSAGES_SHOWN: Final = 100
TEST: Final = "test"

_calls: Table = SandboxCall.__table__  # type: ignore[assignment]
_outbox: Table = OutboxMessage.__table__  # type: ignore[assignment]
_payloads: Table = OutboxPayload.__table__  # type: ignore[assignment]
_appointments: Table = Appointment.__table__  # type: ignore[assignment]
_hospitals: Table = Hospital.__table__  # type: ignore[assignment]
_INSERT: Final = insert(_calls)


@dataclass(frozen=True)
class RecordedCall:
    id: int
    called_at: datetime
    endpoint: str
    status: int
    regist_id: str | None
    request: dict[str, Any]
    answer: dict[str, Any]


@dataclass(frozen=True)
class TestPatient:
    regist_id: str
    messages: int
    last_due_at: datetime


@dataclass(frozen=True)
class ReceivedMessage:
    id: int
    kind: str
    status: str
    due_at: datetime
    sent_at: datetime | None
    appointment_date: date | None
    queue_number: str
    messages: list[Any]  # the LINE message objects the row sends


@dataclass(frozen=True)
class SandboxHospital:
    hospital_id: str
    name: str
    calls: int
    last_call_at: datetime


class SandboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(
        self,
        hospital_id: str,
        note: CallNote,
        status: int,
        answer: Mapping[str, Any],
        now: datetime,
    ) -> None:
        """One call recorded: one INSERT (its hospital's oldest rows trimmed by the
        trigger in the same statement)."""
        self.session.execute(
            _INSERT,
            {
                "hospital_id": hospital_id,
                "called_at": now,
                "endpoint": note.endpoint[:64],
                "status": status,
                "regist_id": regist_of(note.fields),
                "request": kept_request(note.fields),
                "answer": kept_answer(answer),
            },
        )

    def recent(self, hospital_id: str, limit: int = KEPT_PER_HOSPITAL) -> list[RecordedCall]:
        rows = self.session.execute(
            select(
                _calls.c.id,
                _calls.c.called_at,
                _calls.c.endpoint,
                _calls.c.status,
                _calls.c.regist_id,
                _calls.c.request,
                _calls.c.answer,
            )
            .where(_calls.c.hospital_id == hospital_id)
            .order_by(_calls.c.id.desc())
            .limit(limit)
        )
        return [
            RecordedCall(
                id=row.id,
                called_at=row.called_at,
                endpoint=row.endpoint,
                status=row.status,
                regist_id=row.regist_id,
                request=row.request,
                answer=row.answer,
            )
            for row in rows
        ]

    def count(self, hospital_id: str) -> int:
        found = self.session.scalar(
            select(func.count()).select_from(_calls).where(_calls.c.hospital_id == hospital_id)
        )
        return int(found or 0)

    def test_patients(self, hospital_id: str) -> list[TestPatient]:
        """The hospital's test patients who were planned messages, latest first."""
        last = func.max(_outbox.c.due_at)
        rows = self.session.execute(
            select(_appointments.c.regist_id, func.count(_outbox.c.id), last)
            .join(_outbox, _outbox.c.appointment_id == _appointments.c.id)
            .where(
                _appointments.c.hospital_id == hospital_id,
                _appointments.c.environment == TEST,
                _outbox.c.environment == TEST,
            )
            .group_by(_appointments.c.regist_id)
            .order_by(last.desc())
            .limit(PATIENTS_SHOWN)
        )
        return [TestPatient(row[0], int(row[1]), row[2]) for row in rows]

    def received(self, hospital_id: str, regist_id: str) -> list[ReceivedMessage]:
        """What the test patient `regist_id` of this hospital was sent (or is to be),
        oldest first; empty for anyone else's patient."""
        rows = self.session.execute(
            select(
                _outbox.c.id,
                _outbox.c.kind,
                _outbox.c.status,
                _outbox.c.due_at,
                _outbox.c.sent_at,
                _appointments.c.appointment_date,
                _appointments.c.queue_number,
                _payloads.c.payload,
            )
            .join(_appointments, _outbox.c.appointment_id == _appointments.c.id)
            .outerjoin(_payloads, _payloads.c.message_id == _outbox.c.id)
            .where(
                _appointments.c.hospital_id == hospital_id,
                _appointments.c.regist_id == regist_id,
                _appointments.c.environment == TEST,
                _outbox.c.environment == TEST,
            )
            .order_by(_outbox.c.due_at, _outbox.c.id)
            .limit(MESSAGES_SHOWN)
        )
        return [
            ReceivedMessage(
                id=row.id,
                kind=row.kind,
                status=row.status,
                due_at=row.due_at,
                sent_at=row.sent_at,
                appointment_date=row.appointment_date,
                queue_number=row.queue_number,
                messages=_messages(row.payload),
            )
            for row in rows
        ]

    def hospitals_with_calls(self, limit: int = 200) -> list[SandboxHospital]:
        """For the ministry's choice: hospitals with recorded test calls, latest first."""
        last = func.max(_calls.c.called_at)
        rows = self.session.execute(
            select(_hospitals.c.id, _hospitals.c.name, func.count(_calls.c.id), last)
            .join(_calls, _calls.c.hospital_id == _hospitals.c.id)
            .group_by(_hospitals.c.id, _hospitals.c.name)
            .order_by(last.desc())
            .limit(limit)
        )
        return [SandboxHospital(row[0], row[1], int(row[2]), row[3]) for row in rows]

    def hospital_name(self, hospital_id: str) -> str | None:
        return self.session.scalar(select(_hospitals.c.name).where(_hospitals.c.id == hospital_id))


def _messages(payload: str | None) -> list[Any]:
    if not payload:
        return []
    parsed = orjson.loads(payload)
    return parsed if isinstance(parsed, list) else [parsed]
