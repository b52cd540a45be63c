"""Operators' use cases: add, list, disable; sign in (with lock-out), sessions, sign out.

Every sign-in, good or not, goes to the audit trail with the operator's id when the
address is one of ours; an unknown address is not recorded (people type passwords into
the e-mail field).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from ipaddress import IPv6Address, ip_network
from typing import Literal

from sqlalchemy.orm import Session

from moph_connect.audit.repository import AuditRepository
from moph_connect.db.models import ConsoleSession, Operator
from moph_connect.errors import Conflict, NotFound, ValidationFailed
from moph_connect.networks import IPAddress
from moph_connect.operators.passwords import hash_password, needs_rehash, verify_password
from moph_connect.operators.repository import OperatorRepository

Role = Literal["ministry", "hospital"]
ROLES: tuple[Role, ...] = ("ministry", "hospital")
SIGN_IN_EVENT = "console.sign_in"


@dataclass(frozen=True)
class OperatorView:
    operator_id: int
    email: str
    role: Role
    hospital_id: str | None
    disabled: bool
    locked_until: datetime | None
    created_at: datetime
    last_sign_in_at: datetime | None


@dataclass(frozen=True)
class SignedIn:
    """The operator behind a console request."""

    operator_id: int
    email: str
    role: Role
    hospital_id: str | None  # None for the ministry: every hospital
    session_hash: str  # what anti-forgery tokens are bound to

    @property
    def is_ministry(self) -> bool:
        return self.role == "ministry"


@dataclass(frozen=True)
class LockOut:
    max_failures: int
    duration: timedelta


@dataclass(frozen=True)
class SourceLimit:
    """Refused sign-ins one source may have in a sliding window (0: no limit)."""

    max_failures: int
    window: timedelta


@dataclass(frozen=True)
class SignInResult:
    signed_in: SignedIn | None
    token: str | None  # the session cookie's value (only its hash is stored)


def normalised_email(email: str) -> str:
    email = email.strip().lower()
    local, at, domain = email.partition("@")
    if not at or not local or "." not in domain or len(email) > 254 or " " in email:
        raise ValidationFailed.field("email", "must be an e-mail address")
    return email


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def view(operator: Operator) -> OperatorView:
    role: Role = "ministry" if operator.role == "ministry" else "hospital"
    return OperatorView(
        operator.id,
        operator.email,
        role,
        operator.hospital_id,
        operator.disabled,
        operator.locked_until,
        operator.created_at,
        operator.last_sign_in_at,
    )


def _signed_in(operator: Operator, session_hash: str) -> SignedIn:
    seen = view(operator)
    return SignedIn(seen.operator_id, seen.email, seen.role, seen.hospital_id, session_hash)


def add_operator(
    session: Session,
    *,
    email: str,
    role: str,
    hospital_id: str | None,
    password: str,
    now: datetime,
    actor: str,
) -> OperatorView:
    repository = OperatorRepository(session)
    email = normalised_email(email)
    if role not in ROLES:
        raise ValidationFailed.field("role", f"must be one of {', '.join(ROLES)}")
    if role == "hospital":
        if not hospital_id:
            raise ValidationFailed.field("hospital", "a hospital operator needs --hospital")
        if not repository.hospital_exists(hospital_id):
            raise NotFound(f"No hospital {hospital_id}.")
    elif hospital_id:
        raise ValidationFailed.field("hospital", "a ministry operator has no hospital")
    if repository.by_email(email) is not None:
        raise Conflict(f"An operator {email} exists already.")
    operator = Operator(
        email=email,
        role=role,
        hospital_id=hospital_id if role == "hospital" else None,
        password_hash=hash_password(password),
        disabled=False,
        failed_sign_ins=0,
        created_at=now,
    )
    repository.add(operator)
    AuditRepository(session).record(
        "operator.added",
        actor=actor,
        detail={"operatorId": operator.id, "role": role, "hospitalId": operator.hospital_id},
        now=now,
    )
    return view(operator)


def list_operators(session: Session) -> list[OperatorView]:
    return [view(operator) for operator in OperatorRepository(session).list_all()]


def disable_operator(session: Session, email: str, *, now: datetime, actor: str) -> OperatorView:
    """Disabled at once: her open sessions end too."""
    repository = OperatorRepository(session)
    operator = repository.by_email_for_update(normalised_email(email))
    if operator is None:
        raise NotFound(f"No operator {email.strip().lower()}.")
    operator.disabled = True
    ended = repository.end_sessions_of(operator.id)
    AuditRepository(session).record(
        "operator.disabled",
        actor=actor,
        detail={"operatorId": operator.id, "sessionsEnded": ended},
        now=now,
    )
    return view(operator)


def source_of(address: IPAddress | None) -> str | None:
    """What the per-address limit counts: an IPv4 address, or the /64 of an IPv6 one (a
    single host is usually given a whole /64, and could otherwise change address at will)."""
    if address is None:
        return None
    if isinstance(address, IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ip_network(f"{address}/64", strict=False))
    return str(address)


def sign_in(
    session: Session,
    email: str,
    password: str,
    *,
    now: datetime,
    lock_out: LockOut,
    session_length: timedelta,
    source: str | None = None,
    source_limit: SourceLimit | None = None,
) -> SignInResult:
    """Check the password and open a session; after `lock_out.max_failures` wrong ones in
    a row the operator is refused, right password or not, for `lock_out.duration`. Every
    refusal counts against `source` too: beyond `source_limit` in its window, every
    sign-in from there is refused (no password is even checked) until the oldest ages out."""
    repository = OperatorRepository(session)
    try:
        address = normalised_email(email)
    except ValidationFailed:
        address = ""
    window_start: datetime | None = None
    if source is not None and source_limit is not None and source_limit.max_failures > 0:
        window_start = now - source_limit.window
        repository.lock_source(source)
        if repository.failures_from(source, window_start) >= source_limit.max_failures:
            # Not counted again: the window's rows stay bounded however fast it tries.
            known = repository.by_email(address) if address else None
            _audit_sign_in(session, known, "address_limited", source, now)
            return SignInResult(None, None)
    operator = repository.by_email_for_update(address) if address else None
    # Always one argon2 verification, so that the answer's timing tells nothing.
    matches = verify_password(None if operator is None else operator.password_hash, password)
    outcome = _outcome(operator, matches, now, lock_out)
    _audit_sign_in(session, operator, outcome, source, now)
    if operator is None or outcome != "ok":
        if window_start is not None and source is not None:
            repository.record_failure(source, now, forget_before=window_start)
        return SignInResult(None, None)
    operator.failed_sign_ins = 0
    operator.locked_until = None
    operator.last_sign_in_at = now
    if needs_rehash(operator.password_hash):
        operator.password_hash = hash_password(password)
    token = secrets.token_urlsafe(32)
    hashed = token_hash(token)
    repository.purge_expired_sessions(now)
    repository.add_session(
        ConsoleSession(
            token_hash=hashed,
            operator_id=operator.id,
            created_at=now,
            expires_at=now + session_length,
        )
    )
    return SignInResult(_signed_in(operator, hashed), token)


def _outcome(operator: Operator | None, matches: bool, now: datetime, lock_out: LockOut) -> str:
    """What this attempt comes to, counting a wrong password against the operator."""
    if operator is None:
        return "unknown"
    if operator.disabled:
        return "disabled"
    if operator.locked_until is not None and operator.locked_until > now:
        return "locked"
    if matches:
        return "ok"
    operator.failed_sign_ins += 1
    if operator.failed_sign_ins >= lock_out.max_failures:
        operator.locked_until = now + lock_out.duration
        operator.failed_sign_ins = 0
        return "locked_out"
    return "wrong_password"


def _audit_sign_in(
    session: Session, operator: Operator | None, outcome: str, source: str | None, now: datetime
) -> None:
    """The operator's e-mail as actor when the address is one of ours; an unknown one is
    never recorded (people type passwords into the e-mail field)."""
    detail: dict[str, object] = {"outcome": outcome}
    if operator is not None:
        detail["operatorId"] = operator.id
    if source is not None:
        detail["source"] = source
    actor = "console:unknown" if operator is None else operator.email
    AuditRepository(session).record(SIGN_IN_EVENT, actor=actor, detail=detail, now=now)


def current_operator(session: Session, token: str, now: datetime) -> SignedIn | None:
    """The operator a live session cookie belongs to (None: expired, unknown, disabled)."""
    hashed = token_hash(token)
    found = OperatorRepository(session).live_session(hashed, now)
    if found is None:
        return None
    _, operator = found
    if operator.disabled:
        return None
    return _signed_in(operator, hashed)


def sign_out(session: Session, token: str, *, now: datetime) -> None:
    repository = OperatorRepository(session)
    hashed = token_hash(token)
    found = repository.live_session(hashed, now)
    repository.end_session(hashed)
    if found is not None:
        _, operator = found
        AuditRepository(session).record(
            "console.sign_out", actor=operator.email, detail={"operatorId": operator.id}, now=now
        )
