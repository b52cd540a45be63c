"""The outbox's data as the dispatcher passes it around: plain values, no storage.

The repository builds them from rows; the pure outcome rules (`outcomes.py`) read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class ClaimedMessage:
    id: int
    environment: str
    line_user_id: str
    kind: str
    payload: str
    retry_key: str
    reply_token: str | None
    attempts: int
    due_at: datetime
    appointment_date: date | None
    created_at: datetime


@dataclass(frozen=True)
class Retry:
    id: int
    available_at: datetime
    error: str


@dataclass(frozen=True)
class Failure:
    id: int
    error: str


@dataclass(frozen=True)
class NewMessage:
    """A message to plan, as every producer hands it to `OutboxRepository.enqueue`
    (hospital calls, notices, chat replies): what to send, to whom, when, and the dedup
    key that makes planning it twice impossible."""

    environment: str
    line_user_id: str
    kind: str
    priority: int
    dedup_key: str
    payload: str  # the JSON array of LINE message objects
    due_at: datetime
    appointment_id: str | None = None
    appointment_date: date | None = None
    reply_token: str | None = None
