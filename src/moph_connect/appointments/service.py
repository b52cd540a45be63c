"""What a hospital's call does: find the patient, record the appointment, plan messages.

Everything happens in the caller's transaction, so the appointment change and the outbox
rows it plans commit together or not at all (nothing accepted is lost). Repeated calls
plan nothing new: each outbox row has a dedup key (appointment, date, kind), and the
timing rules are told which kinds already exist for the appointment's current date.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

import orjson
from sqlalchemy.orm import Session

from moph_connect import messages
from moph_connect.appointments import answers, rendering
from moph_connect.appointments.outbox_rows import AnyKind, outbox_row
from moph_connect.appointments.repository import AppointmentRepository
from moph_connect.appointments.schemas import (
    AlertCall,
    AppointmentOut,
    PlannedMessageOut,
    QueueCall,
)
from moph_connect.db.models import Appointment, OutboxMessage, Survey
from moph_connect.errors import Conflict, Gone, NotFound, TooManyRequests, ValidationFailed
from moph_connect.hospitals.authentication import AuthenticatedHospital
from moph_connect.outbox.repository import OutboxRepository
from moph_connect.outbox.types import NewMessage
from moph_connect.patients.repository import PatientRepository, RegisteredPatient
from moph_connect.scheduling import rules
from moph_connect.scheduling.rules import CallKind, MessageKind, SkippedMessage
from moph_connect.settings import Settings, default

log = logging.getLogger(__name__)

# A date further ahead is almost surely a typo (2205 for 2025) that would plan a reminder
# for another century.
MAX_DAYS_AHEAD = timedelta(days=400)
BLOCKED = "the patient has blocked MOPH Connect on LINE"

# Fields of the call that describe the appointment (the identity fields excluded). The
# hospital's name is not among them: messages carry the registered name, not the body's.
_DETAIL_FIELDS = {
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
    base = f"{appointment.id}:{appointment.appointment_date.isoformat()}:{kind}"
    if kind != "alert":
        return base
    # Several different alerts may go to one appointment; the same alert only once.
    content = orjson.dumps(call.model_dump(), option=orjson.OPT_SORT_KEYS)
    return f"{base}:{hashlib.sha256(content).hexdigest()[:32]}"


class AppointmentService:
    def __init__(
        self,
        session: Session,
        *,
        survey_expiry_days: int = default("survey_expiry_days"),
        patient_messages_per_day: int = 0,
    ) -> None:
        """`patient_messages_per_day`: how many messages one hospital may plan for one
        patient in a Bangkok day (0: no limit)."""
        self.session = session
        self.survey_expiry = timedelta(days=survey_expiry_days)
        self.patient_messages_per_day = patient_messages_per_day
        self.appointments = AppointmentRepository(session)
        self.outbox = OutboxRepository(session)
        self.patients = PatientRepository(session)

    @classmethod
    def for_settings(cls, session: Session, settings: Settings) -> AppointmentService:
        return cls(
            session,
            survey_expiry_days=settings.survey_expiry_days,
            patient_messages_per_day=settings.patient_messages_per_day,
        )

    # -- queue, schedule, notify, alert ---------------------------------------------------

    def handle_call(
        self, hospital: AuthenticatedHospital, call_kind: CallKind, call: QueueCall, now: datetime
    ) -> AppointmentOut:
        patient = self._patient(hospital, call.userId)
        today = rules.bangkok_date(now)
        if call.appointment_date > today + MAX_DAYS_AHEAD:
            raise ValidationFailed.field(
                "appointmentDate", f"is more than {MAX_DAYS_AHEAD.days} days ahead"
            )
        found, exact = self.appointments.exact_or_movable(
            hospital.hospital_id,
            call.userId,
            call.appointment_date,
            call.queueNumber,
            today=today,
            may_move=call_kind in ("queue", "schedule"),
        )
        if exact and found is not None and found.status == "cancelled":
            raise Conflict(
                f"Appointment {found.id} was cancelled; book again with a new queue number."
            )
        moved_from = None if found is None or exact else found.appointment_date
        # The appointment's messages, read once: what is already planned, which dedup keys
        # exist (each key names its appointment), what to re-render. A new appointment has
        # none, and the call reads nothing back that it wrote itself.
        stored = [] if found is None else list(self.outbox.for_appointment(found.id))
        try:
            plan = rules.plan_messages(
                call_kind,
                call.appointment_date,
                now,
                answers.already_planned(stored, call.appointment_date),
            )
        except rules.AppointmentInPast as error:
            raise ValidationFailed.field("appointmentDate", str(error)) from None

        lang = messages.lang_for(patient.language)
        appointment = self._upsert(hospital, call, found, stored, now, lang)
        if moved_from is not None:
            self._move(appointment, call.appointment_date, moved_from, patient, now)
        cancelled: set[int] = set()
        if found is not None:
            cancelled = self.outbox.cancel_pending(
                appointment.id, rules.superseded_by(call_kind), rules.Reason.ALREADY_CALLED
            )
        skipped: list[SkippedMessage] = list(plan.skipped)
        self._within_daily_limit(hospital, call.userId, len(plan.planned), now)
        present = {message.dedup_key for message in stored}
        written: list[NewMessage] = []
        for planned in plan.planned:
            if not patient.following:
                skipped.append(SkippedMessage(planned.kind, BLOCKED))
                continue
            dedup_key = _dedup_key(appointment, planned.kind, call)
            if dedup_key in present:
                skipped.append(SkippedMessage(planned.kind, rules.Reason.ALREADY_PLANNED))
                continue
            survey_token = (
                self._survey_token(appointment, hospital, planned.due_at, now, new=found is None)
                if planned.kind == "survey"
                else None
            )
            payload = rendering.render(
                planned.kind,
                appointment,
                survey_token=survey_token,
                alert=_alert_style(call),
                lang=lang,
            )
            written.append(
                outbox_row(
                    appointment,
                    patient.line_user_id,
                    planned.kind,
                    payload,
                    dedup_key,
                    planned.due_at,
                )
            )
        self.outbox.enqueue(written, now)
        self.session.flush()
        if moved_from is not None:  # the move cancelled and planned more: read them back
            return self.describe(appointment, skipped)
        # Nothing else changed the messages read at the start (none for a new appointment):
        # they, with the cancelled ones marked, then the new ones (ids are handed out in
        # order: the database's own order by due time, then id), not read back.
        return self.describe(
            appointment,
            skipped,
            messages=[
                *((m.due_at, answers.message_out(m, cancelled=m.id in cancelled)) for m in stored),
                *((m.due_at, answers.planned_out(m)) for m in written),
            ],
        )

    def _within_daily_limit(
        self, hospital: AuthenticatedHospital, regist_id: str, planning: int, now: datetime
    ) -> None:
        """A runaway system must not flood one patient's chat (one sent 1,365 queue
        cards in 24 s): refuse the call once today's messages would pass the limit."""
        if self.patient_messages_per_day <= 0 or planning == 0:
            return
        day_start = rules.bangkok_time(rules.bangkok_date(now), time(0))
        sent_today = self.outbox.count_for_patient_since(hospital.hospital_id, regist_id, day_start)
        if sent_today + planning <= self.patient_messages_per_day:
            return
        log.warning(
            "patient message limit: hospital %s planned %d messages today for one patient",
            hospital.hospital_id,
            sent_today,
        )
        raise TooManyRequests(
            f"This hospital has planned {sent_today} messages for this patient today; at "
            f"most {self.patient_messages_per_day} a day are sent to one patient. Check the "
            "queue system for a loop; repeated calls for the same appointment plan nothing "
            "new and are always accepted.",
            retry_after=max(1, int((day_start + timedelta(days=1) - now).total_seconds())),
        )

    def _patient(self, hospital: AuthenticatedHospital, regist_id: str) -> RegisteredPatient:
        patient = self.patients.registration(hospital.environment, regist_id)
        if patient is None or patient.hospital_id != hospital.hospital_id:
            raise NotFound(
                f"userId {regist_id} was not issued to this hospital in the "
                f"{hospital.environment} environment. It comes from '?regist=' on your "
                "booking page when a patient picks your hospital in MOPH Connect.",
            )
        if patient.erased:
            raise Gone(
                f"userId {regist_id} no longer exists: the patient had her data deleted "
                "from MOPH Connect. Do not send further calls for it."
            )
        return patient

    def _upsert(
        self,
        hospital: AuthenticatedHospital,
        call: QueueCall,
        appointment: Appointment | None,
        stored: Sequence[OutboxMessage],
        now: datetime,
        lang: messages.Lang,
    ) -> Appointment:
        details = {column: getattr(call, field) for column, field in _DETAIL_FIELDS.items()}
        details["hospital_name"] = hospital.name
        if appointment is None:
            appointment = Appointment(
                id=_new_id(),
                environment=hospital.environment,
                hospital_id=hospital.hospital_id,
                regist_id=call.userId,
                appointment_date=call.appointment_date,
                queue_number=call.queueNumber,
                status="active",
                created_at=now,
                updated_at=now,
                **details,
            )
            self.appointments.insert(appointment)
            return appointment
        changed = any(getattr(appointment, column) != value for column, value in details.items())
        if changed:
            for column, value in details.items():
                setattr(appointment, column, value)
            appointment.updated_at = now
            self._rerender_pending(appointment, stored, lang)
        return appointment

    def _rerender_pending(
        self, appointment: Appointment, stored: Sequence[OutboxMessage], lang: messages.Lang
    ) -> None:
        """The hospital corrected the appointment: messages not yet sent say the new facts."""
        survey = self.appointments.survey_for(appointment.id)
        for message in stored:
            if message.status == "pending" and message.kind in rendering.RERENDERED_KINDS:
                message.payload = rendering.render(
                    answers.rules_kind(message.kind),
                    appointment,
                    survey_token=survey.token if survey else None,
                    lang=lang,
                )

    def _survey_token(
        self,
        appointment: Appointment,
        hospital: AuthenticatedHospital,
        due_at: datetime,
        now: datetime,
        *,
        new: bool,
    ) -> str:
        """The appointment's survey token (created with its first survey message). `new`:
        the appointment was created by this call, so it has no survey to look up."""
        survey = None if new else self.appointments.survey_for(appointment.id)
        if survey is None:
            survey = Survey(
                token=secrets.token_urlsafe(16),
                appointment_id=appointment.id,
                hospital_id=hospital.hospital_id,
                environment=hospital.environment,
                expires_at=due_at + self.survey_expiry,
                created_at=now,
            )
            self.appointments.add_survey(survey)
        return survey.token

    # -- moving and cancelling ------------------------------------------------------------

    def _move(
        self,
        appointment: Appointment,
        new_date: date,
        old_date: date,
        patient: RegisteredPatient,
        now: datetime,
    ) -> None:
        """Same hospital, patient and queue number, another day: the old day's pending
        messages go, the patient is told, and the call then plans for the new day."""
        self.outbox.cancel_pending(
            appointment.id,
            rules.MESSAGE_KINDS,
            f"moved to {new_date.isoformat()}",
            release_dedup_keys=True,  # the appointment may come back to this day
        )
        appointment.appointment_date = new_date
        appointment.updated_at = now
        self.session.flush()
        self._notify(appointment, "appointment_moved", patient, now, old_date=old_date)

    def cancel(
        self, hospital: AuthenticatedHospital, appointment: Appointment, now: datetime
    ) -> AppointmentOut:
        if appointment.status == "cancelled":
            return self.describe(appointment, [])
        appointment.status = "cancelled"
        appointment.updated_at = now
        self.outbox.cancel_pending(
            appointment.id, rules.MESSAGE_KINDS, "the hospital cancelled the appointment"
        )
        patient = self._patient(hospital, appointment.regist_id)
        if appointment.appointment_date >= rules.bangkok_date(now):
            self._notify(appointment, "appointment_cancelled", patient, now)
        self.session.flush()
        return self.describe(appointment, [])

    def cancel_by_call(
        self, hospital: AuthenticatedHospital, call: QueueCall, now: datetime
    ) -> AppointmentOut:
        self._patient(hospital, call.userId)
        appointment = self.appointments.find(
            hospital.hospital_id, call.userId, call.appointment_date, call.queueNumber
        )
        if appointment is None:
            raise NotFound("No such appointment (userId, appointmentDate, queueNumber).")
        return self.cancel(hospital, appointment, now)

    def _notify(
        self,
        appointment: Appointment,
        kind: AnyKind,
        patient: RegisteredPatient,
        now: datetime,
        old_date: date | None = None,
    ) -> None:
        if not patient.following:
            return
        key = f"{appointment.id}:{appointment.appointment_date.isoformat()}:{kind}"
        if self.outbox.dedup_keys_present([key]):
            return
        payload = rendering.render_notice(
            kind, appointment, old_date=old_date, lang=messages.lang_for(patient.language)
        )
        self.outbox.enqueue(
            [outbox_row(appointment, patient.line_user_id, kind, payload, key, now)], now
        )

    # -- reading ----------------------------------------------------------------------------

    def owned(self, hospital: AuthenticatedHospital, appointment_id: str) -> Appointment:
        appointment = self.appointments.get(appointment_id)
        if (
            appointment is None
            or appointment.hospital_id != hospital.hospital_id
            or appointment.environment != hospital.environment
        ):
            raise NotFound(f"No appointment {appointment_id} for this hospital.")
        return appointment

    def describe(
        self,
        appointment: Appointment,
        skipped: Sequence[SkippedMessage],
        messages: Sequence[tuple[datetime, PlannedMessageOut]] | None = None,
    ) -> AppointmentOut:
        """`messages`: the appointment's every message, described, in planning order with
        their due times, when the caller has them all; spares reading them back."""
        if messages is not None:
            rows = answers.in_due_order(messages)
        else:
            rows = [answers.message_out(m) for m in self.outbox.for_appointment(appointment.id)]
        return answers.appointment_out(appointment, skipped, rows)
