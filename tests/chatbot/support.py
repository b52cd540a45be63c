"""Playing a patient over real HTTP: act through the emulator's control API (or a signed
webhook we build), wait until the service has handled the event and its answer has
reached her inbox, and check every message against LINE's spec and limits."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
from typing import Any

import orjson
from sqlalchemy import select

from line_contract.credentials import EMULATOR_CREDENTIALS
from line_contract.spec import validate
from moph_connect.db.models import Hospital, LineUser, OutboxMessage, WebhookEvent
from moph_connect.messages import NOTICE_VERSION, check_limits
from tests.support.stack import Stack, wait_for

_ids = itertools.count(1)


def assert_sendable(message: dict[str, Any]) -> None:
    assert validate("messaging-api", "Message", message) == [], message
    assert check_limits(message) == [], message


def _settled(stack: Stack, channel: str, event_id: str) -> tuple[str | None] | None:
    """None while the event waits to be handled or answered; else (LINE's request id of
    the answer, None if there was no answer or it could not be sent)."""
    with stack.database.transaction() as session:
        event = session.get(WebhookEvent, (channel, event_id))
        if event is None or event.processed_at is None:
            return None
        reply = session.scalars(
            select(OutboxMessage).where(OutboxMessage.dedup_key == f"event:{channel}:{event_id}")
        ).first()
        if reply is None:
            return (None,)
        if reply.status not in ("sent", "failed", "cancelled"):
            return None
        return (reply.line_request_id,)


def settle(stack: Stack, channel: str, event_id: str) -> str | None:
    """Wait until the event is handled and its answer sent; LINE's request id of that."""
    found: tuple[str | None] = wait_for(
        lambda: _settled(stack, channel, event_id), what=f"event {event_id} answered"
    )
    return found[0]


def answer_to(stack: Stack, user: str, channel: str, event_id: str) -> list[dict[str, Any]]:
    """The messages that answered the event (not pushes that arrived meanwhile)."""
    request_id = settle(stack, channel, event_id)
    received = [e["message"] for e in stack.inbox(user) if e["requestId"] == request_id]
    for message in received:
        assert_sendable(message)
    return received if request_id is not None else []


def _act(stack: Stack, user: str, path: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    channel = channel_of(stack, user)
    response = stack.emulator.post(f"/control/users/{user}/{path}", json=body)
    assert response.status_code in (200, 201), response.text
    assert response.json()["webhookStatus"] == 200, response.text
    return answer_to(stack, user, channel, response.json()["webhookEventId"])


def channel_of(stack: Stack, user: str) -> str:
    response = stack.emulator.get(f"/control/users/{user}/inbox")
    assert response.status_code == 200, response.text
    channel: str = response.json()["channel"]
    return channel


def new_user(
    stack: Stack, channel: str = "production", name: str = "ครูเพ็ญศรี", language: str | None = "th"
) -> tuple[str, list[dict[str, Any]]]:
    """A new follower and the greeting she got."""
    response = stack.emulator.post(
        f"/control/channels/{channel}/users", json={"displayName": name, "language": language}
    )
    assert response.status_code == 201, response.text
    user: str = response.json()["userId"]
    return user, answer_to(stack, user, channel, response.json()["webhookEventId"])


def say(stack: Stack, user: str, text: str) -> list[dict[str, Any]]:
    return _act(stack, user, "text", {"text": text})


def tap(stack: Stack, user: str, data: str) -> list[dict[str, Any]]:
    return _act(stack, user, "postback", {"data": data})


def share_location(
    stack: Stack, user: str, latitude: float, longitude: float
) -> list[dict[str, Any]]:
    return _act(stack, user, "location", {"latitude": latitude, "longitude": longitude})


def block(stack: Stack, user: str) -> None:
    channel = channel_of(stack, user)
    response = stack.emulator.post(f"/control/users/{user}/unfollow")
    assert response.status_code == 200, response.text
    settle(stack, channel, response.json()["webhookEventId"])


def unblock(stack: Stack, user: str) -> list[dict[str, Any]]:
    return _act(stack, user, "follow", {})


def accept_privacy(stack: Stack, user: str) -> list[dict[str, Any]]:
    return tap(stack, user, f"action=consent&version={NOTICE_VERSION}")


def line_user(stack: Stack, channel: str, user: str) -> LineUser | None:
    with stack.database.transaction() as session:
        return session.scalars(
            select(LineUser).where(LineUser.environment == channel, LineUser.line_user_id == user)
        ).first()


# -- webhooks we build ourselves (what the control API cannot send) ----------------------


def event_id() -> str:
    return f"01TESTEVENT{next(_ids):015d}"


def signed_post(stack: Stack, channel: str, events: list[dict[str, Any]]) -> int:
    body = orjson.dumps({"destination": "U" + "0" * 32, "events": events})
    secret = EMULATOR_CREDENTIALS["production" if channel == "production" else "test"].secret
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
    path = "/line/webhook" if channel == "production" else "/test/line/webhook"
    response = stack.api.post(path, content=body, headers={"x-line-signature": signature.decode()})
    return response.status_code


def event(
    kind: str, user: str, *, timestamp_ms: int, reply_token: str | None = "r" * 32, **fields: Any
) -> dict[str, Any]:
    built: dict[str, Any] = {
        "type": kind,
        "mode": "active",
        "timestamp": timestamp_ms,
        "source": {"type": "user", "userId": user},
        "webhookEventId": event_id(),
        "deliveryContext": {"isRedelivery": False},
        **fields,
    }
    if reply_token is not None:
        built["replyToken"] = reply_token
    return built


def texts(node: Any) -> str:
    """Every string a message shows (texts, alt texts, labels), joined."""
    if isinstance(node, dict):
        return " ".join(texts(v) for v in node.values())
    if isinstance(node, list):
        return " ".join(texts(v) for v in node)
    return node if isinstance(node, str) else ""


def postbacks(node: Any) -> list[str]:
    """Every postback `data` in a message, in order."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "postback" and isinstance(node.get("data"), str):
            found.append(node["data"])
        for value in node.values():
            found += postbacks(value)
    elif isinstance(node, list):
        for value in node:
            found += postbacks(value)
    return found


def add_hospital(
    stack: Stack,
    name: str,
    *,
    province: str | None = None,
    district: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    phone: str | None = None,
) -> str:
    """Register a hospital with its place and phone; its id."""
    new = stack.register_hospital(name, f"https://q.example.th/{name.encode().hex()[:12]}")
    with stack.database.transaction() as session:
        hospital = session.get(Hospital, new.hospital_id)
        assert hospital is not None
        hospital.province, hospital.district, hospital.phone = province, district, phone
        hospital.latitude, hospital.longitude = latitude, longitude
    return new.hospital_id
