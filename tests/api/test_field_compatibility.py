"""Hospital systems in the field (issue 8): keyless calls for hospitals in legacy mode,
bodies in every form clients send them, dates as queue daemons write them, and the
registered hospital name on every message. Over real HTTP on both databases."""

from __future__ import annotations

import json
from typing import Any

import pytest

from moph_connect.appointments.schemas import SEED_EXAMPLE
from moph_connect.hospitals.access import update_access
from moph_connect.hospitals.service import NewHospital
from moph_connect.patients.erasure import ErasureRepository
from moph_connect.patients.repository import PatientRepository
from tests.api.test_contract import assert_problem, body
from tests.support.stack import Stack

# The seed's appointment date is 2018-04-30; the stacks' clock stands at 2018-04-27.


def _legacy(stack: Stack, hospital: NewHospital, **access: Any) -> None:
    with stack.database.transaction() as session:
        update_access(
            session,
            hospital.hospital_id,
            auth="legacy",
            allowed_networks=access.get("allowed_networks"),
            cors_origins=access.get("cors_origins"),
            actor="test",
            now=stack.clock.now(),
        )


@pytest.fixture
def legacy_patient(shared_stack: Stack) -> tuple[NewHospital, str, str]:
    """A legacy-mode hospital, and a patient (LINE user id, MOPH Connect ID) of it."""
    hospital = shared_stack.register_hospital()
    _legacy(shared_stack, hospital)
    user = shared_stack.follow()
    return hospital, user, shared_stack.pick_hospital(user, hospital.hospital_id)


def _post(stack: Stack, path: str, content: bytes | str, **headers: str) -> Any:
    return stack.api.post(path, content=content, headers=headers)


# -- keyless calls ----------------------------------------------------------------------------


def test_a_keyless_call_is_accepted_for_a_legacy_hospital_and_delivered(
    shared_stack: Stack, legacy_patient: tuple[NewHospital, str, str]
) -> None:
    _, user, regist = legacy_patient
    before = len(shared_stack.inbox(user))
    response = shared_stack.api.post("/api/queue", json=body(regist))
    assert response.status_code == 202, response.text
    assert response.json()["warnings"] == []
    card = shared_stack.wait_inbox(user, before + 1)[before]
    assert card["message"]["type"] == "flex"


def test_a_keyless_call_for_a_key_hospital_is_401_and_says_what_to_do(
    shared_stack: Stack, patient: tuple[NewHospital, str]
) -> None:
    _, regist = patient
    response = shared_stack.api.post("/api/queue", json=body(regist))
    assert_problem(response, 401)
    detail = response.json()["detail"]
    assert "legacy mode" in detail and "hospital-guide" in detail


@pytest.mark.parametrize("user_id", ["0" * 24, "5bedb40574d0504752f2173f", "short", 5, None])
def test_a_keyless_call_with_an_id_nobody_issued_is_404(
    shared_stack: Stack, legacy_patient: tuple[NewHospital, str, str], user_id: Any
) -> None:
    payload = body("x", userId=user_id)
    if not isinstance(user_id, str):  # nothing that could name a hospital
        if user_id is None:
            del payload["userId"]
        assert_problem(shared_stack.api.post("/api/queue", json=payload), 401)
        return
    response = shared_stack.api.post("/api/queue", json=payload)
    assert_problem(response, 404)
    if isinstance(user_id, str) and len(user_id) == 24:
        assert user_id not in response.text  # the same answer, whatever the ID


def test_ids_open_only_their_own_environment_without_a_key(
    shared_stack: Stack, legacy_patient: tuple[NewHospital, str, str]
) -> None:
    hospital, _, production_regist = legacy_patient
    test_user = shared_stack.follow(channel="test")
    test_regist = shared_stack.pick_hospital(test_user, hospital.hospital_id)
    wrong_way = shared_stack.api.post("/test/api/queue", json=body(production_regist))
    unknown = shared_stack.api.post("/test/api/queue", json=body("0" * 24))
    assert_problem(wrong_way, 404)
    assert wrong_way.json() == unknown.json()  # indistinguishable from an ID never issued
    assert_problem(shared_stack.api.post("/api/queue", json=body(test_regist)), 404)
    assert shared_stack.api.post("/test/api/queue", json=body(test_regist)).status_code == 202


