"""What a hospital's call does: find the patient, record the appointment, plan messages.

Everything happens in the caller's transaction, so the appointment change and the outbox
rows it plans commit together or not at all (nothing accepted is lost). Repeated calls
plan nothing new: each outbox row has a dedup key, and the timing rules are told which
kinds already exist.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

import orjson
from sqlalchemy.orm import Session

from moph_connect.appointments import rendering
from moph_connect.appointments.repository import AppointmentRepository
from moph_connect.appointments.schemas import (
    AlertCall,
    AppointmentOut,
    PlannedMessageOut,
    QueueCall,
    SkippedMessageOut,
)
from moph_connect.db.models import Appointment, OutboxMessage, Survey
from moph_connect.errors import NotFound, ValidationFailed
from moph_connect.hospitals.service import AuthenticatedHospital
from moph_connect.outbox.repository import OutboxRepository
from moph_connect.patients.repository import PatientRepository
from moph_connect.scheduling import rules
from moph_connect.scheduling.rules import CallKind, MessageKind, SkippedMessage

# A date further ahead is almost surely a typo (2205 for 2025) that would plan a reminder
# for another century.
MAX_DAYS_AHEAD = timedelta(days=400)

# Fields of the call that describe the appointment (the identity fields excluded).
_DETAIL_FIELDS = {
    "hospital_name": "hospitalName",
    "origin": "origin",
    "patient_name": "patientName",
    "appointment_time": "appointmentTime",
    "details_link": "detailsLink",
    "current_queue_link": "currentQueueLink",
}


def _new_id() -> str:
    return "a" + secrets.token_hex(12)


def _alert_style(call: QueueCall) -> rendering.AlertStyle | None:
    if not isinstance(call, AlertCall):
        return None
    return rendering.AlertStyle(
        header=call.header,
        background_color=call.backgroundColor,
        details_link_label=call.detailsLinkLabel,
        current_queue_link_label=call.currentQueueLinkLabel,
    )


def _dedup_key(appointment: Appointment, kind: MessageKind, call: QueueCall) -> str:
    if kind != "alert":
        return f"{appointment.id}:{kind}"
    # Several different alerts may go to one appointment; the same alert only once.
    content = orjson.dumps(call.model_dump(), option=orjson.OPT_SORT_KEYS)
    return f"{appointment.id}:alert:{hashlib.sha256(content).hexdigest()[:32]}"


class AppointmentService:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.appointments = AppointmentRepository(session)
        self.outbox = OutboxRepository(session)
        self.patients = PatientRepository(session)

    def handle_call(
        self, hospital: AuthenticatedHospital, call_kind: CallKind, call: QueueCall, now: datetime
    ) -> AppointmentOut:
        patient = self.patients.registration(hospital.environment, call.userId)
        if patient is None or patient.registration.hospital_id != hospital.hospital_id:
            raise NotFound(
                f"userId {call.userId} was not issued to this hospital in the "
                f"{hospital.environment} environment. It comes from '?regist=' on your "
                "booking page when a patient picks your hospital in MOPH Connect.",
            )
        found = self.appointments.find(
            hospital.hospital_id, call.userId, call.appointment_date, call.queueNumber
        )
        existing = self.outbox.for_appointment(found.id) if found is not None else ()
        already = frozenset(
            rules_kind(m.kind) for m in existing if m.status != "cancelled" and m.kind != "alert"
        )
        try:
            plan = rules.plan_messages(call_kind, call.appointment_date, now, already)
        except rules.AppointmentInPast as error:
            raise ValidationFailed.field("appointmentDate", str(error)) from None

        if call.appointment_date > rules.bangkok_date(now) + MAX_DAYS_AHEAD:
            raise ValidationFailed.field(
                "appointmentDate", f"is more than {MAX_DAYS_AHEAD.days} days ahead"
            )
        appointment = self._upsert_appointment(hospital, call, found, now)
        self.outbox.cancel_pending(
            appointment.id, rules.superseded_by(call_kind), "the patient has already been called"
        )
        skipped: list[SkippedMessage] = list(plan.skipped)
        line_user = patient.line_user
        for planned in plan.planned:
            if not line_user.following:
                skipped.append(
                    SkippedMessage(planned.kind, "the patient has blocked MOPH Connect on LINE")
                )
                continue
            dedup_key = _dedup_key(appointment, planned.kind, call)
            if self.outbox.dedup_keys_present([dedup_key]):
                skipped.append(SkippedMessage(planned.kind, "already planned"))
                continue
            survey_token = (
                self._survey_token(appointment, hospital, now) if planned.kind == "survey" else None
            )
            self.outbox.add(
                OutboxMessage(
                    environment=hospital.environment,
                    appointment_id=appointment.id,
                    appointment_date=appointment.appointment_date,
                    line_user_id=line_user.line_user_id,
                    kind=planned.kind,
                    priority=rules.PRIORITY[planned.kind],
                    dedup_key=dedup_key,
                    payload=rendering.render(
                        planned.kind,
                        appointment,
                        survey_token=survey_token,
                        alert=_alert_style(call),
                    ),
                    status="pending",
                    due_at=planned.due_at,
                    available_at=planned.due_at,
                    attempts=0,
                    retry_key=str(uuid.uuid4()),
                    created_at=now,
                )
            )
        self.session.flush()
        return self.describe(appointment, skipped)

    def _upsert_appointment(
        self,
        hospital: AuthenticatedHospital,
        call: QueueCall,
        appointment: Appointment | None,
        now: datetime,
    ) -> Appointment:
        details = {column: getattr(call, field) for column, field in _DETAIL_FIELDS.items()}
        if appointment is None:
            appointment = Appointment(
                id=_new_id(),
                environment=hospital.environment,
                hospital_id=hospital.hospital_id,
                regist_id=call.userId,
                appointment_date=call.appointment_date,
                queue_number=call.queueNumber,
                created_at=now,
                updated_at=now,
                **details,
            )
            self.appointments.add(appointment)
            return appointment
        changed = any(getattr(appointment, column) != value for column, value in details.items())
        if changed:
            for column, value in details.items():
                setattr(appointment, column, value)
            appointment.updated_at = now
            self._rerender_pending(appointment)
        return appointment

    def _rerender_pending(self, appointment: Appointment) -> None:
        """The hospital corrected the appointment: messages not yet sent say the new facts."""
        survey = self.appointments.survey_for(appointment.id)
        for message in self.outbox.for_appointment(appointment.id):
            if message.status == "pending" and message.kind in rendering.RERENDERED_KINDS:
                message.payload = rendering.render(
                    rules_kind(message.kind),
                    appointment,
                    survey_token=survey.token if survey else None,
                )

    def _survey_token(
        self, appointment: Appointment, hospital: AuthenticatedHospital, now: datetime
    ) -> str:
        survey = self.appointments.survey_for(appointment.id)
        if survey is None:
            survey = Survey(
                token=secrets.token_urlsafe(16),
                appointment_id=appointment.id,
                hospital_id=hospital.hospital_id,
                created_at=now,
            )
            self.appointments.add_survey(survey)
        return survey.token

    def get(self, hospital: AuthenticatedHospital, appointment_id: str) -> AppointmentOut:
        appointment = self.appointments.get(appointment_id)
        if (
            appointment is None
            or appointment.hospital_id != hospital.hospital_id
            or appointment.environment != hospital.environment
        ):
            raise NotFound(f"No appointment {appointment_id} for this hospital.")
        return self.describe(appointment, [])

    def describe(
        self, appointment: Appointment, skipped: Sequence[SkippedMessage]
    ) -> AppointmentOut:
        return AppointmentOut(
            appointmentId=appointment.id,
            environment="test" if appointment.environment == "test" else "production",
            appointmentDate=appointment.appointment_date.isoformat(),
            queueNumber=appointment.queue_number,
            messages=[
                PlannedMessageOut(
                    kind=rules_kind(m.kind),
                    status=m.status,
                    dueAt=rules.bangkok_iso(m.due_at),
                    sentAt=rules.bangkok_iso(m.sent_at) if m.sent_at else None,
                )
                for m in self.outbox.for_appointment(appointment.id)
            ],
            skipped=[SkippedMessageOut(kind=s.kind, reason=s.reason) for s in skipped],
        )


def rules_kind(kind: str) -> MessageKind:
    if kind not in rules.PRIORITY:
        raise ValueError(f"unknown message kind {kind!r}")
    return kind
