"""Database access for LINE users, their consent and MOPH Connect IDs."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from moph_connect.db.models import ConsentRecord, Hospital, LineUser, Registration


def new_regist_id() -> str:
    """24 lowercase hex characters, as in the seed; random, so two hospitals given IDs for
    the same person cannot tell it is the same person."""
    return secrets.token_hex(12)


@dataclass(frozen=True)
class RegisteredPatient:
    registration: Registration
    line_user: LineUser


# Built once: it runs on every hospital call (see appointments/repository.py).
_REGISTRATION = (
    select(Registration, LineUser)
    .join(LineUser, LineUser.id == Registration.line_user_pk)
    .where(
        Registration.regist_id == bindparam("regist_id"),
        Registration.environment == bindparam("environment"),
    )
)


class PatientRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def line_user(self, environment: str, line_user_id: str) -> LineUser | None:
        return self.session.scalars(
            select(LineUser).where(
                LineUser.environment == environment, LineUser.line_user_id == line_user_id
            )
        ).first()

    def follow(self, environment: str, line_user_id: str, now: datetime) -> LineUser:
        """The user, following from `now` (created if new; back if she had blocked us)."""
        user = self.line_user(environment, line_user_id)
        if user is None:
            user = LineUser(
                environment=environment, line_user_id=line_user_id, followed_at=now, following=True
            )
            self.session.add(user)
            self.session.flush()
        elif not user.following:
            user.following = True
            user.followed_at = now
        return user

    def unfollow(self, environment: str, line_user_id: str, now: datetime) -> LineUser | None:
        """Mark her as having blocked us at `now`; the time is kept, so that events older
        than the block can be recognised as stale."""
        user = self.line_user(environment, line_user_id)
        if user is not None and user.following:
            user.following = False
            user.unfollowed_at = now
        return user

    def set_language(self, user: LineUser, language: str | None) -> None:
        user.language = language[:16] if language else None

    def set_conversation(self, user: LineUser, state: dict[str, Any] | None) -> None:
        user.conversation = state

    def record_consent(self, user: LineUser, version: str, now: datetime) -> ConsentRecord:
        """She accepted privacy notice `version` at `now` (kept as proof of consent)."""
        record = ConsentRecord(
            line_user_pk=user.id,
            environment=user.environment,
            notice_version=version,
            accepted_at=now,
        )
        self.session.add(record)
        user.consent_version = version
        return record

    def followers_speaking(self, environment: str, language: str) -> Sequence[str]:
        """LINE user ids of followers whose profile language is `language` ("en") or a
        variant of it ("en-US")."""
        return self.session.scalars(
            select(LineUser.line_user_id)
            .where(
                LineUser.environment == environment,
                LineUser.following,
                (LineUser.language == language) | LineUser.language.like(f"{language}-%"),
            )
            .order_by(LineUser.id)
        ).all()

    def hospitals_used(self, user: LineUser, limit: int = 12) -> Sequence[Hospital]:
        """Active hospitals she has a (not erased) MOPH Connect ID at, latest first."""
        return self.session.scalars(
            select(Hospital)
            .join(Registration, Registration.hospital_id == Hospital.id)
            .where(
                Registration.line_user_pk == user.id,
                Registration.erased_at.is_(None),
                Hospital.active,
            )
            .order_by(Registration.created_at.desc(), Hospital.id)
            .limit(limit)
        ).all()

    def registration(self, environment: str, regist_id: str) -> RegisteredPatient | None:
        values = {"regist_id": regist_id, "environment": environment}
        row = self.session.execute(_REGISTRATION, values).first()
        return None if row is None else RegisteredPatient(row[0], row[1])

    def registration_for(self, user: LineUser, hospital_id: str, now: datetime) -> Registration:
        """The user's MOPH Connect ID at this hospital, issued on first use."""
        existing = self.session.scalars(
            select(Registration).where(
                Registration.line_user_pk == user.id, Registration.hospital_id == hospital_id
            )
        ).first()
        if existing is not None:
            return existing
        registration = Registration(
            regist_id=new_regist_id(),
            environment=user.environment,
            line_user_pk=user.id,
            hospital_id=hospital_id,
            created_at=now,
        )
        self.session.add(registration)
        self.session.flush()
        return registration
