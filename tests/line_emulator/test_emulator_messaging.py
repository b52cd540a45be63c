"""The Messaging API as our LINE client meets it: auth, validation, delivery, retry keys."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from line_contract.spec import validate
from tests.line_emulator.conftest import (
    PRODUCTION_TOKEN,
    TEST_TOKEN,
    Running,
    StartEmulator,
    text,
)

AUTH_FAILED = (
    "Authentication failed. Confirm that the access token in the authorization header is valid."
)


def queue_card(number: str) -> dict[str, Any]:
    return {
        "type": "flex",
        "altText": f"คิวของคุณ {number}",
        "contents": {
            "type": "bubble",
            "body": {
                "type": "box",
                "layout": "vertical",
                "contents": [
                    {"type": "text", "text": "โรงพยาบาลปทุมธานี", "weight": "bold"},
                    {"type": "text", "text": f"คิว {number}", "size": "xl"},
                ],
            },
            "footer": {
                "type": "box",
                "layout": "vertical",
                "contents": [
                    {
                        "type": "button",
                        "action": {"type": "uri", "label": "ดูคิว", "uri": "https://q.example/1"},
                    }
                ],
            },
        },
    }


def assert_error_shape(response: httpx.Response) -> None:
    assert response.headers["content-type"] == "application/json"
    assert validate("messaging-api", "ErrorResponse", response.json()) == []
    assert uuid.UUID(response.headers["x-line-request-id"])


def auth(token: str = PRODUCTION_TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer nope"}, {"Authorization": f"Basic {PRODUCTION_TOKEN}"}],
)
def test_requests_without_a_valid_token_are_401(emulator: Running, headers: dict[str, str]) -> None:
    user = emulator.follow()
    for method, path, body in [
        ("POST", "/v2/bot/message/push", {"to": user, "messages": [text("x")]}),
        ("POST", "/v2/bot/message/multicast", {"to": [user], "messages": [text("x")]}),
        ("POST", "/v2/bot/message/reply", {"replyToken": "x", "messages": [text("x")]}),
        ("GET", f"/v2/bot/profile/{user}", None),
    ]:
        response = emulator.http.request(method, path, json=body, headers=headers)
        assert response.status_code == 401
        assert response.json() == {"message": AUTH_FAILED}
        assert_error_shape(response)
    assert emulator.inbox(user)["messages"] == []
    assert emulator.http.get("/control/stats").json()["unauthorized"] == 4


def test_a_valid_push_is_delivered_exactly_as_sent(emulator: Running) -> None:
    user = emulator.follow()
    messages = [text("สวัสดีค่ะ\nคุณมีนัดพรุ่งนี้"), queue_card("A012")]
    key = str(uuid.uuid4())
    response = emulator.push(user, messages, retry_key=key)

    assert response.status_code == 200, response.text
    body = response.json()
    assert validate("messaging-api", "PushMessageResponse", body) == []
    assert len(body["sentMessages"]) == 2
    assert all(re.fullmatch(r"\d{15,19}", sent["id"]) for sent in body["sentMessages"])
    assert body["sentMessages"][0]["quoteToken"]  # a text can be quoted
    assert "quoteToken" not in body["sentMessages"][1]  # a Flex message cannot
    request_id = response.headers["x-line-request-id"]
    assert uuid.UUID(request_id)

    inbox = emulator.inbox(user)
    assert inbox["userId"] == user
    assert inbox["channel"] == "production"
    assert inbox["deliveries"] == 1
    assert [entry["message"] for entry in inbox["messages"]] == messages
    for entry in inbox["messages"]:
        assert entry["via"] == "push"
        assert entry["requestId"] == request_id
        assert entry["retryKey"] == key
        # receivedAt follows the emulator's (simulated) clock, in UTC
        assert datetime.fromisoformat(entry["receivedAt"]) == emulator.clock.now()
    stats = emulator.stats()
    assert (stats["accepted"], stats["deliveries"], stats["messagesDelivered"]) == (1, 1, 2)


def test_schema_violations_are_400_with_line_style_details(emulator: Running) -> None:
    user = emulator.follow()
    card = queue_card("A1")
    del card["contents"]["body"]["layout"]
    response = emulator.push(user, [card])

    assert response.status_code == 400
    assert_error_shape(response)
    assert response.json() == {
        "message": "The request body has 1 error(s)",
        "details": [
            {"message": "must be specified", "property": "messages[0].contents.body.layout"}
        ],
    }
    assert emulator.inbox(user)["messages"] == []
    assert emulator.stats()["badRequests"] == 1


@pytest.mark.parametrize(
    ("messages", "prop"),
    [
        ([{"type": "txt", "text": "x"}], "messages[0].type"),
        ([text("x")] * 6, "messages"),
        ([], "messages"),
        ([text("ก" * 5001)], "messages[0].text"),
        ([text("")], "messages[0].text"),
        ([{**queue_card("1"), "altText": "a" * 1501}], "messages[0].altText"),
    ],
)
def test_messages_line_rejects_are_rejected(
    emulator: Running, messages: list[dict[str, Any]], prop: str
) -> None:
    user = emulator.follow()
    response = emulator.http.post(
        "/v2/bot/message/push", json={"to": user, "messages": messages}, headers=auth()
    )
    assert response.status_code == 400, response.text
    assert_error_shape(response)
    assert [detail["property"] for detail in response.json()["details"]] == [prop]


def test_a_body_that_is_not_json_is_400(emulator: Running) -> None:
    response = emulator.http.post(
        "/v2/bot/message/push", content=b"{not json", headers=auth() | {"Content-Type": "x"}
    )
    assert response.status_code == 400
    assert_error_shape(response)
    assert response.json()["message"] == "The request body has 1 error(s)"


def test_a_retry_key_already_accepted_is_409_and_delivers_nothing_more(
    emulator: Running,
) -> None:
    user = emulator.follow()
    key = str(uuid.uuid4())
    first = emulator.push(user, [text("คิว A1")], retry_key=key)
    second = emulator.push(user, [text("คิว A1")], retry_key=key)

    assert first.status_code == 200
    assert second.status_code == 409
    assert_error_shape(second)
    assert second.json()["message"] == "The retry key is already accepted"
    assert second.json()["sentMessages"] == first.json()["sentMessages"]
    assert second.headers["x-line-accepted-request-id"] == first.headers["x-line-request-id"]
    assert emulator.inbox(user)["deliveries"] == 1
    assert emulator.stats()["conflicts"] == 1
    # Keys are per channel: the test channel has not seen this one.
    other = emulator.follow("test")
    assert emulator.push(other, token=TEST_TOKEN, retry_key=key).status_code == 200


def test_a_retry_key_must_be_a_uuid(emulator: Running) -> None:
    user = emulator.follow()
    response = emulator.push(user, retry_key="not-a-uuid")
    assert response.status_code == 400
    assert_error_shape(response)
    assert emulator.inbox(user)["messages"] == []


def test_a_failed_request_does_not_consume_its_retry_key(emulator: Running) -> None:
    user = emulator.follow()
    key = str(uuid.uuid4())
    assert emulator.push(user, [{"type": "text"}], retry_key=key).status_code == 400
    emulator.http.post("/control/faults", json={"kind": "500", "count": 1})
    assert emulator.push(user, retry_key=key).status_code == 500
    assert emulator.push(user, retry_key=key).status_code == 200
    assert emulator.push(user, retry_key=key).status_code == 409
    assert emulator.inbox(user)["deliveries"] == 1


def test_over_the_rate_limit_is_429(start_emulator: StartEmulator) -> None:
    running = start_emulator(rate_limit_per_second=5.0)
    user = running.follow()
    responses = [running.push(user) for _ in range(8)]
    statuses = [response.status_code for response in responses]
    assert statuses[0] == 200
    # A burst of one, then one request per 200 ms: 8 requests in well under that window
    # mostly bounce (a slow machine may let one more through).
    assert statuses.count(429) >= 5
    limited = next(response for response in responses if response.status_code == 429)
    assert limited.json() == {"message": "The API rate limit has been exceeded. Try again later."}
    assert_error_shape(limited)
    assert running.stats()["rateLimited"] == statuses.count(429)
    assert running.inbox(user)["deliveries"] == statuses.count(200)
    time.sleep(0.25)
    assert running.push(user).status_code == 200


def test_a_user_who_blocked_the_channel_gets_nothing_but_the_push_succeeds(
    emulator: Running,
) -> None:
    user = emulator.follow()
    emulator.http.post(f"/control/users/{user}/unfollow")
    response = emulator.push(user)
    assert response.status_code == 200
    assert response.json()["sentMessages"]
    assert emulator.inbox(user)["messages"] == []
    assert emulator.stats()["accepted"] == 1
    assert emulator.stats()["deliveries"] == 0


def test_pushing_to_someone_who_never_followed_is_400(emulator: Running) -> None:
    stranger = "U" + "0" * 32
    response = emulator.push(stranger)
    assert response.status_code == 400
    assert_error_shape(response)
    assert response.json()["message"] == "Failed to send messages"
    assert [d["property"] for d in response.json()["details"]] == ["to"]
    # A follower of the other channel is a stranger here (user IDs are per channel).
    assert emulator.push(emulator.follow("test")).status_code == 400
    # Not an ID at all (e.g. a LINE ID): LINE names the property.
    malformed = emulator.push("somchai.line")
    assert malformed.status_code == 400
    assert "'to'" in malformed.json()["message"]


def reply(running: Running, token: str, token_of: str = PRODUCTION_TOKEN) -> httpx.Response:
    return running.http.post(
        "/v2/bot/message/reply",
        json={"replyToken": token, "messages": [text("ยินดีต้อนรับค่ะ")]},
        headers=auth(token_of),
    )


def test_a_reply_token_works_once(emulator: Running) -> None:
    created = emulator.http.post(
        "/control/channels/production/users", json={"displayName": "ก"}
    ).json()
    user, token = created["userId"], created["replyToken"]

    assert reply(emulator, token, TEST_TOKEN).status_code == 400  # another channel's
    first = reply(emulator, token)
    assert first.status_code == 200
    assert validate("messaging-api", "ReplyMessageResponse", first.json()) == []
    again = reply(emulator, token)
    assert again.status_code == 400
    assert again.json() == {"message": "Invalid reply token"}
    assert reply(emulator, "made-up").status_code == 400
    (entry,) = emulator.inbox(user)["messages"]
    assert entry["via"] == "reply"
    assert entry["requestId"] == first.headers["x-line-request-id"]


def test_a_reply_token_expires_after_a_minute(emulator: Running) -> None:
    user = emulator.follow()
    event = emulator.http.post(f"/control/users/{user}/text", json={"text": "สวัสดี"}).json()
    late = emulator.http.post(f"/control/users/{user}/postback", json={"data": "a=1"}).json()

    emulator.clock.advance(timedelta(seconds=61))
    assert reply(emulator, event["replyToken"]).status_code == 400
    emulator.clock.advance(timedelta(seconds=-2))  # 59 s after the postback
    assert reply(emulator, late["replyToken"]).status_code == 200


def test_multicast_reaches_every_follower_once(emulator: Running) -> None:
    first, second, blocked = emulator.follow(), emulator.follow(), emulator.follow()
    emulator.http.post(f"/control/users/{blocked}/unfollow")
    stranger = "U" + "f" * 32
    key = str(uuid.uuid4())
    body = {"to": [first, second, first, blocked, stranger], "messages": [queue_card("B7")]}
    headers = auth() | {"X-Line-Retry-Key": key}

    response = emulator.http.post("/v2/bot/message/multicast", json=body, headers=headers)
    assert response.status_code == 200
    assert response.json() == {}
    for user in (first, second):
        (entry,) = emulator.inbox(user)["messages"]
        assert (entry["via"], entry["retryKey"]) == ("multicast", key)
    assert emulator.inbox(blocked)["messages"] == []

    again = emulator.http.post("/v2/bot/message/multicast", json=body, headers=headers)
    assert again.status_code == 409
    assert "sentMessages" not in again.json()
    bad = emulator.http.post(
        "/v2/bot/message/multicast", json={**body, "to": [first, "nobody"]}, headers=auth()
    )
    assert bad.status_code == 400
    assert "'to[1]'" in bad.json()["message"]


def test_profiles(emulator: Running) -> None:
    thai = emulator.follow(name="สมชาย")
    english = emulator.follow(name="John", language="en")
    unknown_language = emulator.follow(name="X", language=None)

    response = emulator.http.get(f"/v2/bot/profile/{thai}", headers=auth())
    assert response.status_code == 200
    assert response.json() == {"userId": thai, "displayName": "สมชาย", "language": "th"}
    assert validate("messaging-api", "UserProfileResponse", response.json()) == []
    english_profile = emulator.http.get(f"/v2/bot/profile/{english}", headers=auth()).json()
    assert english_profile["language"] == "en"
    no_language = emulator.http.get(f"/v2/bot/profile/{unknown_language}", headers=auth())
    assert "language" not in no_language.json()

    for user, token in [("U" + "1" * 32, PRODUCTION_TOKEN), (thai, TEST_TOKEN)]:
        missing = emulator.http.get(f"/v2/bot/profile/{user}", headers=auth(token))
        assert missing.status_code == 404
        assert missing.json() == {"message": "Not found"}
    emulator.http.post(f"/control/users/{thai}/unfollow")
    assert emulator.http.get(f"/v2/bot/profile/{thai}", headers=auth()).status_code == 404


def test_unknown_paths_answer_in_json(emulator: Running) -> None:
    response = emulator.http.get("/v2/bot/nothing-here", headers=auth())
    assert response.status_code == 404
    assert response.json() == {"message": "Not found"}
    wrong_method = emulator.http.get("/v2/bot/message/push", headers=auth())
    assert wrong_method.status_code == 405
    assert "message" in wrong_method.json()


def test_a_type_that_is_not_a_string_is_400_not_a_crash(emulator: Running) -> None:
    user = emulator.follow()
    response = emulator.push(user, [{"type": ["text"], "text": "x"}])
    assert response.status_code == 400
    assert_error_shape(response)


def test_concurrent_requests_with_one_retry_key_deliver_once(emulator: Running) -> None:
    user = emulator.follow()
    key = str(uuid.uuid4())
    body = {"to": user, "messages": [queue_card("C3")]}
    headers = auth() | {"X-Line-Retry-Key": key}

    async def race() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=emulator.server.base_url) as client:
            return await asyncio.gather(
                *(
                    client.post("/v2/bot/message/push", json=body, headers=headers)
                    for _ in range(20)
                )
            )

    statuses = sorted(response.status_code for response in asyncio.run(race()))
    assert statuses == [200] + [409] * 19
    assert emulator.inbox(user)["deliveries"] == 1
