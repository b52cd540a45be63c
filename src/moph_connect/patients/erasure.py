"""Erasing a patient: every query that forgets her, in one place.

Run in the caller's transaction (all of it happens, or none). What it does:

- her appointments are deleted; their surveys stay as anonymous scores (comment dropped,
  no appointment), and the hospitals' idempotency records of calls about them go (a
  repeated call then gets 410 Gone, not the first answer);
- every outbox row for her (by LINE user id or appointment) that has not gone out is
  cancelled, and every row's payload is blanked, its recipient replaced and what linked
  it to her (appointment, date, dedup key naming the appointment, reply token, LINE's
  request id, also in the rows' delivery timelines) dropped, so no message text with her
  name or ids remains;
- her MOPH Connect IDs are marked erased (hospitals calling with them get 410 Gone);
- her consent records are marked withdrawn and no longer point at her;
- the stored webhook events she sent (texts, locations with their titles, postbacks) are
  redacted, and so are the errors recorded for them;
- her LINE user row keeps only a random "erased-..." id, so she can follow again as
  a new person;
- an audit event records that it happened, with counts only.

Once the transaction has committed, SQLite's WAL is checkpointed and truncated, so that
the pages as they were before do not stay in the `-wal` file (`db/reclaim.py`); on
PostgreSQL the retention job VACUUMs the tables within the hour (`patients/retention.py`).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import String, Table, case, cast, delete, literal, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from moph_connect.db.models import (
    Appointment,
    AuditEvent,
    ConsentRecord,
    IdempotencyRecord,
    LineUser,
    OutboxAttempt,
    OutboxMessage,
    OutboxPayload,
    Registration,
    SandboxCall,
    Survey,
    WebhookEvent,
)
from moph_connect.db.reclaim import checkpoint_wal
from moph_connect.db.uow import after_commit

ERASED_PREFIX: Final = "erased-"
REDACTED_EVENT: Final = {"redacted": True}
REDACTED_ERROR: Final = "redacted"
CANCEL_REASON: Final = "the patient had her data deleted"
# The tables an erasure changes: on PostgreSQL their old row versions stay in the files
# until VACUUM (the retention job runs it).
ERASURE_TABLES: Final = (
    "appointments",
    "consent_records",
    "idempotency_keys",
    "line_users",
    "outbox_attempts",
    "outbox_messages",
    "outbox_payloads",
    "sandbox_calls",
    "surveys",
    "webhook_events",
)

_outbox: Table = OutboxMessage.__table__  # type: ignore[assignment]
_payloads: Table = OutboxPayload.__table__  # type: ignore[assignment]
_attempts: Table = OutboxAttempt.__table__  # type: ignore[assignment]
_events: Table = WebhookEvent.__table__  # type: ignore[assignment]
_records: Table = IdempotencyRecord.__table__  # type: ignore[assignment]
_sandbox: Table = SandboxCall.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class ErasureCounts:
    registrations: int
    appointments: int
    surveys: int
    messages_cancelled: int
    messages_blanked: int
    consents_withdrawn: int
    events_redacted: int
    idempotency_records: int


def anonymous_id() -> str:
    return ERASED_PREFIX + secrets.token_hex(12)


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def without_link(prefix: str) -> ColumnElement[str]:
    """A dedup key that names no appointment ("erased:123", by the row's id): the old
    one ("<appointment id>:<date>:<kind>") would still say when she had one."""
    return literal(prefix, String).concat(cast(_outbox.c.id, String))


def forget_idempotency_records(session: Session, appointments: Mapping[str, str]) -> int:
    """Delete the idempotency records of calls about these appointments (id: hospital
    id). Records that do not name their appointment in `appointment_id` (written before
    migration 0006, or by an API that leaves it empty) are found by the `appointmentId`
    of the answer they replay, among their hospitals' records only."""
    if not appointments:
        return 0
    ids = list(appointments)
    named = _count(session.execute(delete(_records).where(_records.c.appointment_id.in_(ids))))
    replayed = _records.c.response["appointmentId"].as_string()
    unnamed = _count(
        session.execute(
            delete(_records).where(
                _records.c.hospital_id.in_(sorted(set(appointments.values()))),
                _records.c.appointment_id.is_(None),
                replayed.in_(ids),
            )
        )
    )
    return named + unnamed


class ErasureRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def erase(self, user: LineUser, now: datetime, *, current_event_id: str) -> ErasureCounts:
        """Forget `user`. Events she sent that are still waiting to be processed are left
        for the processor (they then come from nobody we know); `current_event_id`, the
        event asking for this, is redacted too."""
        environment, line_user_id = user.environment, user.line_user_id
        replacement = anonymous_id()
        regist_ids = select(Registration.regist_id).where(Registration.line_user_pk == user.id)
        found = self.session.execute(
            select(Appointment.id, Appointment.hospital_id).where(
                Appointment.regist_id.in_(regist_ids)
            )
        )
        hospital_of: dict[str, str] = {row.id: row.hospital_id for row in found}
        appointment_ids = list(hospital_of)
        records = forget_idempotency_records(self.session, hospital_of)
        # Her test calls in the console's sandbox (kept without her name, but her queue).
        self.session.execute(delete(_sandbox).where(_sandbox.c.regist_id.in_(regist_ids)))
        surveys = 0
        if appointment_ids:
            surveys = _count(
                self.session.execute(
                    update(Survey)
                    .where(Survey.appointment_id.in_(appointment_ids))
                    .values(appointment_id=None, comment=None)
                    .execution_options(synchronize_session=False)
                )
            )
        hers = or_(
            (_outbox.c.environment == environment) & (_outbox.c.line_user_id == line_user_id),
            _outbox.c.appointment_id.in_(appointment_ids),
        )
        cancelled = _count(
            self.session.execute(
                update(_outbox)
                .where(hers, _outbox.c.status.in_(("pending", "sending")))
                .values(status="cancelled", last_error=CANCEL_REASON)
            )
        )
        # Her payloads first: the rows are found by her id, replaced just below.
        self.session.execute(
            update(_payloads)
            .where(_payloads.c.message_id.in_(select(_outbox.c.id).where(hers)))
            .values(payload="[]")
        )
        # Her messages' delivery timelines: LINE's request ids name her messages at LINE.
        self.session.execute(
            update(_attempts)
            .where(_attempts.c.message_id.in_(select(_outbox.c.id).where(hers)))
            .values(line_request_id=None, detail=None)
        )
        blanked = _count(
            self.session.execute(
                update(_outbox)
                .where(hers)
                .values(
                    line_user_id=replacement,
                    reply_token=None,
                    appointment_id=None,
                    appointment_date=None,
                    dedup_key=without_link("erased:"),
                    line_request_id=None,
                )
            )
        )
        appointments = 0
        if appointment_ids:
            appointments = _count(
                self.session.execute(
                    delete(Appointment)
                    .where(Appointment.id.in_(appointment_ids))
                    .execution_options(synchronize_session=False)
                )
            )
        registrations = _count(
            self.session.execute(
                update(Registration)
                .where(Registration.line_user_pk == user.id, Registration.erased_at.is_(None))
                .values(erased_at=now)
                .execution_options(synchronize_session=False)
            )
        )
        consents = _count(
            self.session.execute(
                update(ConsentRecord)
                .where(ConsentRecord.line_user_pk == user.id, ConsentRecord.withdrawn_at.is_(None))
                .values(withdrawn_at=now)
                .execution_options(synchronize_session=False)
            )
        )
        # Kept as proof that consent was given and withdrawn, pointing at nobody: through
        # the row they pointed at, her registrations would date them.
        self.session.execute(
            update(ConsentRecord)
            .where(ConsentRecord.line_user_pk == user.id)
            .values(line_user_pk=None)
            .execution_options(synchronize_session=False)
        )
        sender = _events.c.event[("source", "userId")].as_string()
        events = _count(
            self.session.execute(
                update(_events)
                .where(
                    _events.c.environment == environment,
                    sender == line_user_id,
                    or_(
                        _events.c.processed_at.is_not(None),
                        _events.c.webhook_event_id == current_event_id,
                    ),
                )
                .values(
                    event=REDACTED_EVENT,
                    # What failed on her event may quote it (a repr of an error).
                    error=case((_events.c.error.is_(None), None), else_=REDACTED_ERROR),
                )
            )
        )
        user.line_user_id = replacement
        user.following = False
        user.unfollowed_at = now
        user.language = None
        user.consent_version = None
        user.conversation = None
        counts = ErasureCounts(
            registrations=registrations,
            appointments=appointments,
            surveys=surveys,
            messages_cancelled=cancelled,
            messages_blanked=blanked,
            consents_withdrawn=consents,
            events_redacted=events,
            idempotency_records=records,
        )
        self.session.add(
            AuditEvent(
                environment=environment, kind="data_erased", detail=asdict(counts), created_at=now
            )
        )
        self.session.flush()
        after_commit(self.session, checkpoint_wal)
        return counts