def test_a_wrong_key_is_401_in_legacy_mode_too(
    shared_stack: Stack, legacy_patient: tuple[NewHospital, str, str]
) -> None:
    hospital, _, regist = legacy_patient
    for header in ("Bearer mcp_live_wrong", "", "Basic x", f"Bearer {hospital.test_key}"):
        response = shared_stack.api.post(
            "/api/queue", json=body(regist), headers={"Authorization": header}
        )
        assert_problem(response, 401)
    accepted = shared_stack.call("/api/queue", hospital.production_key, body(regist))
    assert accepted.status_code == 202  # keys keep working for legacy hospitals


def test_reading_an_appointment_needs_a_key(
    shared_stack: Stack, legacy_patient: tuple[NewHospital, str, str]
) -> None:
    _, _, regist = legacy_patient
    booked = shared_stack.api.post("/api/queue", json=body(regist)).json()
    assert_problem(shared_stack.api.get(f"/api/queue/{booked['appointmentId']}"), 401)
    assert_problem(shared_stack.api.delete(f"/api/queue/{booked['appointmentId']}"), 401)


def test_erased_patients_are_410_without_a_key(
    shared_stack: Stack, legacy_patient: tuple[NewHospital, str, str]
) -> None:
    _, user, regist = legacy_patient
    with shared_stack.database.transaction() as session:
        line_user = PatientRepository(session).line_user("production", user)
        assert line_user is not None
        ErasureRepository(session).erase(
            line_user, shared_stack.clock.now(), current_event_id="test"
        )
    assert_problem(shared_stack.api.post("/api/queue", json=body(regist)), 410)


def test_keyless_calls_come_only_from_the_allowed_networks(
    shared_stack: Stack, legacy_patient: tuple[NewHospital, str, str]
) -> None:
    hospital, _, regist = legacy_patient
    _legacy(shared_stack, hospital, allowed_networks=["10.20.0.0/16"])
    refused = shared_stack.api.post("/api/queue", json=body(regist))
    assert_problem(refused, 403)
    assert "127.0.0.1" in refused.json()["detail"]
    # X-Forwarded-For is believed only from trusted proxies (none here).
    spoofed = shared_stack.api.post(
        "/api/queue", json=body(regist), headers={"X-Forwarded-For": "10.20.1.2"}
    )
    assert_problem(spoofed, 403)
    with_key = shared_stack.call("/api/queue", hospital.production_key, body(regist))
    assert with_key.status_code == 202  # the allow-list is for keyless calls only
    _legacy(shared_stack, hospital, allowed_networks=["10.20.0.0/16", "127.0.0.0/8"])
    assert shared_stack.api.post("/api/queue", json=body(regist)).status_code == 202


# -- bodies as clients send them ----------------------------------------------------------------


def _seed_json(regist: str, **changes: Any) -> str:
    return json.dumps(body(regist, **changes), ensure_ascii=False)


@pytest.mark.parametrize(
    ("content_type", "warned"),
    [
        ("application/json", False),
        ("application/json; charset=UTF-8", False),
        ("text/plain;charset=UTF-8", True),  # a browser fetch with a string body
        (None, True),  # Python requests.post(url, data=json.dumps(body))
        ("application/x-www-form-urlencoded", True),  # curl -d '{...}'
    ],
)
def test_one_json_object_is_read_whatever_the_content_type_says(
    shared_stack: Stack,
    legacy_patient: tuple[NewHospital, str, str],
    content_type: str | None,
    warned: bool,
) -> None:
    _, _, regist = legacy_patient
    headers = {} if content_type is None else {"Content-Type": content_type}
    response = _post(shared_stack, "/api/queue", _seed_json(regist).encode(), **headers)
    assert response.status_code == 202, response.text
    fields = [w["field"] for w in response.json()["warnings"]]
    assert fields == (["Content-Type"] if warned else [])


