"""The midnight batch's statements: a chunk of schedule items read and written set-based.

`appointments/batch.py` runs each chunk's items in one transaction through the very
`AppointmentService` a single call uses, with these repositories in place of its own:

- the chunk's registrations are read by one statement, not one per item;
- which of the chunk's (patient, queue number) pairs have an appointment at all, by one
  statement: the look-up of an item's exact or movable appointment matches on that pair,
  so an item whose pair has none is a new appointment and skips it;
- the patients' messages planned today (the per-patient daily limit), by one statement;
- new appointments and planned messages are written behind: kept in order and inserted
  when the chunk ends (one statement for the appointments, `OutboxRepository.enqueue`'s two
  for the messages), or before any other statement that could read or change them, as the
  ORM flushes before a query. A count read ahead is forgotten once the patient's messages
  are enqueued.

Every method of these repositories that the service calls is overridden here (a test reads
the service for it), so none of them reads the tables past what is kept behind.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from moph_connect.appointments.repository import AppointmentRepository
from moph_connect.db.models import (
    Appointment,
    LineUser,
    OutboxMessage,
    Registration,
    Survey,
)
from moph_connect.outbox.repository import OutboxRepository
from moph_connect.outbox.types import NewMessage
from moph_connect.patients.repository import PatientRepository, RegisteredPatient

_APPOINTMENTS: Table = Appointment.__table__  # type: ignore[assignment]


@dataclass
class ChunkWrites:
    """Rows written behind, inserted in the order they came (appointments first: the
    messages refer to them)."""

    session: Session
    appointments: list[dict[str, Any]] = field(default_factory=list)
    messages: list[tuple[datetime, list[NewMessage]]] = field(default_factory=list)

    def add_messages(self, messages: Sequence[NewMessage], now: datetime) -> None:
        if self.messages and self.messages[-1][0] == now:
            self.messages[-1][1].extend(messages)
        else:
            self.messages.append((now, list(messages)))

    def flush(self) -> None:
        if self.appointments:
            self.session.execute(insert(_APPOINTMENTS), self.appointments)
            self.appointments = []
        outbox = OutboxRepository(self.session)
        for now, messages in self.messages:
            outbox.enqueue(messages, now)
        self.messages = []


class ChunkPatients(PatientRepository):
    """The chunk's registrations in one environment, read once (nothing in a batch
    changes a registration)."""

    def __init__(self, session: Session, environment: str, regist_ids: Collection[str]) -> None:
        super().__init__(session)
        self.environment = environment
        rows = session.execute(
            select(
                Registration.regist_id,
                Registration.hospital_id,
                Registration.erased_at.is_not(None),
                LineUser.line_user_id,
                LineUser.following,
                LineUser.language,
            )
            .join(LineUser, LineUser.id == Registration.line_user_pk)
            .where(
                Registration.regist_id.in_(list(regist_ids)),
                Registration.environment == environment,
            )
        ).all()
        self.known = {row[0]: RegisteredPatient(*row[1:]) for row in rows}

    def registration(self, environment: str, regist_id: str) -> RegisteredPatient | None:
        if environment != self.environment:
            return super().registration(environment, regist_id)
        return self.known.get(regist_id)

    def regist_ids_of(self, line_user_ids: Iterable[str]) -> set[str]:
        users = set(line_user_ids)
        return {regist for regist, p in self.known.items() if p.line_user_id in users}


class ChunkAppointments(AppointmentRepository):
    def __init__(
        self,
        session: Session,
        writes: ChunkWrites,
        hospital_id: str,
        regist_ids: Collection[str],
    ) -> None:
        super().__init__(session)
        self.writes = writes
        self.hospital_id = hospital_id
        pairs = session.execute(
            select(Appointment.regist_id, Appointment.queue_number)
            .where(
                Appointment.hospital_id == hospital_id,
                Appointment.regist_id.in_(list(regist_ids)),
            )
            .distinct()
        ).all()
        # Every (patient, queue number) of the hospital's that has an appointment, the
        # ones written behind included.
        self.pairs = {(regist, queue) for regist, queue in pairs}

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
        if hospital_id == self.hospital_id and (regist_id, queue_number) not in self.pairs:
            return None, False
        self.writes.flush()
        return super().exact_or_movable(
            hospital_id,
            regist_id,
            appointment_date,
            queue_number,
            today=today,
            may_move=may_move,
        )

    def insert(self, appointment: Appointment) -> None:
        if appointment.hospital_id == self.hospital_id:
            self.pairs.add((appointment.regist_id, appointment.queue_number))
        values = {column.key: getattr(appointment, column.key) for column in _APPOINTMENTS.c}
        self.writes.appointments.append(values)

    def find(
        self, hospital_id: str, regist_id: str, appointment_date: date, queue_number: str
    ) -> Appointment | None:
        self.writes.flush()
        return super().find(hospital_id, regist_id, appointment_date, queue_number)

    def get(self, appointment_id: str) -> Appointment | None:
        self.writes.flush()
        return super().get(appointment_id)

    def add_survey(self, survey: Survey) -> None:
        self.writes.flush()  # the survey refers to its appointment
        super().add_survey(survey)

    def survey_for(self, appointment_id: str) -> Survey | None:
        self.writes.flush()
        return super().survey_for(appointment_id)


class ChunkOutbox(OutboxRepository):
    def __init__(
        self,
        session: Session,
        writes: ChunkWrites,
        patients: ChunkPatients,
        hospital_id: str,
        since: datetime | None,
    ) -> None:
        """`since`: the start of the day whose messages count against the per-patient
        limit (None: no limit, nothing to count)."""
        super().__init__(session)
        self.writes = writes
        self.patients = patients
        self.hospital_id = hospital_id
        self.since = since
        self.counts: dict[str, int] = {}
        if since is not None and patients.known:
            counted = session.execute(
                select(Appointment.regist_id, func.count(OutboxMessage.id))
                .join(Appointment, Appointment.id == OutboxMessage.appointment_id)
                .where(
                    Appointment.hospital_id == hospital_id,
                    Appointment.regist_id.in_(list(patients.known)),
                    OutboxMessage.created_at >= since,
                )
                .group_by(Appointment.regist_id)
            ).all()
            self.counts = dict.fromkeys(patients.known, 0)
            self.counts.update({regist: int(count) for regist, count in counted})

    def enqueue(self, messages: Sequence[NewMessage], now: datetime) -> None:
        if not messages:
            return
        self.writes.add_messages(messages, now)
        for regist in self.patients.regist_ids_of(m.line_user_id for m in messages):
            self.counts.pop(regist, None)  # counted again, after the flush, if asked

    def count_for_patient_since(self, hospital_id: str, regist_id: str, since: datetime) -> int:
        if hospital_id == self.hospital_id and since == self.since and regist_id in self.counts:
            return self.counts[regist_id]
        self.writes.flush()
        return super().count_for_patient_since(hospital_id, regist_id, since)

    def dedup_keys_present(self, keys: Iterable[str]) -> set[str]:
        self.writes.flush()
        return super().dedup_keys_present(keys)

    def for_appointment(self, appointment_id: str) -> Sequence[OutboxMessage]:
        self.writes.flush()
        return super().for_appointment(appointment_id)

    def cancel_pending(
        self,
        appointment_id: str,
        kinds: Iterable[str],
        reason: str,
        *,
        release_dedup_keys: bool = False,
    ) -> set[int]:
        self.writes.flush()
        return super().cancel_pending(
            appointment_id, kinds, reason, release_dedup_keys=release_dedup_keys
        )
