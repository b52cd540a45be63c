"""LINE webhooks: verified, stored, answered at once, processed after the answer.

LINE waits for our 200 and redelivers on failure, so the endpoint does the least it can:
check the signature over the raw body (constant time), store each event keyed by its
`webhookEventId` (a redelivery or replay is ignored), and return. `WebhookProcessor` then
handles stored events one transaction each; events left unprocessed by a crash are picked
up at the next start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import orjson
from linebot.v3 import SignatureValidator
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from moph_connect.chatbot.service import ChatbotService
from moph_connect.clock import Clock
from moph_connect.db.models import WebhookEvent
from moph_connect.db.uow import Database
from moph_connect.errors import BadRequest, Unauthorized

log = logging.getLogger(__name__)


def verify_signature(secret: str, body: bytes, signature: str | None) -> None:
    if not signature:
        raise Unauthorized("Missing x-line-signature header.")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("The webhook body is not UTF-8.") from None
    if not SignatureValidator(secret).validate(text, signature):
        raise Unauthorized("The x-line-signature does not match the body.")


def parse_events(body: bytes) -> list[dict[str, Any]]:
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise BadRequest("The webhook body is not JSON.") from None
    events = parsed.get("events") if isinstance(parsed, dict) else None
    if not isinstance(events, list):
        raise BadRequest("The webhook body has no 'events' array.")
    return [e for e in events if isinstance(e, dict) and isinstance(e.get("webhookEventId"), str)]


def store_events(
    session: Session, environment: str, events: Sequence[dict[str, Any]], now: datetime
) -> list[str]:
    """Insert events not seen before; return the ids that are new."""
    if not events:
        return []
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    new_ids: list[str] = []
    for event in events:
        event_id = event["webhookEventId"][:64]
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


class WebhookProcessor:
    """Processes stored webhook events, one transaction each, in arrival order."""

    def __init__(
        self, database: Database, clock: Clock, on_planned: Callable[[], None] | None = None
    ) -> None:
        self.database = database
        self.clock = clock
        self.on_planned = on_planned
        self._lock = asyncio.Lock()

    async def process_pending(self) -> int:
        async with self._lock:  # one pass at a time keeps per-user order
            count = await asyncio.to_thread(self._process_pending)
        if count and self.on_planned is not None:
            self.on_planned()
        return count

    def _pending(self) -> list[tuple[str, str]]:
        with self.database.transaction() as session:
            rows = session.execute(
                select(WebhookEvent.environment, WebhookEvent.webhook_event_id)
                .where(WebhookEvent.processed_at.is_(None))
                .order_by(WebhookEvent.received_at)
                .limit(1000)
            ).all()
            return [(row[0], row[1]) for row in rows]

    def _process_pending(self) -> int:
        done = 0
        while batch := self._pending():
            for environment, event_id in batch:
                self._process_one(environment, event_id)
                done += 1
        return done

    def _process_one(self, environment: str, event_id: str) -> None:
        now = self.clock.now()
        try:
            with self.database.transaction() as session:
                stored = session.get(WebhookEvent, (environment, event_id))
                if stored is None or stored.processed_at is not None:
                    return
                ChatbotService(session, environment).handle(stored.event, now)
                stored.processed_at = now
        except Exception as error:
            # Record the failure so one poisonous event cannot block the rest.
            log.exception("webhook event %s could not be processed", event_id)
            with self.database.transaction() as session:
                stored = session.get(WebhookEvent, (environment, event_id))
                if stored is not None:
                    stored.processed_at = now
                    stored.error = repr(error)[:1000]
