"""Database access for appointments, surveys and idempotency records."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from moph_connect.db.models import Appointment, IdempotencyRecord, Survey


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
