"""Database access for operators and their console sessions."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from moph_connect.db.models import ConsoleSession, ConsoleSignInFailure, Hospital, Operator

# pg_advisory_xact_lock(int, int)'s first key: the console's per-source sign-in lock (the
# two-key form never meets the one-key locks of patients/retention.py).
_SOURCE_LOCK_SPACE = 0x4D43  # "MC"


class OperatorRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, operator: Operator) -> None:
        self.session.add(operator)
        self.session.flush()

    def hospital_exists(self, hospital_id: str) -> bool:
        return self.session.get(Hospital, hospital_id) is not None

    def by_email(self, email: str) -> Operator | None:
        found: Operator | None = self.session.scalars(
            select(Operator).where(Operator.email == email)
        ).first()
        return found

    def by_email_for_update(self, email: str) -> Operator | None:
        """Locked on PostgreSQL, so that two wrong passwords at once both count."""
        found: Operator | None = self.session.scalars(
            select(Operator).where(Operator.email == email).with_for_update()
        ).first()
        return found

    def get(self, operator_id: int) -> Operator | None:
        return self.session.get(Operator, operator_id)

    def list_all(self) -> Sequence[Operator]:
        return self.session.scalars(select(Operator).order_by(Operator.email)).all()

    def add_session(self, console_session: ConsoleSession) -> None:
        self.session.add(console_session)

    def live_session(
        self, token_hash: str, now: datetime
    ) -> tuple[ConsoleSession, Operator] | None:
        row = self.session.execute(
            select(ConsoleSession, Operator)
            .join(Operator, Operator.id == ConsoleSession.operator_id)
            .where(ConsoleSession.token_hash == token_hash, ConsoleSession.expires_at > now)
        ).first()
        return None if row is None else (row[0], row[1])

    def end_session(self, token_hash: str) -> None:
        self.session.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == token_hash))

    def end_sessions_of(self, operator_id: int, *, keep: str | None = None) -> int:
        """End every session of hers but `keep` (a token hash); how many ended."""
        statement = delete(ConsoleSession).where(ConsoleSession.operator_id == operator_id)
        if keep is not None:
            statement = statement.where(ConsoleSession.token_hash != keep)
        result = self.session.execute(statement)
        return int(getattr(result, "rowcount", 0) or 0)

    def purge_expired_sessions(self, now: datetime) -> None:
        self.session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at <= now))

    def lock_source(self, source: str) -> None:
        """On PostgreSQL, one sign-in per source at a time until commit, so that two
        processes cannot both take the last try of its window (SQLite: one writer)."""
        if self.session.get_bind().dialect.name != "postgresql":
            return
        key = int.from_bytes(hashlib.sha256(source.encode()).digest()[:4], "big", signed=True)
        self.session.execute(
            text("SELECT pg_advisory_xact_lock(:space, :key)"),
            {"space": _SOURCE_LOCK_SPACE, "key": key},
        )

    def failures_from(self, source: str, since: datetime) -> int:
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(ConsoleSignInFailure)
                .where(
                    ConsoleSignInFailure.source == source, ConsoleSignInFailure.failed_at > since
                )
            )
            or 0
        )

    def record_failure(self, source: str, at: datetime, forget_before: datetime) -> None:
        """One more refused sign-in from `source`; every source's rows older than the
        window go at the same time, so the table holds one window's worth at most."""
        self.session.execute(
            delete(ConsoleSignInFailure).where(ConsoleSignInFailure.failed_at <= forget_before)
        )
        self.session.add(ConsoleSignInFailure(source=source, failed_at=at))
