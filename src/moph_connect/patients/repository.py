"""Database access for LINE users, their consent and MOPH Connect IDs."""

from __future__ import annotations

import secrets
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.orm import Session

from moph_connect.db.models import ConsentRecord, Hospital, LineUser, Registration


def new_regist_id() -> str:
    """24 lowercase hex characters, as in the seed; random, so two hospitals given IDs for
    the same person cannot tell it is the same person."""
    return secrets.token_hex(12)


@dataclass(frozen=True)
class RegisteredPatient:
    """Whose a MOPH Connect ID is, as a hospital's call needs it: plain values, read by
    one Core statement (every call reads it; loading two ORM objects cost more)."""

    hospital_id: str
    erased: bool
    line_user_id: str
    following: bool
    language: str | None


class StoredRegistration(NamedTuple):
    """A MOPH Connect ID as an import compares it: whose, where (the LINE user id is an
    anonymous "erased-..." one once she had her data deleted)."""

    regist_id: str
    hospital_id: str
    environment: str
    line_user_id: str
    erased: bool


class StoredUser(NamedTuple):
    pk: int
    line_user_id: str
    consent_version: str | None


# Built once: it runs on every hospital call (see appointments/repository.py).
_REGISTRATION = (
    select(
        Registration.hospital_id,
        Registration.erased_at.is_not(None),
        LineUser.line_user_id,
        LineUser.following,
        LineUser.language,
    )
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
        row = self.session.connection().execute(_REGISTRATION, values).first()
        return None if row is None else RegisteredPatient(*row)

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

    # -- set-based, for `registrations import` (millions of rows: callers pass chunks of
    # ~1,000 values, well under SQLite's limit of bound parameters per statement) --------

    def refresh_statistics(self) -> None:
        """Have PostgreSQL's planner know how big the tables are before the import's
        look-ups. Right after a big import (a file loaded in parts, or run again) they
        still look as small as before it, until autovacuum analyses them: each look-up of
        1,000 ids then scanned the whole table (85 s instead of 5 s to check 100,000 rows
        again). ANALYZE reads a sample, a second at most, and blocks no one."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(text("ANALYZE line_users, registrations"))

    def hospital_ids_among(self, hospital_ids: Collection[str]) -> set[str]:
        """Those of `hospital_ids` that are registered (active or not)."""
        if not hospital_ids:
            return set()
        found = self.session.scalars(select(Hospital.id).where(Hospital.id.in_(hospital_ids)))
        return set(found)

    def registrations_by_ids(self, regist_ids: Collection[str]) -> list[StoredRegistration]:
        if not regist_ids:
            return []
        rows = self.session.execute(
            select(
                Registration.regist_id,
                Registration.hospital_id,
                Registration.environment,
                LineUser.line_user_id,
                Registration.erased_at.is_not(None),
            )
            .join(LineUser, LineUser.id == Registration.line_user_pk)
            .where(Registration.regist_id.in_(regist_ids))
        )
        return [StoredRegistration(*row) for row in rows]

    def line_users_by_ids(
        self, environment: str, line_user_ids: Collection[str]
    ) -> list[StoredUser]:
        if not line_user_ids:
            return []
        rows = self.session.execute(
            select(LineUser.id, LineUser.line_user_id, LineUser.consent_version).where(
                LineUser.environment == environment, LineUser.line_user_id.in_(line_user_ids)
            )
        )
        return [StoredUser(*row) for row in rows]

    def registrations_of_users(self, user_pks: Collection[int]) -> list[tuple[int, str, str]]:
        """(line user pk, hospital id, MOPH Connect ID) of every ID these users have."""
        if not user_pks:
            return []
        rows = self.session.execute(
            select(
                Registration.line_user_pk, Registration.hospital_id, Registration.regist_id
            ).where(Registration.line_user_pk.in_(user_pks))
        )
        return [(row[0], row[1], row[2]) for row in rows]

    def add_line_users(self, values: Sequence[Mapping[str, Any]]) -> dict[tuple[str, str], int]:
        """Insert users given as column values (one multi-row INSERT, no ORM objects);
        their primary keys by (environment, LINE user id)."""
        if not values:
            return {}
        rows = self.session.execute(
            insert(LineUser).returning(LineUser.environment, LineUser.line_user_id, LineUser.id),
            values,
        )
        return {(row[0], row[1]): row[2] for row in rows}

    def add_registrations(self, values: Sequence[Mapping[str, Any]]) -> None:
        if values:
            self.session.execute(insert(Registration), values)

    def add_consents(self, values: Sequence[Mapping[str, Any]]) -> None:
        if values:
            self.session.execute(insert(ConsentRecord), values)

    def consent_where_none(self, user_pks: Collection[int], version: str) -> None:
        """Set `consent_version` of those users who have none (a consent she gave here
        since is kept)."""
        if user_pks:
            self.session.execute(
                update(LineUser)
                .where(LineUser.id.in_(user_pks), LineUser.consent_version.is_(None))
                .values(consent_version=version)
                .execution_options(synchronize_session=False)
            )
