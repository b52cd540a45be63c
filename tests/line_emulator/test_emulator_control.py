"""The control API's own contract: listings, stats, reset, and its errors."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.line_emulator.conftest import Running, StartEmulator, text


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/control/channels/staging/users", {"displayName": "ก"}, 404),
        ("GET", "/control/channels/staging/users", None, 404),
        ("POST", "/control/channels/production/users", {}, 400),
        ("POST", "/control/channels/production/users", {"displayName": ""}, 400),
        ("POST", "/control/channels/production/users", {"displayName": 7}, 400),
        ("POST", "/control/channels/production/users", [1], 400),
        ("POST", "/control/users/U0/text", {"text": "x"}, 404),
        ("GET", "/control/users/U0/inbox", None, 404),
        ("POST", "/control/users/{user}/text", {}, 400),
        ("POST", "/control/users/{user}/text", {"text": ["x"]}, 400),
        ("POST", "/control/users/{user}/location", {"latitude": 91, "longitude": 0}, 400),
        ("POST", "/control/users/{user}/location", {"latitude": True, "longitude": 0}, 400),
        ("POST", "/control/users/{user}/location", {"longitude": 0}, 400),
        ("POST", "/control/users/{user}/postback", {"data": "a", "params": {"n": 1}}, 400),
        ("POST", "/control/users/{user}/postback", {"params": {}}, 400),
        ("POST", "/control/users/{user}/follow", None, 409),  # already following
        ("POST", "/control/faults", {"kind": "503", "count": 1}, 400),
        ("POST", "/control/faults", {"kind": "500", "count": 0}, 400),
        ("POST", "/control/faults", {"kind": "500", "count": True}, 400),
        ("POST", "/control/faults", {"kind": "500", "count": 1, "channel": "x"}, 400),
        ("POST", "/control/faults", {"kind": "timeout", "count": 1, "timeoutSeconds": -1}, 400),
        ("DELETE", "/control/stats", None, 405),
    ],
)
def test_bad_control_requests_are_4xx_with_a_message(
    emulator: Running, method: str, path: str, body: Any, status: int
) -> None:
    user = emulator.follow()
    response = emulator.http.request(method, path.format(user=user), json=body)
    assert response.status_code == status, response.text
    assert isinstance(response.json()["message"], str)


def test_invalid_json_is_400(emulator: Running) -> None:
    response = emulator.http.post(
        "/control/channels/production/users", content=b"{", headers={"Content-Type": "x"}
    )
    assert response.status_code == 400
    assert "JSON" in response.json()["message"]


def test_a_blocked_user_cannot_write_until_following_again(emulator: Running) -> None:
    user = emulator.follow()
    assert emulator.http.post(f"/control/users/{user}/unfollow").status_code == 200
    assert emulator.http.post(f"/control/users/{user}/unfollow").status_code == 409
    assert emulator.http.post(f"/control/users/{user}/text", json={"text": "x"}).status_code == 409
    assert emulator.http.post(f"/control/users/{user}/follow").status_code == 200
    assert emulator.http.post(f"/control/users/{user}/text", json={"text": "x"}).status_code == 200


def test_users_are_listed_per_channel(start_emulator: StartEmulator) -> None:
    emulator = start_emulator()
    first = emulator.follow(name="หนึ่ง")
    second = emulator.follow(name="Two", language="en")
    emulator.follow("test")
    emulator.http.post(f"/control/users/{second}/unfollow")
    listed = emulator.http.get("/control/channels/production/users").json()
    assert listed == {
        "channel": "production",
        "users": [
            {"userId": first, "displayName": "หนึ่ง", "language": "th", "following": True},
            {"userId": second, "displayName": "Two", "language": "en", "following": False},
        ],
    }


def test_stats_count_what_happened(emulator: Running) -> None:
    user = emulator.follow()
    key = str(uuid.uuid4())
    emulator.push(user, [text("1"), text("2")], retry_key=key)
    emulator.push(user, retry_key=key)
    emulator.push(user, [{"type": "text"}])
    emulator.http.post("/control/faults", json={"kind": "500", "count": 1})
    emulator.push(user)
    emulator.push(user, token="wrong")

    stats = emulator.http.get("/control/stats").json()
    assert stats["unauthorized"] == 1
    assert stats["channels"]["production"] == {
        "requests": 4,
        "accepted": 1,
        "deliveries": 1,
        "messagesDelivered": 2,
        "rateLimited": 0,
        "conflicts": 1,
        "badRequests": 1,
        "faultsInjected": 1,
    }
    assert set(stats["channels"]["test"].values()) == {0}


def test_reset_forgets_everything_but_the_users(start_emulator: StartEmulator) -> None:
    emulator = start_emulator()
    user = emulator.follow()
    key = str(uuid.uuid4())
    assert emulator.push(user, retry_key=key).status_code == 200
    emulator.http.post("/control/faults", json={"kind": "500", "count": 3})

    reset = emulator.http.post("/control/reset")
    assert reset.status_code == 200
    assert reset.json()["channels"]["production"]["accepted"] == 0
    assert emulator.inbox(user) == {
        "userId": user,
        "channel": "production",
        "messages": [],
        "deliveries": 0,
    }
    assert emulator.http.get("/control/faults").json() == {"faults": []}
    assert emulator.push(user, retry_key=key).status_code == 200  # the key is forgotten too
    assert [
        u["userId"] for u in emulator.http.get("/control/channels/production/users").json()["users"]
    ] == [user]


def test_health(emulator: Running) -> None:
    assert emulator.http.get("/control/health").json() == {
        "status": "ok",
        "channels": ["production", "test"],
    }
