"""Webhook events as LINE builds them, and their signed delivery to a channel's webhook URL."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import orjson

from line_contract.signature import sign
from line_contract.spec import validate
from line_emulator.config import EmulatorChannel
from line_emulator.ids import new_message_id, new_quote_token, new_webhook_event_id
from line_emulator.state import User

USER_AGENT = "LineBotWebhook/2.0"


class WebhookSpecError(RuntimeError):
    """The emulator built a webhook body that LINE's spec rejects: an emulator bug."""


def signature(secret: str, body: bytes) -> str:
    """`x-line-signature` for a delivery (`line_contract.signature`)."""
    return sign(secret, body)


def _event(kind: str, user: User, timestamp_ms: int, **fields: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "mode": "active",
        "timestamp": timestamp_ms,
        "source": {"type": "user", "userId": user.user_id},
        "webhookEventId": new_webhook_event_id(timestamp_ms),
        "deliveryContext": {"isRedelivery": False},
        **fields,
    }


def follow_event(
    user: User, timestamp_ms: int, reply_token: str, *, unblocked: bool
) -> dict[str, Any]:
    return _event(
        "follow", user, timestamp_ms, replyToken=reply_token, follow={"isUnblocked": unblocked}
    )


def unfollow_event(user: User, timestamp_ms: int) -> dict[str, Any]:
    # LINE gives no reply token here: the user can no longer receive messages.
    return _event("unfollow", user, timestamp_ms)


def text_message_event(
    user: User, timestamp_ms: int, reply_token: str, text: str
) -> dict[str, Any]:
    message = {
        "id": new_message_id(),
        "type": "text",
        "quoteToken": new_quote_token(),
        "text": text,
    }
    return _event("message", user, timestamp_ms, replyToken=reply_token, message=message)


def location_message_event(
    user: User,
    timestamp_ms: int,
    reply_token: str,
    *,
    latitude: float,
    longitude: float,
    title: str | None,
    address: str | None,
) -> dict[str, Any]:
    message: dict[str, Any] = {"id": new_message_id(), "type": "location"}
    # LINE leaves out title and address when the shared location has none.
    if title is not None:
        message["title"] = title
    if address is not None:
        message["address"] = address
    message |= {"latitude": latitude, "longitude": longitude}
    return _event("message", user, timestamp_ms, replyToken=reply_token, message=message)


def postback_event(
    user: User,
    timestamp_ms: int,
    reply_token: str,
    data: str,
    params: dict[str, str] | None,
) -> dict[str, Any]:
    postback: dict[str, Any] = {"data": data}
    if params is not None:
        postback["params"] = params
    return _event("postback", user, timestamp_ms, replyToken=reply_token, postback=postback)


def callback_body(channel: EmulatorChannel, events: list[dict[str, Any]]) -> bytes:
    """The serialised webhook request body, checked against LINE's `CallbackRequest`."""
    payload = {"destination": channel.bot_user_id, "events": events}
    violations = validate("webhook", "CallbackRequest", payload)
    if violations:
        listed = "; ".join(f"{v.property or '<root>'}: {v.message}" for v in violations)
        raise WebhookSpecError(f"webhook body violates LINE's webhook spec: {listed}")
    return orjson.dumps(payload)


class WebhookSender:
    """Posts webhooks as LINE's delivery would arrive, with one aiohttp session shared
    between `start()` and `close()` (the app's lifespan).

    Mounted inside another app, whose lifespan does not run ours unless told to, there is
    no shared session; each delivery then opens and closes its own, which costs a little
    time per user action but leaves nothing unclosed.
    """

    def __init__(self, timeout_seconds: float) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=self._timeout)
        self._loop = asyncio.get_running_loop()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        self._session = None
        self._loop = None

    async def send(self, channel: EmulatorChannel, events: list[dict[str, Any]]) -> int | None:
        """Deliver one webhook; the receiver's HTTP status, or None if none was obtained."""
        body = callback_body(channel, events)
        url = channel.webhook_url
        if url is None:
            return None
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "x-line-signature": signature(channel.secret, body),
        }
        shared = self._session
        if shared is not None and not shared.closed and self._loop is asyncio.get_running_loop():
            return await _post(shared, url, body, headers)
        async with aiohttp.ClientSession(timeout=self._timeout) as session:
            return await _post(session, url, body, headers)


async def _post(
    session: aiohttp.ClientSession, url: str, body: bytes, headers: dict[str, str]
) -> int | None:
    try:
        async with session.post(url, data=body, headers=headers) as response:
            await response.read()
            return response.status
    except (aiohttp.ClientError, TimeoutError):
        # LINE records a failed delivery and moves on; so do we (status null).
        return None
