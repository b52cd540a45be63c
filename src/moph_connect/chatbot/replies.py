"""Answers go out as outbox rows carrying the event's reply token (priority 0), so the
dispatcher sends them like every other message: once, retried if LINE is briefly away,
and pushed instead when the token has expired."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

import orjson

from moph_connect.chatbot.repository import stored_event_id
from moph_connect.outbox.repository import OutboxRepository
from moph_connect.outbox.types import NewMessage

CHAT_PRIORITY: Final = 0
MAX_MESSAGES_PER_REPLY: Final = 5  # LINE's limit


def reply_dedup_key(environment: str, event_id: str) -> str:
    # The id as stored (a digest when LINE's is long): the key fits its 200 characters.
    return f"event:{environment}:{stored_event_id(event_id)}"


def add_reply(
    outbox: OutboxRepository,
    *,
    environment: str,
    event_id: str,
    line_user_id: str,
    reply_token: str | None,
    messages: Sequence[dict[str, Any]],
    now: datetime,
) -> None:
    if not messages:
        return
    if len(messages) > MAX_MESSAGES_PER_REPLY:
        raise ValueError(f"a reply carries at most {MAX_MESSAGES_PER_REPLY} messages")
    reply = NewMessage(
        environment=environment,
        line_user_id=line_user_id,
        kind="chat",
        priority=CHAT_PRIORITY,
        dedup_key=reply_dedup_key(environment, event_id),
        payload=orjson.dumps(list(messages)).decode("utf-8"),
        due_at=now,
        reply_token=reply_token,
    )
    outbox.enqueue([reply], now)
