"""The hospital API over real HTTP, with the LINE emulator as LINE, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from moph_connect.appointments.schemas import SEED_EXAMPLE
from moph_connect.hospitals.service import NewHospital
from moph_connect.line.spec import validate
from tests.support.stack import Stack, running_stack

# 2018-04-27 10:00 in Bangkok: three days before the seed's appointment.
START = datetime(2018, 4, 27, 3, 0, tzinfo=UTC)


@pytest.fixture
def stack(database_url: str) -> Iterator[Stack]:
    with running_stack(database_url, START) as running:
        yield running


@pytest.fixture
def hospital(stack: Stack) -> NewHospital:
    return stack.register_hospital()


def seed_body(regist: str, **changes: Any) -> dict[str, Any]:
    return {**SEED_EXAMPLE, "userId": regist, **changes}


def test_queue_call_sends_the_queue_card_once(stack: Stack, hospital: NewHospital) -> None:
    user = stack.follow()
    regist = stack.pick_hospital(user, hospital.hospital_id)
    assert len(regist) == 24 and regist == regist.lower()
    before = len(stack.inbox(user))

    first = stack.call("/api/queue", hospital.production_key, seed_body(regist))
    assert first.status_code == 202, first.text
    answer = first.json()
    assert [m["kind"] for m in answer["messages"]] == ["queue_card"]
    assert answer["messages"][0]["dueAt"] == "2018-04-27T10:00:00+07:00"

    again = stack.call("/api/queue", hospital.production_key, seed_body(regist))
    assert again.status_code == 202
    assert again.json()["appointmentId"] == answer["appointmentId"]
    assert again.json()["skipped"] == [{"kind": "queue_card", "reason": "already planned"}]

    inbox = stack.wait_inbox(user, before + 1)
    card = inbox[before]["message"]
    assert card["type"] == "flex"
    assert validate("messaging-api", "Message", card) == []
    assert "1221" in card["altText"]
    stack.clock.advance(__import__("datetime").timedelta(seconds=1))
    import time

    time.sleep(0.5)
    assert len(stack.inbox(user)) == before + 1  # never a second card

    status = stack.api.get(
        f"/api/queue/{answer['appointmentId']}",
        headers={"Authorization": f"Bearer {hospital.production_key}"},
    )
    assert status.status_code == 200
    assert status.json()["messages"][0]["status"] == "sent"
