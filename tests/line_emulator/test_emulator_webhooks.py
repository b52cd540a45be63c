"""Webhooks as LINE sends them: signed, spec-valid, to the right channel's URL."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import Any

import pytest

from line_contract.credentials import EMULATOR_CREDENTIALS
from line_contract.spec import validate
from tests.line_emulator.conftest import (
    START,
    Running,
    StartEmulator,
    WebhookReceiver,
    free_port,
)

PATHS = {"production": "/line/webhook", "test": "/test/line/webhook"}
SECRETS: dict[str, str] = {env: cred.secret for env, cred in EMULATOR_CREDENTIALS.items()}


def check_webhook(receiver: WebhookReceiver, channel: str = "production") -> dict[str, Any]:
    """The one webhook received: signed with the channel secret, spec-valid; its event."""
    (webhook,) = receiver.take()
    assert webhook.path == PATHS[channel]
    assert webhook.headers["content-type"] == "application/json"
    assert webhook.headers["user-agent"] == "LineBotWebhook/2.0"
    digest = hmac.new(SECRETS[channel].encode(), webhook.body, hashlib.sha256).digest()
    expected = base64.b64encode(digest)
    assert webhook.headers["x-line-signature"] == expected.decode()
    body = webhook.json()
    assert validate("webhook", "CallbackRequest", body) == []
    assert re.fullmatch(r"U[0-9a-f]{32}", body["destination"])
    (event,) = body["events"]
    assert event["mode"] == "active"
    assert event["deliveryContext"] == {"isRedelivery": False}
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{26}", event["webhookEventId"])
    assert event["timestamp"] == int(START.timestamp() * 1000)
    event_copy: dict[str, Any] = event
    return event_copy


def test_following_sends_a_follow_event(emulator: Running, receiver: WebhookReceiver) -> None:
    response = emulator.http.post(
        "/control/channels/production/users", json={"displayName": "สมศรี"}
    )
    assert response.status_code == 201
    created = response.json()
    assert re.fullmatch(r"U[0-9a-f]{32}", created["userId"])
    assert created["webhookStatus"] == 200

    event = check_webhook(receiver)
    assert event["type"] == "follow"
    assert event["follow"] == {"isUnblocked": False}
    assert event["source"] == {"type": "user", "userId": created["userId"]}
    assert event["replyToken"] == created["replyToken"]
    assert event["webhookEventId"] == created["webhookEventId"]


def test_user_actions_send_their_events(emulator: Running, receiver: WebhookReceiver) -> None:
    user = emulator.follow()
    receiver.take()

    def act(action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = emulator.http.post(f"/control/users/{user}/{action}", json=body)
        assert response.status_code == 200, response.text
        assert response.json()["webhookStatus"] == 200
        event = check_webhook(receiver)
        assert event["webhookEventId"] == response.json()["webhookEventId"]
        assert event.get("replyToken") == response.json()["replyToken"]
        assert event["source"]["userId"] == user
        return event

    message = act("text", {"text": "นัดหมาย"})["message"]
    assert (message["type"], message["text"]) == ("text", "นัดหมาย")
    assert message["quoteToken"] and message["id"].isdigit()

    location = act(
        "location",
        {"title": "บ้าน", "address": "ปทุมธานี", "latitude": 14.02, "longitude": 100.52},
    )["message"]
    assert location["type"] == "location"
    assert (location["latitude"], location["longitude"]) == (14.02, 100.52)
    bare = act("location", {"latitude": 0, "longitude": -1.5})["message"]
    assert "title" not in bare and "address" not in bare

    postback = act("postback", {"data": "action=pick&h=1", "params": {"date": "2026-03-03"}})
    assert postback["postback"] == {"data": "action=pick&h=1", "params": {"date": "2026-03-03"}}

    unfollow = act("unfollow")
    assert unfollow["type"] == "unfollow" and "replyToken" not in unfollow
    follow = act("follow")
    assert follow["follow"] == {"isUnblocked": True} and follow["replyToken"]


def test_the_test_channel_posts_to_its_own_webhook(
    start_emulator: StartEmulator, receiver: WebhookReceiver
) -> None:
    emulator = start_emulator()
    user = emulator.follow("test")
    event = check_webhook(receiver, "test")
    assert event["source"]["userId"] == user
    listed = emulator.http.get("/control/channels/test/users").json()
    assert [u["userId"] for u in listed["users"]] == [user]


def test_event_ids_are_unique(emulator: Running, receiver: WebhookReceiver) -> None:
    user = emulator.follow()
    ids = {
        emulator.http.post(f"/control/users/{user}/text", json={"text": str(i)}).json()[
            "webhookEventId"
        ]
        for i in range(50)
    }
    assert len(ids) == 50


def test_webhook_status_is_what_the_receiver_answered(
    emulator: Running, receiver: WebhookReceiver
) -> None:
    receiver.status = 500
    response = emulator.http.post("/control/channels/production/users", json={"displayName": "ก"})
    assert response.status_code == 201
    assert response.json()["webhookStatus"] == 500


@pytest.mark.parametrize("webhook_base", [None, "unreachable"])
def test_webhook_status_is_null_when_nothing_answered(
    start_emulator: StartEmulator, webhook_base: str | None
) -> None:
    base = f"http://127.0.0.1:{free_port()}" if webhook_base else None
    running = start_emulator(webhook_base=base)
    response = running.http.post("/control/channels/production/users", json={"displayName": "ก"})
    assert response.status_code == 201
    assert response.json()["webhookStatus"] is None
    assert response.json()["userId"]
