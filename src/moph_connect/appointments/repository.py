"""Database access for appointments, surveys and idempotency records."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from moph_connect.db.models import Appointment, IdempotencyRecord, OutboxMessage, Survey


class AppointmentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(
        self, hospital_id: str, regist_id: str, appointment_date: date, queue_number: str
    ) -> Appointment | None:
        return self.session.scalars(
            select(Appointment).where(
                Appointment.hospital_id == hospital_id,
                Appointment.regist_id == regist_id,
                Appointment.appointment_date == appointment_date,
                Appointment.queue_number == queue_number,
            )
        ).first()

    def movable(
        self, hospital_id: str, regist_id: str, queue_number: str, today: date
    ) -> Appointment | None:
        """The patient's upcoming, active appointment with this queue number, if one: a
        call naming it with another date moves it (the patient has not been called yet)."""
        called = (
            select(OutboxMessage.id)
            .where(
                OutboxMessage.appointment_id == Appointment.id,
                OutboxMessage.kind.in_(("queue_near", "survey")),
                OutboxMessage.status != "cancelled",
            )
            .exists()
        )
        return self.session.scalars(
            select(Appointment)
            .where(
                Appointment.hospital_id == hospital_id,
                Appointment.regist_id == regist_id,
                Appointment.queue_number == queue_number,
                Appointment.status == "active",
                Appointment.appointment_date >= today,
                ~called,
            )
            .order_by(Appointment.appointment_date.desc())
        ).first()

    def get(self, appointment_id: str) -> Appointment | None:
        return self.session.get(Appointment, appointment_id)

    def add(self, appointment: Appointment) -> None:
        self.session.add(appointment)
        self.session.flush()

    def add_survey(self, survey: Survey) -> None:
        self.session.add(survey)

    def survey_for(self, appointment_id: str) -> Survey | None:
        return self.session.scalars(
            select(Survey).where(Survey.appointment_id == appointment_id)
        ).first()

    def survey(self, token: str) -> Survey | None:
        return self.session.get(Survey, token)

    def idempotency_record(
        self, hospital_id: str, environment: str, key: str
    ) -> IdempotencyRecord | None:
        return self.session.get(IdempotencyRecord, (hospital_id, environment, key))

    def add_idempotency_record(self, record: IdempotencyRecord) -> None:
        self.session.add(record)
