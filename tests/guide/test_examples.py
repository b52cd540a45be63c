"""Every server-side example in the hospital guide (docs/examples/), run for real against a
live service: what it put on the wire, what MOPH Connect answered, and the queue card in
the patient's LINE inbox (the emulator's)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from moph_connect.appointments.schemas import SEED_EXAMPLE
from tests.guide.conftest import (
    EXAMPLES,
    NewPatient,
    Patient,
    require,
    require_mono_http,
    require_requests,
    run_example,
)
from tests.guide.wire import WireRequest, WireTap
from tests.support.stack import Stack

THAI = SEED_EXAMPLE["patientName"]  # "นาย ประโยชน์ รุจิรา"


def _answer(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    text = done.stdout.strip()
    if text.startswith("202 "):  # queue_card_data.py prints the status first
        text = text[4:]
    answer: dict[str, Any] = json.loads(text)
    assert [m["kind"] for m in answer["messages"]] == ["queue_card"], answer
    assert answer["appointmentDate"] == "2018-04-30"
    return answer


def _call_on_the_wire(tap: WireTap, before: int, patient: Patient) -> WireRequest:
    path = ("/api" if patient.environment == "production" else "/test/api") + "/queue"
    [request] = tap.since(before, path)
    assert request.method == "POST"
    return request


def _queue_card_arrives(stack: Stack, patient: Patient, before: int) -> None:
    """The card in her chat carries the booking as the example sent it."""
    message = stack.wait_inbox(patient.user, before + 1)[before]["message"]
    assert message["type"] == "flex"
    assert message["altText"].startswith("บัตรคิว โรงพยาบาลปทุมธานี: จุดคัดกรอง คิวที่ 1221")
    assert "30 เมษายน 2561" in message["altText"]  # the date, read right
    card = json.dumps(message, ensure_ascii=False)
    for field in ("patientName", "origin", "appointmentTime", "detailsLink"):
        assert SEED_EXAMPLE[field] in card, field
    assert len(stack.inbox(patient.user)) == before + 1  # and nothing else


def _warned(answer: dict[str, Any]) -> list[tuple[str, str]]:
    return [(w["field"], w["reason"]) for w in answer["warnings"]]


def _run(
    stack: Stack,
    tap: WireTap,
    patient: Patient,
    command: list[str],
    *,
    with_key: bool,
    cwd: Path = EXAMPLES,
) -> tuple[dict[str, Any], WireRequest]:
    """Run one example for `patient`; its answer and the request it sent."""
    inbox, wire = len(stack.inbox(patient.user)), len(tap.requests)
    answer = _answer(run_example(command, patient.env(tap, with_key=with_key), cwd))
    request = _call_on_the_wire(tap, wire, patient)
    if with_key:
        assert request.header("authorization") == f"Bearer {patient.key}"
    else:
        assert request.header("authorization") is None
    _queue_card_arrives(stack, patient, inbox)
    return answer, request


# -- PHP ------------------------------------------------------------------------------------


def test_php_json_encode_without_a_key_in_legacy_mode(
    stack: Stack, tap: WireTap, new_patient: NewPatient
) -> None:
    require("php")
    patient = new_patient(legacy=True)
    answer, request = _run(stack, tap, patient, ["php", "queue.php"], with_key=False)
    assert request.header("content-type") == "application/json"
    # json_encode's defaults: Thai as \uXXXX escapes, "/" as "\/", so the body is ASCII.
    assert b"\\u0e19\\u0e32\\u0e22" in request.body  # "นาย"
    assert b'"http:\\/\\/pth.ddns.net\\/"' in request.body
    assert request.body.isascii()
    assert _warned(answer) == []


def test_php_json_encode_with_a_key(stack: Stack, tap: WireTap, new_patient: NewPatient) -> None:
    require("php")
    patient = new_patient()
    answer, _ = _run(stack, tap, patient, ["php", "queue.php"], with_key=True)
    assert patient.key.startswith("mcp_test_")
    assert _warned(answer) == []


def test_php_posting_an_array_sends_a_multipart_form(
    stack: Stack, tap: WireTap, new_patient: NewPatient
) -> None:
    require("php")
    patient = new_patient(legacy=True)
    answer, request = _run(stack, tap, patient, ["php", "queue-form.php"], with_key=False)
    assert (request.header("content-type") or "").startswith("multipart/form-data; boundary=")
    assert b'Content-Disposition: form-data; name="patientName"' in request.body
    assert THAI.encode() in request.body  # raw UTF-8 in the part
    assert _warned(answer) == []


def test_php_http_build_query_sends_a_urlencoded_form(
    stack: Stack, tap: WireTap, new_patient: NewPatient
) -> None:
    require("php")
    patient = new_patient(legacy=True)
    answer, request = _run(stack, tap, patient, ["php", "queue-urlencoded.php"], with_key=False)
    assert request.header("content-type") == "application/x-www-form-urlencoded"
    assert request.body.startswith(f"userId={patient.regist}&hospitalName=%E0%B9%82".encode())
    assert b"detailsLink=http%3A%2F%2Fpth.ddns.net%2F" in request.body
    assert _warned(answer) == []


# -- Python ---------------------------------------------------------------------------------


def test_python_requests_json(stack: Stack, tap: WireTap, new_patient: NewPatient) -> None:
    require_requests()
    patient = new_patient()
    answer, request = _run(stack, tap, patient, [sys.executable, "queue_card.py"], with_key=True)
    assert request.header("content-type") == "application/json"
    assert _warned(answer) == []


def test_python_requests_data_without_a_content_type(
    stack: Stack, tap: WireTap, new_patient: NewPatient
) -> None:
    require_requests()
    patient = new_patient(legacy=True)
    answer, request = _run(
        stack, tap, patient, [sys.executable, "queue_card_data.py"], with_key=False
    )
    assert request.header("content-type") is None
    assert request.body.isascii() and b"\\u0e19" in request.body  # json.dumps' escapes
    assert _warned(answer) == [("Content-Type", "is missing; the body was read as JSON")]


# -- curl, Node, C# -------------------------------------------------------------------------


def test_curl_d_sends_json_as_a_urlencoded_form(
    stack: Stack, tap: WireTap, new_patient: NewPatient
) -> None:
    require("curl")
    patient = new_patient()
    answer, request = _run(stack, tap, patient, ["sh", "queue-curl.sh"], with_key=True)
    assert request.header("content-type") == "application/x-www-form-urlencoded"
    assert request.body.lstrip().startswith(b"{") and THAI.encode() in request.body
    assert _warned(answer) == [
        (
            "Content-Type",
            "is application/x-www-form-urlencoded; the body was read as JSON",
        )
    ]


def test_node_fetch_with_a_production_key(
    stack: Stack, tap: WireTap, new_patient: NewPatient
) -> None:
    require("node")
    patient = new_patient("production")
    answer, request = _run(stack, tap, patient, ["node", "queue.mjs"], with_key=True)
    assert patient.key.startswith("mcp_live_")
    assert request.header("content-type") == "application/json"
    assert THAI.encode() in request.body  # JSON.stringify keeps Thai as it is
    assert answer["environment"] == "production"
    assert _warned(answer) == []


@pytest.fixture(scope="module")
def queue_exe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Queue.cs compiled as the guide says: mcs -r:System.Net.Http Queue.cs."""
    require_mono_http()
    out = tmp_path_factory.mktemp("csharp")
    built = subprocess.run(
        ["mcs", "-r:System.Net.Http", f"-out:{out / 'Queue.exe'}", str(EXAMPLES / "Queue.cs")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    assert "warning" not in built.stdout + built.stderr
    return out / "Queue.exe"


def test_csharp_httpclient_on_mono(
    stack: Stack, tap: WireTap, new_patient: NewPatient, queue_exe: Path
) -> None:
    patient = new_patient()
    answer, request = _run(stack, tap, patient, ["mono", str(queue_exe)], with_key=True)
    assert request.header("content-type") == "application/json; charset=utf-8"
    assert THAI.encode() in request.body
    assert _warned(answer) == []


# -- what the examples say when MOPH Connect refuses a call ---------------------------------


def test_the_examples_show_the_problem_when_a_call_is_refused(
    stack: Stack, tap: WireTap, new_patient: NewPatient
) -> None:
    require("php")
    require("node")
    require_requests()
    patient = new_patient()  # a hospital that authenticates with keys
    no_key = run_example(["php", "queue.php"], patient.env(tap, with_key=False))
    assert no_key.returncode != 0
    assert "MOPH Connect 401" in no_key.stderr and "legacy mode" in no_key.stderr

    wrong_key = {**patient.env(tap, with_key=True), "MOPH_CONNECT_KEY": "mcp_test_wrong"}
    refused = run_example([sys.executable, "queue_card.py"], wrong_key)
    assert refused.returncode != 0
    assert "MOPH Connect 401: Unknown, revoked or expired API key." in refused.stderr

    past = {**patient.env(tap, with_key=True), "APPOINTMENT_DATE": "2018-04-26"}
    invalid = run_example(["node", "queue.mjs"], past)
    assert invalid.returncode != 0
    assert "MOPH Connect 422: appointmentDate: must not be in the past" in invalid.stderr


def test_without_a_date_the_examples_book_for_tomorrow_in_bangkok(
    tap: WireTap, new_patient: NewPatient, queue_exe: Path
) -> None:
    """What a developer trying an example gets without APPOINTMENT_DATE: tomorrow by the
    real clock in Bangkok, in each language's own way of working it out. (The stack's clock
    stands in 2018, so the service refuses it as too far ahead; what counts is the date
    on the wire.)"""
    require("php")
    require("node")
    require("curl")
    require_requests()
    patient = new_patient()
    env = patient.env(tap, with_key=True)
    del env["APPOINTMENT_DATE"]
    commands = [
        ["php", "queue.php"],
        [sys.executable, "queue_card.py"],
        ["node", "queue.mjs"],
        ["mono", str(queue_exe)],
        ["sh", "queue-curl.sh"],
    ]
    expected = {_bangkok_tomorrow()}
    before = len(tap.requests)
    for command in commands:
        done = run_example(command, env)
        assert done.returncode != 0, command
        assert "appointmentDate" in done.stdout + done.stderr, command
    expected.add(_bangkok_tomorrow())  # in case midnight passed meanwhile
    sent = tap.since(before, "/test/api/queue")
    assert len(sent) == len(commands)
    for request in sent:
        assert json.loads(request.body)["appointmentDate"] in expected, request


def _bangkok_tomorrow() -> str:
    return (datetime.now(ZoneInfo("Asia/Bangkok")).date() + timedelta(days=1)).isoformat()


# -- the API points to the guide --------------------------------------------------------------


def test_openapi_description_links_both_guides(stack: Stack) -> None:
    description = stack.api.get("/openapi.json").json()["info"]["description"]
    assert "docs/hospital-guide.en.md" in description
    assert "docs/hospital-guide.th.md" in description
    assert "legacy mode" in description
    assert "YYYY-MM-DD" in description and "Buddhist" in description
