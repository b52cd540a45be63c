"""A LINE webhook delivery taken in: the signature checked, the events stored.

LINE waits for our 200 and redelivers on failure, so the endpoint does the least it can:
check the signature over the raw body (constant time), store each event keyed by its
`webhookEventId` (a redelivery or replay is ignored) through `chatbot/repository.py`,
and answer. `chatbot/processor.WebhookProcessor` handles the stored events after that.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from line_contract.signature import matches as signature_matches
from moph_connect.chatbot.repository import WebhookEventRepository
from moph_connect.db.uow import Database
from moph_connect.errors import BadRequest, Unauthorized


def verify_signature(secret: str, body: bytes, signature: str | None) -> None:
    if not signature:
        raise Unauthorized("Missing x-line-signature header.")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("The webhook body is not UTF-8.") from None
    if not signature_matches(secret, body, signature):
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


def take_in(
    database: Database,
    environment: str,
    secret: str,
    body: bytes,
    signature: str | None,
    now: datetime,
) -> list[str]:
    """Verify a delivery and store its events; return the ids of those not seen before."""
    verify_signature(secret, body, signature)
    events = parse_events(body)
    with database.transaction() as session:
        return WebhookEventRepository(session).store(environment, events, now)
