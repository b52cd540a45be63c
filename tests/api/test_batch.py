"""`POST /api/queue/schedule/batch`: many schedule calls in one request, each answered as
its own call would be, all-or-nothing per item and never per batch."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from moph_connect.appointments.schemas import SEED_EXAMPLE
from moph_connect.db.models import Appointment, OutboxMessage
from moph_connect.hospitals.service import NewHospital
from tests.support.stack import Stack, wait_for

BATCH = "/api/queue/schedule/batch"


@pytest.fixture
def hospital_and_patients(shared_stack: Stack) -> tuple[NewHospital, list[str]]:
    """A key-mode hospital and the MOPH Connect IDs of three patients who picked it."""
    hospital = shared_stack.register_hospital()
    regists = []
    for name in ("ครูเพ็ญศรี", "สมชาย", "มาลี"):
        user = shared_stack.follow(name=name)
        regists.append(shared_stack.pick_hospital(user, hospital.hospital_id))
    return hospital, regists


def batch_item(regist_id: str, queue_number: str) -> dict[str, Any]:
    return {**SEED_EXAMPLE, "userId": regist_id, "queueNumber": queue_number}


def post_batch(stack: Stack, key: str, body: Any, path: str = BATCH) -> Any:
    return stack.api.post(path, json=body, headers={"Authorization": f"Bearer {key}"})


def count_rows(stack: Stack, hospital_id: str) -> tuple[int, int]:
    with stack.database.transaction() as session:
        appointments = session.scalar(
            select(func.count()).where(Appointment.hospital_id == hospital_id)
        )
        messages = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .join(Appointment, Appointment.id == OutboxMessage.appointment_id)
            .where(Appointment.hospital_id == hospital_id)
        )
        return int(appointments or 0), int(messages or 0)


def test_each_item_is_answered_in_its_place_and_refused_ones_leave_nothing(
    shared_stack: Stack, hospital_and_patients: tuple[NewHospital, list[str]]
) -> None:
    hospital, (first, second, third) = hospital_and_patients
    body = [
        batch_item(first, "A001"),
        {**batch_item(second, "A002"), "appointmentDate": "30 February"},  # invalid field
        "not an object",
        batch_item("0" * 24, "A003"),  # a MOPH Connect ID this hospital never issued
        batch_item(third, "A004"),
    ]
    response = post_batch(shared_stack, hospital.production_key, body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert [r["index"] for r in answer["results"]] == [0, 1, 2, 3, 4]
    assert [r["status"] for r in answer["results"]] == [202, 422, 400, 404, 202]
    assert (answer["accepted"], answer["refused"]) == (2, 3)
    invalid = answer["results"][1]["problem"]
    assert invalid["errors"][0]["field"] == "appointmentDate"
    assert answer["results"][2]["problem"]["errors"] == [
        {"field": "body", "reason": "must be a JSON object"}
    ]
    assert "not issued to this hospital" in answer["results"][3]["problem"]["detail"]
    accepted = answer["results"][0]["appointment"]
    assert {m["kind"] for m in accepted["messages"]} == {
        "reminder_day_before",
        "reminder_same_day",
    }
    assert answer["results"][1]["appointment"] is None
    assert count_rows(shared_stack, hospital.hospital_id) == (2, 4)


def test_an_item_gets_the_answer_its_single_call_gets(
    shared_stack: Stack, hospital_and_patients: tuple[NewHospital, list[str]]
) -> None:
    hospital, (first, second, _) = hospital_and_patients
    single = shared_stack.call(
        "/api/queue/schedule", hospital.production_key, batch_item(first, "B1")
    )
    assert single.status_code == 202, single.text
    batch = post_batch(shared_stack, hospital.production_key, [batch_item(second, "B1")])
    item = batch.json()["results"][0]["appointment"]
    one = single.json()
    for answer in (one, item):
        answer.pop("appointmentId")
    assert item == one


def test_a_repeated_batch_plans_nothing_new(
    shared_stack: Stack, hospital_and_patients: tuple[NewHospital, list[str]]
) -> None:
    hospital, regists = hospital_and_patients
    body = [batch_item(regist, f"C{n}") for n, regist in enumerate(regists)]
    first = post_batch(shared_stack, hospital.production_key, body).json()
    again = post_batch(shared_stack, hospital.production_key, body).json()
    assert again["accepted"] == 3
    for before, after in zip(first["results"], again["results"], strict=True):
        assert after["appointment"]["appointmentId"] == before["appointment"]["appointmentId"]
        assert {s["reason"] for s in after["appointment"]["skipped"]} == {"already planned"}
    assert count_rows(shared_stack, hospital.hospital_id) == (3, 6)


def test_the_whole_batch_is_refused_only_for_its_shape_or_its_key(
    shared_stack: Stack, hospital_and_patients: tuple[NewHospital, list[str]]
) -> None:
    hospital, (first, _, _) = hospital_and_patients
    no_key = shared_stack.api.post(BATCH, content=b"{not json")
    assert no_key.status_code == 401  # authentication before anything reads the body
    assert post_batch(shared_stack, hospital.test_key, [batch_item(first, "D1")]).status_code == 401
    for body, status, reason in (
        ({"userId": first}, 400, "must be a JSON array"),
        ([], 422, "must hold 1 to 1,000 calls"),
        ([batch_item(first, "D1")] * 1001, 422, "must hold 1 to 1,000 calls"),
    ):
        response = post_batch(shared_stack, hospital.production_key, body)
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["errors"] == [{"field": "body", "reason": reason}]
    assert count_rows(shared_stack, hospital.hospital_id) == (0, 0)


def test_a_thousand_items_fit_the_body_limit_and_more_bytes_get_413(
    shared_stack: Stack, hospital_and_patients: tuple[NewHospital, list[str]]
) -> None:
    hospital, (first, second, third) = hospital_and_patients
    regists = [first, second, third]
    body = [batch_item(regists[n % 3], f"E{n:04d}") for n in range(1000)]
    response = shared_stack.api.post(
        BATCH,
        json=body,
        headers={"Authorization": f"Bearer {hospital.production_key}"},
        timeout=300,  # a thousand bookings, on two cores that the other tests share
    )
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 1000
    assert count_rows(shared_stack, hospital.hospital_id) == (1000, 2000)
    huge = [{**batch_item(first, "F1"), "origin": "x" * 300, "patientName": "ก" * 2000}] * 1000
    too_large = post_batch(shared_stack, hospital.production_key, huge)
    assert too_large.status_code == 413


def test_the_test_environment_has_its_own_batch(
    shared_stack: Stack, hospital_and_patients: tuple[NewHospital, list[str]]
) -> None:
    hospital, _ = hospital_and_patients
    user = shared_stack.follow("test")
    regist = shared_stack.pick_hospital(user, hospital.hospital_id)
    path = "/test/api/queue/schedule/batch"
    assert post_batch(
        shared_stack, hospital.production_key, [batch_item(regist, "G1")], path
    ).status_code == (401)
    answer = post_batch(shared_stack, hospital.test_key, [batch_item(regist, "G1")], path).json()
    assert answer["results"][0]["appointment"]["environment"] == "test"


def test_the_batch_is_in_the_openapi(shared_stack: Stack) -> None:
    document = shared_stack.api.get("/openapi.json").json()
    for path in (BATCH, "/test/api/queue/schedule/batch"):
        operation = document["paths"][path]["post"]
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        assert schema["maxItems"] == 1000
        assert {"200", "401", "413", "422"} <= set(operation["responses"])


def test_the_planned_reminders_reach_the_patient(
    shared_stack: Stack, hospital_and_patients: tuple[NewHospital, list[str]]
) -> None:
    hospital, _ = hospital_and_patients
    user = shared_stack.follow(name="ครูเพ็ญศรี")
    regist = shared_stack.pick_hospital(user, hospital.hospital_id)
    before = len(shared_stack.inbox(user))
    answer = post_batch(shared_stack, hospital.production_key, [batch_item(regist, "J1")]).json()
    assert answer["accepted"] == 1

    def nothing_sending() -> bool:
        # The pick's reply is in the inbox before its row is marked sent: two days later
        # its lease would look expired, and the reply would go again in the reminder's
        # place (seen under load, 3 runs in 16).
        with shared_stack.database.transaction() as session:
            count = select(func.count()).where(OutboxMessage.status == "sending")
            return session.scalar(count.select_from(OutboxMessage)) == 0

    wait_for(nothing_sending, what="the pick's reply recorded as sent")
    # 09:00 in Bangkok the day before the seed's appointment (2018-04-30).
    shared_stack.clock.set(datetime(2018, 4, 29, 2, 0, tzinfo=UTC))
    reminder = shared_stack.wait_inbox(user, before + 1)[before]["message"]
    assert reminder["type"] == "flex"
    assert "J1" in json.dumps(reminder, ensure_ascii=False)
