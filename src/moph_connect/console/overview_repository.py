"""The overview's queries, each filtered by the operator's `Scope`.

A hospital's share of the outbox is found through the appointment a row belongs to;
chat replies belong to no hospital and so count only nationally. Everything is counted
for one environment (production or test) at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from moph_connect.console.scoping import Scope
from moph_connect.db.models import Appointment, ChannelState, OutboxMessage
from moph_connect.outbox.repository import claimable

RATE_LIMITED = "HTTP 429%"  # how line/sender.py words LINE's 429 in last_error
FAILURES_SHOWN = 20
# Sent, retried and 429'd rows are looked for among those due in this window before now
# (a row due earlier is stale by the timing rules): a bounded range of due_at, which the
# index on (environment, due_at) serves (migration 0011; BENCHMARKS.md, "Console overview
# at scale").
RECENT = timedelta(days=2)
S = TypeVar("S", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True)
class FailedMessage:
    message_id: int
    kind: str
    due_at: datetime
    reason: str


@dataclass(frozen=True)
class PausedChannel:
    channel: str
    paused_until: datetime
    reason: str | None


def _scoped(query: S, scope: Scope) -> S:
    if scope.national:
        return query
    return query.join(Appointment, Appointment.id == OutboxMessage.appointment_id).where(
        scope.hospital_filter(Appointment.hospital_id)
    )


class OverviewRepository:
    def __init__(self, session: Session, scope: Scope, environment: str) -> None:
        self.session = session
        self.scope = scope
        self.environment = environment

    def _count(self, *conditions: Any) -> int:
        query = _scoped(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.environment == self.environment, *conditions
            ),
            self.scope,
        )
        return int(self.session.scalar(query) or 0)

    def by_kind_and_status(self, start: datetime, end: datetime) -> dict[tuple[str, str], int]:
        """Rows due in [start, end), by (kind, status)."""
        query = _scoped(
            select(OutboxMessage.kind, OutboxMessage.status, func.count(OutboxMessage.id))
            .where(
                OutboxMessage.environment == self.environment,
                OutboxMessage.due_at >= start,
                OutboxMessage.due_at < end,
            )
            .group_by(OutboxMessage.kind, OutboxMessage.status),
            self.scope,
        )
        rows: Sequence[Any] = self.session.execute(query).all()
        return {(str(kind), str(status)): int(n) for kind, status, n in rows}

    def _recent(self, now: datetime) -> tuple[Any, Any]:
        return OutboxMessage.due_at >= now - RECENT, OutboxMessage.due_at <= now

    def sent_since(self, since: datetime, now: datetime) -> int:
        return self._count(
            *self._recent(now), OutboxMessage.status == "sent", OutboxMessage.sent_at >= since
        )

    def due_backlog(self, now: datetime) -> int:
        """What a claim could take now: as the `moph_connect_outbox_due_backlog` gauge,
        and like it read through the claim index (`outbox.repository.claimable`), the
        environment grouped as there."""
        query = _scoped(
            select(OutboxMessage.environment, func.count(OutboxMessage.id))
            .where(*claimable(OutboxMessage, now, self.session.get_bind().dialect.name))
            .group_by(OutboxMessage.environment),
            self.scope,
        )
        rows: Sequence[Any] = self.session.execute(query).all()
        return sum(int(n) for environment, n in rows if environment == self.environment)

    def retrying(self, now: datetime) -> int:
        """Pending again after at least one attempt that LINE did not accept."""
        return self._count(
            *self._recent(now),
            OutboxMessage.status == "pending",
            OutboxMessage.attempts > 0,
            OutboxMessage.last_error.is_not(None),
        )

    def rate_limited(self, now: datetime) -> int:
        """Waiting for a retry after LINE answered 429."""
        return self._count(
            *self._recent(now),
            OutboxMessage.status == "pending",
            OutboxMessage.last_error.like(RATE_LIMITED),
        )

    def failure_reasons(self, start: datetime, end: datetime) -> list[tuple[str, int]]:
        query = _scoped(
            select(OutboxMessage.last_error, func.count(OutboxMessage.id))
            .where(
                OutboxMessage.environment == self.environment,
                OutboxMessage.status == "failed",
                OutboxMessage.due_at >= start,
                OutboxMessage.due_at < end,
            )
            .group_by(OutboxMessage.last_error)
            .order_by(func.count(OutboxMessage.id).desc()),
            self.scope,
        )
        rows: Sequence[Any] = self.session.execute(query).all()
        return [(str(reason or ""), int(n)) for reason, n in rows]

    def latest_failures(self, start: datetime, end: datetime) -> list[FailedMessage]:
        query = _scoped(
            select(
                OutboxMessage.id, OutboxMessage.kind, OutboxMessage.due_at, OutboxMessage.last_error
            )
            .where(
                OutboxMessage.environment == self.environment,
                OutboxMessage.status == "failed",
                OutboxMessage.due_at >= start,
                OutboxMessage.due_at < end,
            )
            .order_by(OutboxMessage.due_at.desc(), OutboxMessage.id.desc())
            .limit(FAILURES_SHOWN),
            self.scope,
        )
        rows: Sequence[Any] = self.session.execute(query).all()
        return [FailedMessage(int(i), str(k), due, str(e or "")) for i, k, due, e in rows]

    def paused_channels(self, now: datetime) -> list[PausedChannel]:
        """Every paused channel, whoever asks: a hospital's messages wait on it too."""
        rows = self.session.scalars(
            select(ChannelState)
            .where(ChannelState.paused_until > now)
            .order_by(ChannelState.channel)
        ).all()
        return [
            PausedChannel(row.channel, row.paused_until, row.reason)
            for row in rows
            if row.paused_until is not None
        ]
