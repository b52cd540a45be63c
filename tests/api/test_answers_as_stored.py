"""A call's answer lists the appointment's messages as the database holds them once the
call committed, although a call on an appointment that exists no longer reads them back
(issue 12: one round trip fewer); `GET /api/queue/{id}` reads them, so the two must agree
after every kind of call, with a message already sent, cancelled or skipped. No dispatcher
runs (it would change the statuses between the call and the look-up): the test marks
the queue card sent as the dispatcher would."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from moph_connect.db.models import OutboxMessage
from moph_connect.hospitals.service import NewHospital
from tests.api.test_round_trips import _patient, quiet_stack
from tests.support.stack import Stack

__all__ = ["quiet_stack"]  # the fixture: a stack without a dispatcher polling


@pytest.fixture
def patient(quiet_stack: Stack, request: pytest.FixtureRequest) -> tuple[NewHospital, str]:
    """A hospital and its patient, written directly (no dispatcher sends the chat)."""
    line_user_id = "U" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:32]
    return _patient(quiet_stack, line_user_id)


def _body(regist_id: str, queue_number: str, day: str = "2018-04-30") -> dict[str, Any]:
    return {
        "hospitalName": "โรงพยาบาลปทุมธานี",
        "userId": regist_id,
        "patientName": "ครูเพ็ญศรี",
        "appointmentDate": day,
        "appointmentTime": "09:00",
        "queueNumber": queue_number,
        "origin": "แผนกอายุรกรรม",
        "detailsLink": "https://pth.example/queue",
        "currentQueueLink": "https://pth.example/queue/now",
    }


def _agrees_with_storage(stack: Stack, key: str, answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code == 202, answer.text
    called = answer.json()
    stored = stack.api.get(
        f"/api/queue/{called['appointmentId']}", headers={"Authorization": f"Bearer {key}"}
    )
    assert stored.status_code == 200, stored.text
    assert called["messages"] == stored.json()["messages"]
    return called


def test_every_kind_of_call_answers_the_messages_as_stored(
    quiet_stack: Stack, patient: tuple[NewHospital, str]
) -> None:
    hospital, regist_id = patient
    key = hospital.production_key
    body = _body(regist_id, "A101")

    def call(path: str, sent: dict[str, Any]) -> dict[str, Any]:
        return _agrees_with_storage(quiet_stack, key, quiet_stack.call(path, key, sent))

    booked = call("/api/queue", body)
    assert [m["kind"] for m in booked["messages"]] == ["queue_card"]
    with quiet_stack.database.transaction() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.appointment_id == booked["appointmentId"])
            .values(status="sent", sent_at=quiet_stack.clock.now())
        )

    scheduled = call("/api/queue/schedule", body)
    assert {m["kind"]: m["status"] for m in scheduled["messages"]}["queue_card"] == "sent"
    assert call("/api/queue/schedule", body)["messages"] == scheduled["messages"]
    called = call("/api/queue/notify", body)  # the reminders still pending are cancelled
    statuses = {m["kind"]: m["status"] for m in called["messages"]}
    assert statuses["queue_near"] == "pending"
    assert "cancelled" in statuses.values()
    call("/api/alert", {**body, "header": "งดน้ำงดอาหาร"})
    call("/api/queue/notify", body)  # nothing new: all skipped
    corrected = call("/api/queue/schedule", {**body, "appointmentTime": "10:30"})
    assert corrected["messages"] == call("/api/queue/schedule", body)["messages"]


def test_a_moved_appointment_answers_its_messages_as_stored(
    quiet_stack: Stack, patient: tuple[NewHospital, str]
) -> None:
    hospital, regist_id = patient
    key = hospital.production_key

    def call(path: str, sent: dict[str, Any]) -> dict[str, Any]:
        return _agrees_with_storage(quiet_stack, key, quiet_stack.call(path, key, sent))

    first = call("/api/queue/schedule", _body(regist_id, "B7"))
    moved = call("/api/queue/schedule", _body(regist_id, "B7", day="2018-05-02"))
    assert moved["appointmentId"] == first["appointmentId"]
    assert "appointment_moved" in [m["kind"] for m in moved["messages"]]
    call("/api/queue/schedule", _body(regist_id, "B7", day="2018-05-02"))
