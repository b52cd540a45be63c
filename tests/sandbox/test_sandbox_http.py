"""The test sandbox over real HTTP, on SQLite and PostgreSQL: test calls recorded with
their answers (refusals of a known hospital too), production calls not, no patient name
in the table, the per-hospital trim, the retention cut, and the pages' scoping."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import orjson
from sqlalchemy import select

from moph_connect.appointments.schemas import SEED_EXAMPLE
from moph_connect.db.models import SandboxCall
from moph_connect.hospitals.service import NewHospital
from moph_connect.patients.erasure import ErasureRepository
from moph_connect.patients.repository import PatientRepository
from moph_connect.patients.retention import RetentionJob
from moph_connect.sandbox.recording import CallNote
from moph_connect.sandbox.repository import KEPT_PER_HOSPITAL, SandboxRepository
from tests.console.support import add, signed_in
from tests.support.stack import Stack

NAME = SEED_EXAMPLE["patientName"]


def _rows(stack: Stack, hospital_id: str) -> list[SandboxCall]:
    with stack.database.transaction() as session:
        rows = session.scalars(
            select(SandboxCall)
            .where(SandboxCall.hospital_id == hospital_id)
            .order_by(SandboxCall.id)
        ).all()
        session.expunge_all()
        return list(rows)


def _test_patient(stack: Stack) -> tuple[NewHospital, str]:
    hospital = stack.register_hospital()
    return hospital, stack.pick_hospital(stack.follow("test"), hospital.hospital_id)


def _body(regist: str, **changes: Any) -> dict[str, Any]:
    return {**SEED_EXAMPLE, "userId": regist, "nickname": "Pen", **changes}


def test_a_test_call_is_recorded_with_its_answer_and_without_the_name(
    sandbox_stack: Stack,
) -> None:
    hospital, regist = _test_patient(sandbox_stack)
    answer = sandbox_stack.call("/test/api/queue", hospital.test_key, _body(regist))
    assert answer.status_code == 202, answer.text
    [row] = _rows(sandbox_stack, hospital.hospital_id)
    assert row.endpoint == "/test/api/queue" and row.status == 202
    assert row.regist_id == regist
    assert row.answer["appointmentId"] == answer.json()["appointmentId"]
    assert row.answer["messages"] == answer.json()["messages"]
    assert row.request["queueNumber"] == SEED_EXAMPLE["queueNumber"]
    assert row.request["notKept"] == ["nickname", "patientName"]
    stored = orjson.dumps([row.request, row.answer]).decode()
    assert NAME not in stored and "Pen" not in stored
    assert "patientName" not in row.request


def test_a_production_call_is_not_recorded(sandbox_stack: Stack) -> None:
    hospital = sandbox_stack.register_hospital()
    regist = sandbox_stack.pick_hospital(sandbox_stack.follow(), hospital.hospital_id)
    answer = sandbox_stack.call("/api/queue", hospital.production_key, _body(regist))
    assert answer.status_code == 202, answer.text
    assert _rows(sandbox_stack, hospital.hospital_id) == []


def test_refusals_of_a_known_hospital_are_recorded(sandbox_stack: Stack) -> None:
    hospital, regist = _test_patient(sandbox_stack)
    invalid = sandbox_stack.call(
        "/test/api/queue/schedule", hospital.test_key, _body(regist, appointmentDate="2018-04-01")
    )
    assert invalid.status_code == 422, invalid.text
    wrong_key = sandbox_stack.call("/test/api/queue", hospital.production_key, _body(regist))
    assert wrong_key.status_code == 401
    keyless = sandbox_stack.api.post("/test/api/queue", json=_body(regist))
    assert keyless.status_code == 401  # a key-mode hospital's patient, sent without a key
    unknown = sandbox_stack.call("/test/api/queue", "mcp_test_" + "x" * 43, _body(regist))
    assert unknown.status_code == 401  # nobody's key: recorded nowhere
    rows = _rows(sandbox_stack, hospital.hospital_id)
    assert [(r.endpoint, r.status) for r in rows] == [
        ("/test/api/queue/schedule", 422),
        ("/test/api/queue", 401),
        ("/test/api/queue", 401),
    ]
    assert rows[0].answer["errors"][0]["field"] == "appointmentDate"
    assert rows[0].answer == {k: invalid.json()[k] for k in rows[0].answer}
    assert rows[1].answer["detail"] == wrong_key.json()["detail"]
    assert all(NAME not in orjson.dumps([r.request, r.answer]).decode() for r in rows)


def test_the_trim_keeps_the_newest_per_hospital(sandbox_stack: Stack) -> None:
    mine, other = sandbox_stack.register_hospital(), sandbox_stack.register_hospital()
    now = sandbox_stack.clock.now()
    with sandbox_stack.database.transaction() as session:
        repository = SandboxRepository(session)
        repository.record(other.hospital_id, CallNote("/test/api/queue", {}), 202, {}, now)
        for index in range(KEPT_PER_HOSPITAL + 5):
            note = CallNote("/test/api/queue", {"queueNumber": str(index)})
            repository.record(mine.hospital_id, note, 202, {}, now)
    rows = _rows(sandbox_stack, mine.hospital_id)
    assert len(rows) == KEPT_PER_HOSPITAL
    assert [r.request["queueNumber"] for r in rows] == [
        str(i) for i in range(5, KEPT_PER_HOSPITAL + 5)
    ]
    assert len(_rows(sandbox_stack, other.hospital_id)) == 1  # another hospital's untouched


def test_retention_erases_calls_older_than_its_days(sandbox_stack: Stack) -> None:
    hospital = sandbox_stack.register_hospital()
    now = sandbox_stack.clock.now()
    with sandbox_stack.database.transaction() as session:
        repository = SandboxRepository(session)
        repository.record(hospital.hospital_id, CallNote("/old", {}), 202, {}, now - timedelta(8))
        repository.record(hospital.hospital_id, CallNote("/new", {}), 202, {}, now - timedelta(6))
    job = RetentionJob(sandbox_stack.database, sandbox_stack.clock, retention_days=30)
    counts = job.run_once()  # the job every dispatcher runs hourly; 7 days by default
    assert counts is not None and counts.sandbox_calls >= 1
    assert [r.endpoint for r in _rows(sandbox_stack, hospital.hospital_id)] == ["/new"]


def test_a_patient_s_erasure_takes_her_test_calls_with_it(sandbox_stack: Stack) -> None:
    hospital = sandbox_stack.register_hospital()
    her, other = sandbox_stack.follow("test"), sandbox_stack.follow("test")
    regists = [sandbox_stack.pick_hospital(u, hospital.hospital_id) for u in (her, other)]
    for regist in regists:
        answer = sandbox_stack.call("/test/api/queue", hospital.test_key, _body(regist))
        assert answer.status_code == 202, answer.text
    with sandbox_stack.database.transaction() as session:
        user = PatientRepository(session).line_user("test", her)
        assert user is not None
        ErasureRepository(session).erase(user, sandbox_stack.clock.now(), current_event_id="e")
    assert [r.regist_id for r in _rows(sandbox_stack, hospital.hospital_id)] == [regists[1]]


def test_a_hospital_user_sees_her_sandbox_only(sandbox_stack: Stack) -> None:
    hospital, regist = _test_patient(sandbox_stack)
    other, other_regist = _test_patient(sandbox_stack)
    for h, r in ((hospital, regist), (other, other_regist)):
        answer = sandbox_stack.call("/test/api/queue", h.test_key, _body(r))
        assert answer.status_code == 202, answer.text
    with signed_in(sandbox_stack, add(sandbox_stack, "hospital", hospital.hospital_id)) as http:
        home = http.get("/console/sandbox")
        assert home.status_code == 303
        assert home.headers["location"] == f"/console/sandbox/{hospital.hospital_id}"
        mine = http.get(home.headers["location"])
        assert mine.status_code == 200
        assert f'data-regist="{regist}"' in mine.text and "/test/api/queue" in mine.text
        assert NAME not in mine.text  # lists never name her
        assert SEED_EXAMPLE["queueNumber"] in mine.text  # the request shown, Thai as Thai
        patient = http.get(f"/console/sandbox/{hospital.hospital_id}/patients/{regist}")
        assert patient.status_code == 200
        assert 'data-kind="queue_card"' in patient.text and "fx-bubble" in patient.text
        assert "1221" in patient.text  # the card's queue number, as she received it
        colors = re.search(r'href="(/console/sandbox-colors\.css\?c=[^"]*)"', patient.text)
        assert colors is not None
        css = http.get(colors.group(1).replace("&amp;", "&"))
        assert css.status_code == 200 and ".bg-00796B{background-color:#00796B}" in css.text
        for path in (
            f"/console/sandbox/{other.hospital_id}",
            f"/console/sandbox/{other.hospital_id}/patients/{other_regist}",
            f"/console/sandbox/{hospital.hospital_id}/patients/{other_regist}",
            "/console/sandbox/h-no-such-hospital",
        ):
            assert http.get(path).status_code == 404, path
        assert other.name not in http.get(f"/console/sandbox/{other.hospital_id}").text


def test_the_ministry_picks_a_hospital(sandbox_stack: Stack) -> None:
    hospital, regist = _test_patient(sandbox_stack)
    assert sandbox_stack.call("/test/api/queue", hospital.test_key, _body(regist)).is_success
    with signed_in(sandbox_stack, add(sandbox_stack)) as http:
        picker = http.get("/console/sandbox")
        assert picker.status_code == 200
        assert f'data-hospital="{hospital.hospital_id}"' in picker.text
        chosen = http.get("/console/sandbox", params={"hospital": hospital.hospital_id})
        assert chosen.status_code == 303
        page = http.get(chosen.headers["location"])
        assert page.status_code == 200 and f'data-regist="{regist}"' in page.text
    assert sandbox_stack.api.get("/console/sandbox").status_code == 303  # sign in first


def test_fetching_and_cancelling_are_recorded_too(sandbox_stack: Stack) -> None:
    hospital, regist = _test_patient(sandbox_stack)
    body = _body(regist)
    booked = sandbox_stack.call("/test/api/queue", hospital.test_key, body).json()
    appointment = booked["appointmentId"]
    auth = {"Authorization": f"Bearer {hospital.test_key}"}
    fetched = sandbox_stack.api.get(f"/test/api/queue/{appointment}", headers=auth)
    assert fetched.status_code == 200, fetched.text
    cancelled = sandbox_stack.call("/test/api/queue/cancel", hospital.test_key, body)
    assert cancelled.status_code == 202, cancelled.text
    missing = "a" + "0" * 24
    deleted = sandbox_stack.api.delete(f"/test/api/queue/{missing}", headers=auth)
    assert deleted.status_code == 404
    rows = _rows(sandbox_stack, hospital.hospital_id)
    assert [(r.endpoint, r.status) for r in rows] == [
        ("/test/api/queue", 202),
        (f"GET /test/api/queue/{appointment}", 200),
        ("/test/api/queue/cancel", 202),
        (f"DELETE /test/api/queue/{missing}", 404),
    ]
    assert rows[1].answer["appointmentId"] == appointment
    assert rows[2].answer["status"] == "cancelled" and rows[2].regist_id == regist
    assert NAME not in orjson.dumps([[r.request, r.answer] for r in rows]).decode()
