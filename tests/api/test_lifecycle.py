"""Cancelling and moving appointments, from the hospital's side."""

from __future__ import annotations

from typing import Any

import pytest

from moph_connect.appointments.schemas import SEED_EXAMPLE
from moph_connect.hospitals.service import NewHospital
from tests.support.stack import Stack


@pytest.fixture
def booked(shared_stack: Stack) -> tuple[NewHospital, str, str, dict[str, Any]]:
    hospital = shared_stack.register_hospital()
    user = shared_stack.follow()
    regist = shared_stack.pick_hospital(user, hospital.hospital_id)
    body = {**SEED_EXAMPLE, "userId": regist}
    for path in ("/api/queue", "/api/queue/schedule"):
        assert shared_stack.call(path, hospital.production_key, body).status_code == 202
    shared_stack.wait_inbox(user, 3)  # welcome, booking link, queue card
    return hospital, user, regist, body


def statuses(answer: dict[str, Any]) -> dict[str, str]:
    return {m["kind"]: m["status"] for m in answer["messages"]}


def test_cancel_by_call_cancels_pending_and_tells_the_patient(
    shared_stack: Stack, booked: tuple[NewHospital, str, str, dict[str, Any]]
) -> None:
    hospital, user, _, body = booked
    before = len(shared_stack.inbox(user))
    response = shared_stack.call("/api/queue/cancel", hospital.production_key, body)
    assert response.status_code == 202, response.text
    answer = response.json()
    assert answer["status"] == "cancelled"
    kinds = statuses(answer)
    assert kinds["reminder_day_before"] == "cancelled"
    assert kinds["reminder_same_day"] == "cancelled"
    assert "appointment_cancelled" in kinds
    notice = shared_stack.wait_inbox(user, before + 1)[before]["message"]
    assert "ยกเลิก" in notice["altText"]

    again = shared_stack.call("/api/queue/cancel", hospital.production_key, body)
    assert again.status_code == 202
    notices = [m for m in again.json()["messages"] if m["kind"] == "appointment_cancelled"]
    assert len(notices) == 1  # cancelling twice tells the patient once
    rebook = shared_stack.call("/api/queue", hospital.production_key, body)
    assert rebook.status_code == 409
    assert rebook.headers["content-type"].startswith("application/problem+json")


def test_delete_by_id_only_for_the_owner(
    shared_stack: Stack, booked: tuple[NewHospital, str, str, dict[str, Any]]
) -> None:
    hospital, _, _, body = booked
    appointment_id = shared_stack.call("/api/queue", hospital.production_key, body).json()[
        "appointmentId"
    ]
    other = shared_stack.register_hospital("โรงพยาบาลอื่น")
    refused = shared_stack.api.delete(
        f"/api/queue/{appointment_id}", headers={"Authorization": f"Bearer {other.production_key}"}
    )
    assert refused.status_code == 404
    deleted = shared_stack.api.delete(
        f"/api/queue/{appointment_id}",
        headers={"Authorization": f"Bearer {hospital.production_key}"},
    )
    assert deleted.status_code == 202
    assert deleted.json()["status"] == "cancelled"


def test_cancel_of_an_unknown_appointment_is_404(
    shared_stack: Stack, booked: tuple[NewHospital, str, str, dict[str, Any]]
) -> None:
    hospital, _, _, body = booked
    response = shared_stack.call(
        "/api/queue/cancel", hospital.production_key, {**body, "queueNumber": "ไม่มีคิวนี้"}
    )
    assert response.status_code == 404


def test_a_new_date_for_the_same_queue_number_moves_the_appointment(
    shared_stack: Stack, booked: tuple[NewHospital, str, str, dict[str, Any]]
) -> None:
    hospital, user, _, body = booked
    first = shared_stack.call("/api/queue", hospital.production_key, body).json()
    before = len(shared_stack.inbox(user))
    moved_body = {**body, "appointmentDate": "2018-05-02"}
    moved = shared_stack.call("/api/queue/schedule", hospital.production_key, moved_body)
    assert moved.status_code == 202, moved.text
    answer = moved.json()
    assert answer["appointmentId"] == first["appointmentId"]
    assert answer["appointmentDate"] == "2018-05-02"
    due = [(m["kind"], m["status"], m["dueAt"]) for m in answer["messages"]]
    assert ("reminder_day_before", "cancelled", "2018-04-29T09:00:00+07:00") in due
    assert ("reminder_day_before", "pending", "2018-05-01T09:00:00+07:00") in due
    assert ("reminder_same_day", "pending", "2018-05-02T06:00:00+07:00") in due
    notice = shared_stack.wait_inbox(user, before + 1)[before]["message"]
    assert "2561" in str(notice)  # the new date, in Thai
    # A queue call for the new date sends no second queue card: the notice replaced it.
    again = shared_stack.call("/api/queue", hospital.production_key, moved_body).json()
    assert [s["kind"] for s in again["skipped"]] == ["queue_card"]


def test_moved_back_to_its_first_date_the_reminders_are_planned_again(
    shared_stack: Stack, booked: tuple[NewHospital, str, str, dict[str, Any]]
) -> None:
    # A hospital moves an appointment to another day and then back: the first day's
    # reminders, cancelled by the first move, must be planned again (they were "already
    # planned": the cancelled rows' dedup keys blocked them, and the patient got none).
    hospital, _, _, body = booked
    moved_body = {**body, "appointmentDate": "2018-05-02"}
    assert shared_stack.call("/api/queue/schedule", hospital.production_key, moved_body).json()
    back = shared_stack.call("/api/queue/schedule", hospital.production_key, body)
    assert back.status_code == 202, back.text
    answer = back.json()
    assert answer["appointmentDate"] == body["appointmentDate"]
    assert answer["skipped"] == []
    due = [(m["kind"], m["status"], m["dueAt"]) for m in answer["messages"]]
    assert ("reminder_day_before", "pending", "2018-04-29T09:00:00+07:00") in due
    assert ("reminder_same_day", "pending", "2018-04-30T06:00:00+07:00") in due
    assert ("reminder_day_before", "cancelled", "2018-05-01T09:00:00+07:00") in due
    # And a repeat of the call plans nothing twice.
    repeat = shared_stack.call("/api/queue/schedule", hospital.production_key, body).json()
    reminders = [
        m["kind"]
        for m in repeat["messages"]
        if m["status"] == "pending" and m["kind"].startswith("reminder_")
    ]
    assert sorted(reminders) == ["reminder_day_before", "reminder_same_day"]
