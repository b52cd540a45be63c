"""The database gauges' queries: three aggregates, read-only, over an observer connection."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, func, select

from moph_connect.db.models import ChannelState, OutboxMessage
from moph_connect.outbox.repository import claimable

outbox: Table = OutboxMessage.__table__  # type: ignore[assignment]
channel_states: Table = ChannelState.__table__  # type: ignore[assignment]


def outbox_counts(connection: Connection) -> dict[tuple[str, str], int]:
    """(kind, status) → rows: the one GROUP BY over the whole outbox."""
    query = select(outbox.c.kind, outbox.c.status, func.count(outbox.c.id)).group_by(
        outbox.c.kind, outbox.c.status
    )
    rows: Sequence[tuple[Any, ...]] = connection.execute(query).all()
    return {(str(kind), str(status)): int(n) for kind, status, n in rows}


def due_backlog(connection: Connection, now: datetime) -> dict[str, int]:
    """Channel → rows a claim could take now: pending and due (or due for a retry), or
    held under a lease that has run out."""
    query = (
        select(outbox.c.environment, func.count(outbox.c.id))
        .where(*claimable(outbox.c, now, connection.dialect.name))
        .group_by(outbox.c.environment)
    )
    rows: Sequence[tuple[Any, ...]] = connection.execute(query).all()
    return {str(channel): int(n) for channel, n in rows}


def paused_channels(connection: Connection, now: datetime) -> set[str]:
    query = select(channel_states.c.channel).where(channel_states.c.paused_until > now)
    channels: list[str] = list(connection.scalars(query))
    return set(channels)
