"""Erasing a patient: every query that forgets her, in one place.

Run in the caller's transaction (all of it happens, or none). What it does:

- her appointments are deleted; their surveys stay as anonymous scores (comment dropped,
  no appointment);
- every outbox row for her (by LINE user id or appointment) that has not gone out is
  cancelled, and every row's payload is blanked and its recipient replaced, so no
  message text with her name or ids remains;
- her MOPH Connect IDs are marked erased (hospitals calling with them get 410 Gone);
- her consent records are marked withdrawn;
- the stored webhook events she sent (texts, locations, postbacks) are redacted;
- her LINE user row keeps only a random "erased-..." id, so she can follow again as
  a new person;
- an audit event records that it happened, with counts only.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import Table, delete, or_, select, update
from sqlalchemy.orm import Session

from moph_connect.db.models import (
    Appointment,
    AuditEvent,
    ConsentRecord,
    LineUser,
    OutboxMessage,
    OutboxPayload,
    Registration,
    Survey,
    WebhookEvent,
)

ERASED_PREFIX: Final = "erased-"
REDACTED_EVENT: Final = {"redacted": True}
CANCEL_REASON: Final = "the patient had her data deleted"

_outbox: Table = OutboxMessage.__table__  # type: ignore[assignment]
_payloads: Table = OutboxPayload.__table__  # type: ignore[assignment]
_events: Table = WebhookEvent.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class ErasureCounts:
    registrations: int
    appointments: int
    surveys: int
    messages_cancelled: int
    messages_blanked: int
    consents_withdrawn: int
    events_redacted: int


def anonymous_id() -> str:
    return ERASED_PREFIX + secrets.token_hex(12)


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


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
        appointment_ids = list(
            self.session.scalars(
                select(Appointment.id).where(Appointment.regist_id.in_(regist_ids))
            )
        )
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
        blanked = _count(
            self.session.execute(
                update(_outbox)
                .where(hers)
                .values(line_user_id=replacement, reply_token=None, appointment_id=None)
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
                .values(event=REDACTED_EVENT)
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
        )
        self.session.add(
            AuditEvent(
                environment=environment, kind="data_erased", detail=asdict(counts), created_at=now
            )
        )
        self.session.flush()
        return counts
