"""The LINE webhook: signatures, replays, and what follow/unfollow do, over real HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac

import orjson
import pytest
from sqlalchemy import select

from line_contract.credentials import EMULATOR_CREDENTIALS
from moph_connect.appointments.schemas import SEED_EXAMPLE
from moph_connect.db.models import OutboxMessage, WebhookEvent
from tests.chatbot.support import accept_privacy
from tests.support.stack import Stack, wait_for


def signed(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def follow_body(user_id: str, event_id: str) -> bytes:
    event = {
        "type": "follow",
        "mode": "active",
        "timestamp": 1524798000000,
        "source": {"type": "user", "userId": user_id},
        "webhookEventId": event_id,
        "deliveryContext": {"isRedelivery": False},
        "replyToken": "r" * 32,
        "follow": {"isUnblocked": False},
    }
    return orjson.dumps({"destination": "U" + "0" * 32, "events": [event]})


@pytest.mark.parametrize("signature", [None, "", "bm90IGl0", "x" * 44])
def test_bad_signature_is_401_and_nothing_stored(stack: Stack, signature: str | None) -> None:
    body = follow_body("U" + "1" * 32, "01HZZZZZZZZZZZZZZZZZZZZZZA")
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["x-line-signature"] = signature
    response = stack.api.post("/line/webhook", content=body, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    with stack.database.transaction() as session:
        assert session.scalars(select(WebhookEvent)).all() == []


def test_signature_of_the_other_channel_is_refused(stack: Stack) -> None:
    body = follow_body("U" + "1" * 32, "01HZZZZZZZZZZZZZZZZZZZZZZB")
    test_signature = signed(body, EMULATOR_CREDENTIALS["test"].secret)
    response = stack.api.post(
        "/line/webhook", content=body, headers={"x-line-signature": test_signature}
    )
    assert response.status_code == 401


def test_replayed_event_is_processed_once(stack: Stack) -> None:
    user = stack.follow()  # a real follower, so replies have somewhere to go
    body = follow_body(user, "01HZZZZZZZZZZZZZZZZZZZZZZC")
    signature = signed(body, EMULATOR_CREDENTIALS["production"].secret)
    for _ in range(3):
        response = stack.api.post(
            "/line/webhook", content=body, headers={"x-line-signature": signature}
        )
        assert response.status_code == 200

    def processed() -> bool:
        with stack.database.transaction() as session:
            event = session.get(WebhookEvent, ("production", "01HZZZZZZZZZZZZZZZZZZZZZZC"))
            return event is not None and event.processed_at is not None

    wait_for(processed, what="the replayed event to be processed")
    with stack.database.transaction() as session:
        replies = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.dedup_key == "event:production:01HZZZZZZZZZZZZZZZZZZZZZZC"
            )
        ).all()
    assert len(replies) == 1


@pytest.mark.parametrize("raw", [b"{", b"[]", b'{"events": 5}', b'{"destination": "x"}'])
def test_malformed_but_signed_body_is_400(stack: Stack, raw: bytes) -> None:
    signature = signed(raw, EMULATOR_CREDENTIALS["production"].secret)
    response = stack.api.post("/line/webhook", content=raw, headers={"x-line-signature": signature})
    assert response.status_code == 400


def test_verification_request_with_no_events_is_200(stack: Stack) -> None:
    raw = b'{"destination": "U0", "events": []}'
    signature = signed(raw, EMULATOR_CREDENTIALS["test"].secret)
    response = stack.api.post(
        "/test/line/webhook", content=raw, headers={"x-line-signature": signature}
    )
    assert response.status_code == 200


def test_unfollow_cancels_pending_messages_and_stops_new_ones(stack: Stack) -> None:
    hospital = stack.register_hospital()
    user = stack.follow()
    accept_privacy(stack, user)
    regist = stack.pick_hospital(user, hospital.hospital_id)
    payload = {**SEED_EXAMPLE, "userId": regist}
    scheduled = stack.call("/api/queue/schedule", hospital.production_key, payload)
    appointment_id = scheduled.json()["appointmentId"]
    response = stack.emulator.post(f"/control/users/{user}/unfollow")
    assert response.status_code == 200
    assert response.json()["webhookStatus"] == 200

    def cancelled() -> list[str] | None:
        status = stack.api.get(
            f"/api/queue/{appointment_id}",
            headers={"Authorization": f"Bearer {hospital.production_key}"},
        ).json()
        kinds = [m["status"] for m in status["messages"]]
        return kinds if set(kinds) == {"cancelled"} else None

    wait_for(cancelled, what="reminders to be cancelled")
    after = stack.call("/api/queue/notify", hospital.production_key, payload)
    assert after.status_code == 202
    assert {s["kind"] for s in after.json()["skipped"]} == {"queue_near", "survey"}


def test_odd_messages_get_a_helpful_answer(stack: Stack) -> None:
    user = stack.follow()
    for text in ("สวัสดี", "😀" * 50, "x" * 5000):
        before = len(stack.inbox(user))
        response = stack.emulator.post(f"/control/users/{user}/text", json={"text": text})
        assert response.status_code == 200
        answer = stack.wait_inbox(user, before + 1)[before]["message"]
        assert answer["type"] in ("text", "flex")
    before = len(stack.inbox(user))
    stack.postback(user, "action=pick&hospital=h-does-not-exist")
    stack.wait_inbox(user, before + 1)
    stack.postback(user, "action=survey&token=forged&score=5")
    stack.wait_inbox(user, before + 2)
