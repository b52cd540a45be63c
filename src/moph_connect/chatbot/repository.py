"""Database access for LINE webhook events: stored before LINE is answered, processed
after (one row per `webhookEventId`, so a redelivery is stored once)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from moph_connect.db.models import WebhookEvent

MAX_EVENT_ID = 64  # the column; LINE's ids are 26-character ULIDs


def stored_event_id(webhook_event_id: str) -> str:
    """The id as stored: itself when it fits, else a digest of all of it. Cutting it
    would let two events that differ only after the 64th character collapse into one."""
    if len(webhook_event_id) <= MAX_EVENT_ID:
        return webhook_event_id
    digest = hashlib.sha256(webhook_event_id.encode("utf-8", "surrogatepass")).hexdigest()
    return "sha256:" + digest[: MAX_EVENT_ID - len("sha256:")]


def _storable(value: Any) -> Any:
    """The event with NUL characters removed from its strings: PostgreSQL stores none (in
    text columns, such as a survey comment typed with one), and LINE's users never mean
    one."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_storable(key): _storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_storable(item) for item in value]
    return value


class WebhookEventRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def to_process(self, environment: str, event_id: str) -> WebhookEvent | None:
        """The stored event, unless it is gone or already processed (by another pass)."""
        stored = self.session.get(WebhookEvent, (environment, event_id))
        return stored if stored is not None and stored.processed_at is None else None

    def unprocessed(self, limit: int) -> Sequence[WebhookEvent]:
        """The oldest events not processed yet, in the order they were received."""
        return self.session.scalars(
            select(WebhookEvent)
            .where(WebhookEvent.processed_at.is_(None))
            .order_by(WebhookEvent.received_at)
            .limit(limit)
        ).all()

    def mark_processed(self, stored: WebhookEvent, now: datetime) -> None:
        stored.processed_at = now

    def mark_failed(self, environment: str, event_id: str, now: datetime, error: str) -> None:
        """Set an event aside as processed, with why it failed, so that one poisonous event
        cannot block the rest."""
        self.session.execute(
            update(WebhookEvent)
            .where(
                WebhookEvent.environment == environment,
                WebhookEvent.webhook_event_id == event_id,
            )
            .values(processed_at=now, error=error)
        )

    def store(self, environment: str, events: Sequence[dict[str, Any]], now: datetime) -> list[str]:
        """Insert events not seen before; return the ids that are new."""
        return _store(self.session, environment, events, now)


def _store(
    session: Session, environment: str, events: Sequence[dict[str, Any]], now: datetime
) -> list[str]:
    if not events:
        return []
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    new_ids: list[str] = []
    for event in map(_storable, events):
        event_id = stored_event_id(event["webhookEventId"])
        result = session.execute(
            insert(WebhookEvent)
            .values(
                environment=environment, webhook_event_id=event_id, event=event, received_at=now
            )
            .on_conflict_do_nothing()
        )
        if result.rowcount:  # type: ignore[attr-defined]
            new_ids.append(event_id)
    return new_ids
