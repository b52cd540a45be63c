"""Rows for the console's tests, written straight to the tables (no API in between): a
hospital, a patient, her appointment, its survey and its outbox messages."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from moph_connect.clock import BANGKOK
from moph_connect.db.models import (
    Appointment,
    Hospital,
    LineUser,
    OutboxMessage,
    Registration,
    Survey,
)

EXPIRY = timedelta(days=7)
PATIENT_NAME = "นาง สมศรี ใจดี"


def bangkok(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BANGKOK).astimezone(UTC)


def add_hospital(session: Session, hospital_id: str, name: str) -> None:
    session.add(
        Hospital(
            id=hospital_id,
            name=name,
            booking_url=f"https://q.example.th/{hospital_id}?regist={{regist}}",
            active=True,
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
    )
    session.flush()


@dataclass(frozen=True)
class Seeded:
    appointment_id: str
    line_user_id: str
    survey_token: str


def add_appointment(
    session: Session,
    hospital_id: str,
    day: date,
    *,
    environment: str = "production",
    queue_number: str = "คิวที่ 1221",
    patient_name: str = PATIENT_NAME,
) -> Seeded:
    line_user_id = "U" + secrets.token_hex(16)
    user = LineUser(
        environment=environment,
        line_user_id=line_user_id,
        following=True,
        followed_at=bangkok(day, 0) - timedelta(days=3),
    )
    session.add(user)
    session.flush()
    regist = secrets.token_hex(12)
    session.add(
        Registration(
            regist_id=regist,
            environment=environment,
            line_user_pk=user.id,
            hospital_id=hospital_id,
            created_at=user.followed_at,
        )
    )
    session.flush()
    appointment_id = uuid.uuid4().hex
    created = bangkok(day, 0) - timedelta(days=2)
    session.add(
        Appointment(
            id=appointment_id,
            environment=environment,
            hospital_id=hospital_id,
            regist_id=regist,
            appointment_date=day,
            queue_number=queue_number,
            hospital_name="รพ.",
            origin="กระทรวงสาธารณสุข",
            patient_name=patient_name,
            appointment_time="09:00",
            details_link="https://q.example.th/",
            current_queue_link="https://q.example.th/",
            created_at=created,
            updated_at=created,
        )
    )
    session.flush()
    return Seeded(appointment_id, line_user_id, secrets.token_urlsafe(16))


def add_message(
    session: Session,
    seeded: Seeded,
    kind: str,
    due_at: datetime,
    *,
    status: str = "pending",
    environment: str = "production",
    appointment_date: date | None = None,
) -> OutboxMessage:
    message = OutboxMessage(
        environment=environment,
        appointment_id=seeded.appointment_id,
        appointment_date=appointment_date,
        line_user_id=seeded.line_user_id,
        kind=kind,
        priority=2 if kind == "survey" else 0,
        dedup_key=f"{seeded.appointment_id}:{kind}",
        status=status,
        due_at=due_at,
        available_at=due_at,
        attempts=0,
        retry_key=str(uuid.uuid4()),
        created_at=due_at - timedelta(days=1),
        sent_at=due_at if status == "sent" else None,
    )
    message.payload = '[{"type":"text","text":"x"}]'
    session.add(message)
    session.flush()
    return message


def add_survey(
    session: Session,
    hospital_id: str,
    day: date,
    *,
    score: int | None,
    recommend: int | None = None,
    comment: str | None = None,
    card: str = "sent",
    environment: str = "production",
) -> Seeded:
    """A survey for an appointment on `day` (due 12:00 the day after); `card` is its
    outbox row's status."""
    seeded = add_appointment(session, hospital_id, day, environment=environment)
    due = bangkok(day + timedelta(days=1), 12)
    session.add(
        Survey(
            token=seeded.survey_token,
            appointment_id=seeded.appointment_id,
            hospital_id=hospital_id,
            environment=environment,
            score=score,
            recommend=recommend,
            comment=comment,
            answered_at=due + timedelta(hours=1) if score is not None else None,
            expires_at=due + EXPIRY,
            created_at=due - timedelta(days=1),
        )
    )
    add_message(session, seeded, "survey", due, status=card, environment=environment)
    return seeded
