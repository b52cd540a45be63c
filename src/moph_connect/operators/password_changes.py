"""New passwords: the ministry resets an operator's (`moph-connect operator
reset-password`), or a signed-in operator changes her own in the console.

Either way only the new argon2 hash is stored, the audit records who and what became of
it (never a password), and the sessions the old password opened end: all of them on a
reset (someone else may know it), all but the browser she changes it in otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.orm import Session

from moph_connect.audit.repository import AuditRepository
from moph_connect.errors import NotFound
from moph_connect.operators.passwords import checked_password, hash_password, verify_password
from moph_connect.operators.repository import OperatorRepository
from moph_connect.operators.service import LockOut, OperatorView, SignedIn, normalised_email, view

RESET_EVENT = "operator.password_reset"
CHANGE_EVENT = "operator.password_change"

ChangeOutcome = Literal["changed", "wrong_password", "locked_out", "locked", "unchanged"]


@dataclass(frozen=True)
class Reset:
    operator: OperatorView
    sessions_ended: int
    was_locked_out: bool


def reset_password(
    session: Session, email: str, password: str, *, now: datetime, actor: str
) -> Reset:
    """Give her a new password: every session of hers ends and a lock-out is lifted (a
    disabled operator stays disabled)."""
    repository = OperatorRepository(session)
    operator = repository.by_email_for_update(normalised_email(email))
    if operator is None:
        raise NotFound(f"No operator {email.strip().lower()}.")
    operator.password_hash = hash_password(password)
    was_locked_out = operator.locked_until is not None and operator.locked_until > now
    operator.failed_sign_ins = 0
    operator.locked_until = None
    ended = repository.end_sessions_of(operator.id)
    AuditRepository(session).record(
        RESET_EVENT,
        actor=actor,
        detail={"operatorId": operator.id, "sessionsEnded": ended, "wasLockedOut": was_locked_out},
        now=now,
    )
    return Reset(view(operator), ended, was_locked_out)


@dataclass(frozen=True)
class Change:
    outcome: ChangeOutcome
    sessions_ended: int = 0


def change_password(
    session: Session,
    operator: SignedIn,
    current: str,
    new: str,
    *,
    now: datetime,
    lock_out: LockOut,
) -> Change:
    """Her own new password, once she proves she knows the current one. A wrong current
    password counts against her lock-out as a wrong sign-in would (the form is no way
    round it); locked out, the form is refused without checking. ValidationFailed if
    `new` is too short or too long."""
    checked_password(new)
    repository = OperatorRepository(session)
    stored = repository.by_email_for_update(operator.email)
    if stored is None or stored.disabled:  # her session has just ended
        raise NotFound("No such operator.")
    outcome: ChangeOutcome
    ended = 0
    if stored.locked_until is not None and stored.locked_until > now:
        outcome = "locked"
    elif not verify_password(stored.password_hash, current):
        outcome = "wrong_password"
        stored.failed_sign_ins += 1
        if stored.failed_sign_ins >= lock_out.max_failures:
            stored.locked_until = now + lock_out.duration
            stored.failed_sign_ins = 0
            outcome = "locked_out"
    elif new == current:
        outcome = "unchanged"
    else:
        outcome = "changed"
        stored.password_hash = hash_password(new)
        stored.failed_sign_ins = 0
        ended = repository.end_sessions_of(stored.id, keep=operator.session_hash)
    detail: dict[str, object] = {"outcome": outcome, "operatorId": stored.id}
    if outcome == "changed":
        detail["sessionsEnded"] = ended
    AuditRepository(session).record(CHANGE_EVENT, actor=stored.email, detail=detail, now=now)
    return Change(outcome, ended)
