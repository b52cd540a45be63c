"""Injected faults: the next N sends fail as asked, then the platform recovers."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from tests.line_emulator.conftest import TEST_TOKEN, Running


@pytest.mark.parametrize(
    ("kind", "status", "message"),
    [
        ("500", 500, "An internal server error occurred"),
        ("429", 429, "The API rate limit has been exceeded. Try again later."),
    ],
)
def test_n_requests_fail_then_recover(
    emulator: Running, kind: str, status: int, message: str
) -> None:
    user = emulator.follow()
    added = emulator.http.post("/control/faults", json={"kind": kind, "count": 2})
    assert added.status_code == 201
    assert added.json()["faults"] == [
        {"channel": None, "kind": kind, "remaining": 2, "timeoutSeconds": 30.0}
    ]

    first, second = emulator.push(user), emulator.push(user)
    assert (first.status_code, second.status_code) == (status, status)
    assert first.json() == {"message": message}
    assert emulator.http.get("/control/faults").json() == {"faults": []}
    assert emulator.push(user).status_code == 200
    assert emulator.inbox(user)["deliveries"] == 1
    stats = emulator.stats()
    assert (stats["faultsInjected"], stats["rateLimited"], stats["accepted"]) == (2, 0, 1)


def test_a_timeout_fault_holds_the_request_until_the_client_gives_up(
    emulator: Running,
) -> None:
    user = emulator.follow()
    emulator.http.post(
        "/control/faults", json={"kind": "timeout", "count": 1, "timeoutSeconds": 20}
    )
    key = str(uuid.uuid4())
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        emulator.push(user, retry_key=key, timeout=0.3)
    assert time.monotonic() - started < 5
    # The retry goes through and delivers once: the held request never delivered.
    assert emulator.push(user, retry_key=key).status_code == 200
    assert emulator.inbox(user)["deliveries"] == 1


def test_a_short_timeout_fault_answers_500(emulator: Running) -> None:
    user = emulator.follow()
    emulator.http.post(
        "/control/faults", json={"kind": "timeout", "count": 1, "timeoutSeconds": 0.2}
    )
    started = time.monotonic()
    response = emulator.push(user)
    assert response.status_code == 500
    assert time.monotonic() - started >= 0.2


def test_faults_for_one_channel_leave_the_other_alone(emulator: Running) -> None:
    production, test = emulator.follow(), emulator.follow("test")
    emulator.http.post("/control/faults", json={"kind": "500", "count": 1, "channel": "test"})
    assert emulator.push(production).status_code == 200
    assert emulator.push(test, token=TEST_TOKEN).status_code == 500
    assert emulator.push(test, token=TEST_TOKEN).status_code == 200


def test_faults_queue_in_order_and_can_be_cleared(emulator: Running) -> None:
    user = emulator.follow()
    emulator.http.post("/control/faults", json={"kind": "429", "count": 1})
    emulator.http.post("/control/faults", json={"kind": "500", "count": 5})
    assert emulator.push(user).status_code == 429
    assert emulator.push(user).status_code == 500
    cleared = emulator.http.delete("/control/faults")
    assert cleared.json() == {"faults": []}
    assert emulator.push(user).status_code == 200


def test_profile_requests_are_not_faulted(emulator: Running) -> None:
    user = emulator.follow()
    emulator.http.post("/control/faults", json={"kind": "500", "count": 1})
    headers = {"Authorization": "Bearer emulator-production-access-token"}
    assert emulator.http.get(f"/v2/bot/profile/{user}", headers=headers).status_code == 200
    assert emulator.push(user).status_code == 500