def test_php_json_encode_escapes_and_a_bom_are_read(
    shared_stack: Stack, legacy_patient: tuple[NewHospital, str, str]
) -> None:
    _, user, regist = legacy_patient
    # PHP's json_encode without JSON_UNESCAPED_UNICODE / _SLASHES.
    php = json.dumps(body(regist)).replace("/", "\\/").encode()
    before = len(shared_stack.inbox(user))
    response = _post(
        shared_stack, "/api/queue", b"\xef\xbb\xbf" + php, **{"Content-Type": "application/json"}
    )
    assert response.status_code == 202, response.text
    card = json.dumps(shared_stack.wait_inbox(user, before + 1)[before], ensure_ascii=False)
    assert SEED_EXAMPLE["patientName"] in card and "http://pth.ddns.net/" in card


def test_form_fields_with_the_seeds_names_are_read(
    shared_stack: Stack, legacy_patient: tuple[NewHospital, str, str]
) -> None:
    _, _, regist = legacy_patient
    urlencoded = shared_stack.api.post("/api/queue", data=body(regist, submit="ส่ง"))
    assert urlencoded.status_code == 202, urlencoded.text
    assert {"field": "submit", "reason": "is not a field of this call; ignored"} in (
        urlencoded.json()["warnings"]
    )
    multipart = shared_stack.api.post(
        "/api/queue/schedule", files={k: (None, v) for k, v in body(regist).items()}
    )
    assert multipart.status_code == 202, multipart.text


@pytest.mark.parametrize(
    ("content", "content_type", "field"),
    [
        (b"\xff\xfe{}", "application/json", "body"),
        (b"[1, 2]", "application/json", "body"),
        (b"", "text/plain", "body"),
        (b"{not json", "application/json", "body"),
        (b"userId=%ZZ&&", "application/x-www-form-urlencoded", "body"),
    ],
)
def test_bodies_that_cannot_be_read_are_400_naming_why(
    shared_stack: Stack,
    patient: tuple[NewHospital, str],
    content: bytes,
    content_type: str,
    field: str,
) -> None:
    hospital, _ = patient
    response = _post(
        shared_stack,
        "/api/queue",
        content,
        **{"Content-Type": content_type, "Authorization": f"Bearer {hospital.production_key}"},
    )
    assert_problem(response, 400, field)


# -- fields as clients send them ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "read_as", "reasons"),
    [
        ("2018-04-30", "2018-04-30", []),
        ("2018-04-30 14:00:47", "2018-04-30", ["the time is not used"]),
        ("2018-04-30 14:00:47.123456", "2018-04-30", ["the time is not used"]),
        ("2018-04-30T09:00:00+07:00", "2018-04-30", ["the time is not used"]),
        ("2018-04-29T20:00:00Z", "2018-04-30", ["Bangkok date 2018-04-30"]),
        ("2561-04-30", "2018-04-30", ["Buddhist-era year 2561"]),
        ("2561-04-30 08:15", "2018-04-30", ["Buddhist-era year 2561", "the time is not used"]),
    ],
)
def test_appointment_dates_in_the_forms_systems_write_them(
    shared_stack: Stack,
    legacy_patient: tuple[NewHospital, str, str],
    sent: str,
    read_as: str,
    reasons: list[str],
) -> None:
    _, _, regist = legacy_patient
    response = shared_stack.api.post("/api/queue", json=body(regist, appointmentDate=sent))
    assert response.status_code == 202, response.text
    answer = response.json()
    assert answer["appointmentDate"] == read_as
    got = [w["reason"] for w in answer["warnings"] if w["field"] == "appointmentDate"]
    assert len(got) == len(reasons), got
    for expected, reason in zip(reasons, got, strict=True):
        assert expected in reason


