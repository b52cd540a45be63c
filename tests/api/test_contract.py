"""The hospital API's contract: authentication, validation, idempotency, environments.

Every error must be `application/problem+json` naming the field and the reason, and no
input may produce a 500.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from moph_connect.appointments.schemas import SEED_EXAMPLE
from moph_connect.hospitals.service import NewHospital
from tests.support.stack import Stack


def body(regist: str, **changes: Any) -> dict[str, Any]:
    return {**SEED_EXAMPLE, "userId": regist, **changes}


def assert_problem(response: httpx.Response, status: int, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status
    assert problem["title"] and problem["detail"] and problem["type"].startswith("https://")
    if field is not None:
        fields = [error["field"] for error in problem["errors"]]
        assert field in fields, problem


# -- authentication -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Basic abc", "Bearer mcp_live_not-a-real-key", "Bearer wrong"],
)
def test_missing_or_wrong_key_is_401(
    shared_stack: Stack, patient: tuple[NewHospital, str], authorization: str | None
) -> None:
    _, regist = patient
    headers = {} if authorization is None else {"Authorization": authorization}
    response = shared_stack.api.post("/api/queue", json=body(regist), headers=headers)
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


def test_keys_open_only_their_environment(
    shared_stack: Stack, patient: tuple[NewHospital, str]
) -> None:
    hospital, regist = patient
    on_test = shared_stack.call("/test/api/queue", hospital.production_key, body(regist))
    assert_problem(on_test, 401)
    assert "production key" in on_test.json()["detail"]
    on_production = shared_stack.call("/api/queue", hospital.test_key, body(regist))
    assert_problem(on_production, 401)


def test_keys_carry_their_environment_prefix(patient: tuple[NewHospital, str]) -> None:
    hospital, _ = patient
    assert hospital.production_key.startswith("mcp_live_")
    assert hospital.test_key.startswith("mcp_test_")
    assert hospital.production_key != hospital.test_key


# -- who the patient is ---------------------------------------------------------------------


def test_unknown_user_id_is_404(shared_stack: Stack, patient: tuple[NewHospital, str]) -> None:
    hospital, _ = patient
    response = shared_stack.call("/api/queue", hospital.production_key, body("0" * 24))
    assert_problem(response, 404)
    assert "userId" in response.json()["detail"]


def test_user_id_of_another_hospital_is_404(
    shared_stack: Stack, patient: tuple[NewHospital, str]
) -> None:
    _, regist = patient
    other = shared_stack.register_hospital("โรงพยาบาลอื่น")
    response = shared_stack.call("/api/queue", other.production_key, body(regist))
    assert_problem(response, 404)


def test_each_hospital_gets_a_different_id_for_the_same_person(shared_stack: Stack) -> None:
    first = shared_stack.register_hospital("โรงพยาบาลหนึ่ง")
    second = shared_stack.register_hospital("โรงพยาบาลสอง")
    user = shared_stack.follow()
    one = shared_stack.pick_hospital(user, first.hospital_id)
    two = shared_stack.pick_hospital(user, second.hospital_id)
    assert one != two
    assert shared_stack.pick_hospital(user, first.hospital_id) == one  # stable per pair


def test_production_ids_are_unknown_in_the_test_environment(
    shared_stack: Stack, patient: tuple[NewHospital, str]
) -> None:
    hospital, regist = patient
    response = shared_stack.call("/test/api/queue", hospital.test_key, body(regist))
    assert_problem(response, 404)


def test_test_environment_uses_the_test_channel(shared_stack: Stack) -> None:
    hospital = shared_stack.register_hospital()
    user = shared_stack.follow(channel="test")
    regist = shared_stack.pick_hospital(user, hospital.hospital_id)
    before = len(shared_stack.inbox(user))
    response = shared_stack.call("/test/api/queue", hospital.test_key, body(regist))
    assert response.status_code == 202, response.text
    assert response.json()["environment"] == "test"
    inbox = shared_stack.wait_inbox(user, before + 1)
    assert inbox[-1]["message"]["type"] == "flex"


# -- validation -----------------------------------------------------------------------------

BAD_FIELDS: list[tuple[str, Any]] = [
    # hospitalName is no longer among them: only compared with the registry (issue 8).
    ("queueNumber", "1" * 101),
    ("queueNumber", "\x00\x01"),  # nothing left once the control characters go
    ("origin", None),
    ("patientName", ["a"]),
    ("appointmentDate", "2018-02-30"),
    ("appointmentDate", "30/04/2018"),
    ("appointmentDate", "2018-04-30 25:00"),
    ("appointmentDate", "2018-04-30T10:00+25:00"),
    ("appointmentDate", 20180430),
    ("appointmentTime", "x" * 301),
    ("detailsLink", "javascript:alert(1)"),
    ("detailsLink", "ftp://pth.ddns.net/"),
    ("currentQueueLink", "http://" + "a" * 1000),
    ("currentQueueLink", "http://has space/"),
]


@pytest.mark.parametrize(("field", "value"), BAD_FIELDS)
def test_invalid_field_is_422_naming_it(
    shared_stack: Stack, patient: tuple[NewHospital, str], field: str, value: Any
) -> None:
    hospital, regist = patient
    payload = body(regist)
    if value is None:
        del payload[field]
    else:
        payload[field] = value
    response = shared_stack.call("/api/queue", hospital.production_key, payload)
    assert_problem(response, 422, field)


@pytest.mark.parametrize("user_id", ["5BEDB40574D0504752F2173F", "short", "", 5])
def test_malformed_user_id_is_422(
    shared_stack: Stack, patient: tuple[NewHospital, str], user_id: Any
) -> None:
    hospital, _ = patient
    response = shared_stack.call("/api/queue", hospital.production_key, body("x", userId=user_id))
    assert_problem(response, 422, "userId")


def test_past_date_is_422(shared_stack: Stack, patient: tuple[NewHospital, str]) -> None:
    hospital, regist = patient
    response = shared_stack.call(
        "/api/queue/schedule", hospital.production_key, body(regist, appointmentDate="2018-04-26")
    )
    assert_problem(response, 422, "appointmentDate")
    assert "past" in response.json()["errors"][0]["reason"]


def test_date_centuries_ahead_is_422(shared_stack: Stack, patient: tuple[NewHospital, str]) -> None:
    hospital, regist = patient
    response = shared_stack.call(
        "/api/queue", hospital.production_key, body(regist, appointmentDate="2205-04-30")
    )
    assert_problem(response, 422, "appointmentDate")


@pytest.mark.parametrize(
    "raw",
    [b"{", b"not json", b"[]", b'"text"', b"null", b"\xff\xfe", b'{"userId": "\\ud800"}'],
)
def test_malformed_body_is_a_clear_4xx(
    shared_stack: Stack, patient: tuple[NewHospital, str], raw: bytes
) -> None:
    hospital, _ = patient
    response = shared_stack.api.post(
        "/api/queue",
        content=raw,
        headers={
            "Authorization": f"Bearer {hospital.production_key}",
            "Content-Type": "application/json",
        },
    )
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_oversized_body_is_413(shared_stack: Stack, patient: tuple[NewHospital, str]) -> None:
    hospital, regist = patient
    response = shared_stack.call(
        "/api/queue", hospital.production_key, body(regist, padding="x" * 100_000)
    )
    assert_problem(response, 413)


def test_unknown_fields_are_ignored(shared_stack: Stack, patient: tuple[NewHospital, str]) -> None:
    hospital, regist = patient
    response = shared_stack.call(
        "/api/queue", hospital.production_key, body(regist, hn="123456", extra={"a": 1})
    )
    assert response.status_code == 202, response.text


def test_unknown_path_and_method_are_problems(shared_stack: Stack) -> None:
    assert_problem(shared_stack.api.get("/api/nowhere"), 404)
    assert_problem(shared_stack.api.get("/api/queue"), 405)


# -- planning and idempotency ---------------------------------------------------------------


def test_schedule_and_notify_plan_at_bangkok_times(
    shared_stack: Stack, patient: tuple[NewHospital, str]
) -> None:
    hospital, regist = patient
    schedule = shared_stack.call("/api/queue/schedule", hospital.production_key, body(regist))
    assert schedule.status_code == 202, schedule.text
    due = {m["kind"]: m["dueAt"] for m in schedule.json()["messages"]}
    assert due == {
        "reminder_day_before": "2018-04-29T09:00:00+07:00",
        "reminder_same_day": "2018-04-30T06:00:00+07:00",
    }
    notify = shared_stack.call("/api/queue/notify", hospital.production_key, body(regist))
    assert notify.status_code == 202, notify.text
    messages = {m["kind"]: m for m in notify.json()["messages"]}
    assert messages["survey"]["dueAt"] == "2018-04-28T12:00:00+07:00"
    # Called already: the reminders that have not gone out are cancelled.
    assert messages["reminder_day_before"]["status"] == "cancelled"
    assert messages["queue_near"]["dueAt"] == "2018-04-27T10:00:00+07:00"


def test_idempotency_key_replays_and_refuses_a_different_body(
    shared_stack: Stack, patient: tuple[NewHospital, str]
) -> None:
    hospital, regist = patient
    first = shared_stack.call(
        "/api/queue", hospital.production_key, body(regist), **{"Idempotency-Key": "k-1"}
    )
    again = shared_stack.call(
        "/api/queue", hospital.production_key, body(regist), **{"Idempotency-Key": "k-1"}
    )
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()
    different = shared_stack.call(
        "/api/queue",
        hospital.production_key,
        body(regist, queueNumber="คิวที่ 2"),
        **{"Idempotency-Key": "k-1"},
    )
    assert_problem(different, 422)


def test_get_appointment_only_for_its_hospital(
    shared_stack: Stack, patient: tuple[NewHospital, str]
) -> None:
    hospital, regist = patient
    created = shared_stack.call("/api/queue", hospital.production_key, body(regist)).json()
    path = f"/api/queue/{created['appointmentId']}"
    mine = shared_stack.api.get(
        path, headers={"Authorization": f"Bearer {hospital.production_key}"}
    )
    assert mine.status_code == 200
    assert mine.json()["appointmentId"] == created["appointmentId"]
    other = shared_stack.register_hospital("โรงพยาบาลอื่น")
    theirs = shared_stack.api.get(path, headers={"Authorization": f"Bearer {other.production_key}"})
    assert_problem(theirs, 404)
    test_env = shared_stack.api.get(
        f"/test/api/queue/{created['appointmentId']}",
        headers={"Authorization": f"Bearer {hospital.test_key}"},
    )
    assert_problem(test_env, 404)


def test_alert_honours_style_and_validates_it(
    shared_stack: Stack, patient: tuple[NewHospital, str]
) -> None:
    hospital, regist = patient
    bad = shared_stack.call(
        "/api/alert", hospital.production_key, body(regist, backgroundColor="red")
    )
    assert_problem(bad, 422, "backgroundColor")
    long_label = shared_stack.call(
        "/api/alert", hospital.production_key, body(regist, detailsLinkLabel="ก" * 21)
    )
    assert_problem(long_label, 422, "detailsLinkLabel")
    alert = body(
        regist,
        header="ห้องตรวจ 5 เรียกคิวแล้ว",
        backgroundColor="#C62828",
        detailsLinkLabel="ดูรายละเอียด",
        currentQueueLinkLabel="ดูคิว",
    )
    ok = shared_stack.call("/api/alert", hospital.production_key, alert)
    assert ok.status_code == 202, ok.text
    assert [m["kind"] for m in ok.json()["messages"]] == ["alert"]
    repeat = shared_stack.call("/api/alert", hospital.production_key, alert)
    assert [m["kind"] for m in repeat.json()["messages"]] == ["alert"]  # same alert: once
    other = shared_stack.call(
        "/api/alert", hospital.production_key, {**alert, "header": "เลื่อนเวลา"}
    )
    assert [m["kind"] for m in other.json()["messages"]] == ["alert", "alert"]


def test_openapi_documents_the_seed_example(shared_stack: Stack) -> None:
    schema = shared_stack.api.get("/openapi.json").json()
    assert "/api/queue" in schema["paths"] and "/test/api/queue/notify" in schema["paths"]
    assert schema["components"]["schemas"]["QueueCall"]["examples"][0] == SEED_EXAMPLE
    assert shared_stack.api.get("/docs").status_code == 200
