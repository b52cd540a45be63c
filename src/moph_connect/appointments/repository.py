"""Database access for appointments, surveys and idempotency records."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime

from sqlalchemy import Boolean, Table, and_, bindparam, case, insert, or_, select
from sqlalchemy.orm import Session, make_transient_to_detached

from moph_connect.db.models import (
    Appointment,
    IdempotencyRecord,
    OutboxMessage,
    Registration,
    Survey,
)

# Built once: on every hospital call, building a statement like this one cost more CPU
# than running it (benchmarks/api.py).
_FIND = select(Appointment).where(
    Appointment.hospital_id == bindparam("hospital_id"),
    Appointment.regist_id == bindparam("regist_id"),
    Appointment.appointment_date == bindparam("day"),
    Appointment.queue_number == bindparam("queue"),
)
_CALLED = (
    select(OutboxMessage.id)
    .where(
        OutboxMessage.appointment_id == Appointment.id,
        OutboxMessage.kind.in_(("queue_near", "survey")),
        OutboxMessage.status != "cancelled",
    )
    .exists()
)
# The exact appointment, or else the one a call with another date would move (the patient
# has not been called for it yet), in one statement: one round trip fewer on every new
# booking. The exact one sorts first.
_EXACT = Appointment.appointment_date == bindparam("day")
_APPOINTMENTS: Table = Appointment.__table__  # type: ignore[assignment]
_INSERT = insert(_APPOINTMENTS)
_EXACT_OR_MOVABLE = (
    select(*_APPOINTMENTS.c)
    .where(
        Appointment.hospital_id == bindparam("hospital_id"),
        Appointment.regist_id == bindparam("regist_id"),
        Appointment.queue_number == bindparam("queue"),
        or_(
            _EXACT,
            and_(
                bindparam("may_move", type_=Boolean),
                Appointment.status == "active",
                Appointment.appointment_date >= bindparam("today"),
                ~_CALLED,
            ),
        ),
    )
    .order_by(case((_EXACT, 0), else_=1), Appointment.appointment_date.desc())
    .limit(1)
)


class AppointmentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(
        self, hospital_id: str, regist_id: str, appointment_date: date, queue_number: str
    ) -> Appointment | None:
        values = {"hospital_id": hospital_id, "regist_id": regist_id, "queue": queue_number}
        return self.session.scalars(_FIND, {**values, "day": appointment_date}).first()

    def exact_or_movable(
        self,
        hospital_id: str,
        regist_id: str,
        appointment_date: date,
        queue_number: str,
        *,
        today: date,
        may_move: bool,
    ) -> tuple[Appointment | None, bool]:
        """`find`, or else (when `may_move`) the patient's upcoming, active appointment
        with this queue number that she has not been called for, in one statement; and
        whether the appointment found is the exact one (False: it is one to move)."""
        values = {
            "hospital_id": hospital_id,
            "regist_id": regist_id,
            "queue": queue_number,
            "day": appointment_date,
            "today": today,
            "may_move": may_move,
        }
        # Plain columns on the connection: most calls find nothing (a new booking), and
        # the ORM's select costs several times the query. A row found becomes the
        # session's own object without a query, as if the ORM had loaded it.
        row = self.session.connection().execute(_EXACT_OR_MOVABLE, values).first()
        if row is None:
            return None, False
        found = Appointment(**row._asdict())
        make_transient_to_detached(found)
        self.session.add(found)
        return found, found.appointment_date == appointment_date

    def get(self, appointment_id: str) -> Appointment | None:
        return self.session.get(Appointment, appointment_id)

    def insert(self, appointment: Appointment) -> None:
        """A new appointment, inserted at once by one Core statement (the ORM's flush of
        one object costs more than the INSERT). `appointment` stays outside the session:
        it is the call's record of what it wrote, for rendering and the answer."""
        values = {column.key: getattr(appointment, column.key) for column in _APPOINTMENTS.c}
        self.session.connection().execute(_INSERT, values)

    def add_survey(self, survey: Survey) -> None:
        self.session.add(survey)

    def survey_for(self, appointment_id: str) -> Survey | None:
        return self.session.scalars(
            select(Survey).where(Survey.appointment_id == appointment_id)
        ).first()

    def survey(self, token: str) -> Survey | None:
        return self.session.get(Survey, token)

    def survey_owner(self, token: str) -> tuple[Survey, int | None] | None:
        """The survey and the LINE user (primary key) it was sent to; None as the owner
        once the patient had her data deleted (the survey is then anonymous)."""
        row = self.session.execute(
            select(Survey, Registration.line_user_pk)
            .outerjoin(Appointment, Appointment.id == Survey.appointment_id)
            .outerjoin(Registration, Registration.regist_id == Appointment.regist_id)
            .where(Survey.token == token)
        ).first()
        return None if row is None else (row[0], row[1])

    def upcoming_for_line_user(
        self, line_user_pk: int, environment: str, today: date, limit: int = 12
    ) -> Sequence[Appointment]:
        """Her active appointments from `today` on, at every hospital, soonest first."""
        return self.session.scalars(
            select(Appointment)
            .join(Registration, Registration.regist_id == Appointment.regist_id)
            .where(
                Registration.line_user_pk == line_user_pk,
                Registration.erased_at.is_(None),
                Appointment.environment == environment,
                Appointment.status == "active",
                Appointment.appointment_date >= today,
            )
            .order_by(Appointment.appointment_date, Appointment.created_at, Appointment.id)
            .limit(limit)
        ).all()

    def next_pending(
        self, appointment_ids: Collection[str], kinds: Collection[str]
    ) -> dict[str, tuple[str, datetime]]:
        """For each appointment, its soonest pending message of `kinds`: (kind, due_at)."""
        if not appointment_ids or not kinds:
            return {}
        rows = self.session.execute(
            select(OutboxMessage.appointment_id, OutboxMessage.kind, OutboxMessage.due_at)
            .where(
                OutboxMessage.appointment_id.in_(list(appointment_ids)),
                OutboxMessage.kind.in_(list(kinds)),
                OutboxMessage.status == "pending",
            )
            .order_by(OutboxMessage.due_at, OutboxMessage.id)
        ).all()
        found: dict[str, tuple[str, datetime]] = {}
        for appointment_id, kind, due_at in rows:
            if appointment_id is not None:
                found.setdefault(appointment_id, (kind, due_at))
        return found

    def idempotency_record(
        self, hospital_id: str, environment: str, key: str
    ) -> IdempotencyRecord | None:
        return self.session.get(IdempotencyRecord, (hospital_id, environment, key))

    def add_idempotency_record(self, record: IdempotencyRecord) -> None:
        self.session.add(record)