def test_line_breaks_stay_control_characters_go_and_numbers_are_text(
    shared_stack: Stack, legacy_patient: tuple[NewHospital, str, str]
) -> None:
    _, user, regist = legacy_patient
    before = len(shared_stack.inbox(user))
    response = shared_stack.api.post(
        "/api/queue",
        json=body(
            regist,
            queueNumber=1221,
            appointmentTime="เวลานัดหมาย 09:00 น.\r\nกรุณามาก่อนเวลา\x00 10 นาที\x07",
            unknownField={"anything": True},
        ),
    )
    assert response.status_code == 202, response.text
    warnings = {(w["field"], w["reason"]) for w in response.json()["warnings"]}
    assert warnings == {
        ("queueNumber", "a number; read as text"),
        ("appointmentTime", "control characters removed"),
        ("unknownField", "is not a field of this call; ignored"),
    }
    assert response.json()["queueNumber"] == "1221"
    card = json.dumps(shared_stack.wait_inbox(user, before + 1)[before]["message"])
    assert json.dumps("เวลานัดหมาย 09:00 น.\nกรุณามาก่อนเวลา 10 นาที")[1:-1] in card
    assert "\\u0000" not in card and "\\u0007" not in card


@pytest.mark.parametrize(
    ("field", "limit"),
    [("appointmentTime", 300), ("queueNumber", 100), ("detailsLink", 1000), ("header", 100)],
)
def test_text_limits_count_the_text_as_sent(
    shared_stack: Stack, legacy_patient: tuple[NewHospital, str, str], field: str, limit: int
) -> None:
    """As the OpenAPI's maxLength says (and a fuzzer checks): one character over the limit
    is 422 even when trimming or removing control characters would bring it under; at
    the limit, what is removed is only a warning."""
    _, _, regist = legacy_patient
    path = "/api/alert" if field == "header" else "/api/queue"
    start = "http://pth.ddns.net/" if field == "detailsLink" else ""

    def sent(value: str, queue: str) -> Any:
        changes = {field: value} if field == "queueNumber" else {field: value, "queueNumber": queue}
        return shared_stack.api.post(path, json=body(regist, **changes))

    for over in (" ", "\x07"):  # trimmed, removed
        value = start + "x" * (limit - len(start)) + over
        assert_problem(sent(value, f"limit {field} {over!r}"), 422, field)
    at_limit = sent(start + "x" * (limit - len(start) - 1) + " ", f"at the limit {field}")
    assert at_limit.status_code == 202, at_limit.text


def test_messages_carry_the_registered_hospital_name(
    shared_stack: Stack, legacy_patient: tuple[NewHospital, str, str]
) -> None:
    _, user, regist = legacy_patient
    before = len(shared_stack.inbox(user))
    response = shared_stack.api.post("/api/queue", json=body(regist, hospitalName="โรงพยาบาลอื่น"))
    assert response.status_code == 202, response.text
    [warning] = response.json()["warnings"]
    assert warning["field"] == "hospitalName" and "โรงพยาบาลปทุมธานี" in warning["reason"]
    card = json.dumps(shared_stack.wait_inbox(user, before + 1)[before], ensure_ascii=False)
    assert "โรงพยาบาลปทุมธานี" in card and "โรงพยาบาลอื่น" not in card
    without = body(regist, queueNumber="คิว 2")
    del without["hospitalName"]
    assert shared_stack.api.post("/api/queue", json=without).status_code == 202


def test_fields_are_validated_only_after_authentication(shared_stack: Stack) -> None:
    hospital = shared_stack.register_hospital()
    response = shared_stack.api.post(
        "/api/queue",
        json={"userId": "0" * 24, "appointmentDate": "nonsense"},
        headers={"Authorization": f"Bearer {hospital.production_key}x"},
    )
    assert_problem(response, 401)
    assert "appointmentDate" not in response.text


@pytest.mark.parametrize("user_id", ["5bedb40574d0504752f2173\u0000", "\u0000" * 24, "ก" * 24])
def test_a_keyless_id_that_cannot_be_one_is_404_never_a_query(
    shared_stack: Stack, legacy_patient: tuple[NewHospital, str, str], user_id: str
) -> None:
    """Regression (found by the fuzzer): a NUL in a keyless call's userId reached a
    PostgreSQL query and gave 500."""
    assert_problem(shared_stack.api.post("/api/queue", json=body("x", userId=user_id)), 404)
