"""A LINE webhook event as the conversation needs it: parsed once, defensively.

Stored events are LINE's JSON as received; the signature proves LINE sent them, not that
every field has the shape the spec promises, so nothing here trusts a type.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class Incoming:
    kind: str  # follow, unfollow, message, postback, ... ("" if missing)
    event_id: str
    user_id: str | None  # None: not from a user (a group, a room) or malformed
    reply_token: str | None
    at: datetime | None  # when LINE says it happened
    standby: bool  # another channel module is in charge of the chat: do not answer
    message_type: str | None = None
    text: str | None = None
    postback_data: str | None = None
    latitude: float | None = None
    longitude: float | None = None

    def happened_at(self, now: datetime) -> datetime:
        """The event's time, never later than `now` (clocks disagree by a little)."""
        return now if self.at is None or self.at > now else self.at


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _coordinate(value: Any, bound: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) and -bound <= number <= bound else None


def _timestamp(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    try:
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def parse_event(event: Mapping[str, Any]) -> Incoming:
    source = event.get("source")
    user_id = None
    if isinstance(source, Mapping) and source.get("type") == "user":
        user_id = _str(source.get("userId"))
    message = event.get("message")
    message = message if isinstance(message, Mapping) else {}
    postback = event.get("postback")
    postback = postback if isinstance(postback, Mapping) else {}
    message_type = _str(message.get("type"))
    return Incoming(
        kind=_str(event.get("type")) or "",
        event_id=_str(event.get("webhookEventId")) or "",
        user_id=user_id,
        reply_token=_str(event.get("replyToken")),
        at=_timestamp(event.get("timestamp")),
        standby=event.get("mode") == "standby",
        message_type=message_type,
        text=_str(message.get("text")) if message_type == "text" else None,
        postback_data=_str(postback.get("data")),
        latitude=_coordinate(message.get("latitude"), 90.0) if message_type == "location" else None,
        longitude=(
            _coordinate(message.get("longitude"), 180.0) if message_type == "location" else None
        ),
    )
