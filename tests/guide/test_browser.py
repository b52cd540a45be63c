"""The guide's browser examples in real Chromium (Debian's, through Playwright): the
hospital's booking page, opened from the link MOPH Connect sent the patient, calls the API
with `fetch`, as `text/plain` (no preflight) and as `application/json` (preflighted). A
page from another origin gets no CORS grant.

The booking pages are served by this test on loopback: the hospital is registered with a
booking URL on the port of the first server, so that its origin is granted CORS; the
second server is another origin.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

from line_emulator import BackgroundServer
from moph_connect.appointments.schemas import SEED_EXAMPLE
from moph_connect.hospitals.service import NewHospital
from tests.guide.conftest import EXAMPLES, NewPatient, Patient, make_legacy
from tests.guide.wire import WireTap
from tests.support.browser import chromium
from tests.support.stack import Stack

pytestmark = pytest.mark.browser

SCRIPTS = ("booking-page.js", "booking-page-json.js")
BOOKING = {k: v for k, v in SEED_EXAMPLE.items() if k != "userId"}  # the date: 2018-04-30
PAGE = """<!doctype html>
<html lang="th"><head><meta charset="utf-8"><title>จองคิว</title>
<script src="/examples/{script}"></script></head>
<body><h1>จองคิว โรงพยาบาลปทุมธานี</h1></body></html>
"""


def _site() -> Starlette:
    """A hospital's booking site: /booking?regist=...&script=<one of the examples>."""

    def booking(request: Request) -> Response:
        script = request.query_params.get("script", "")
        if script not in SCRIPTS:
            return Response(status_code=404)
        return HTMLResponse(PAGE.format(script=script))

    def example(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in SCRIPTS:
            return Response(status_code=404)
        return FileResponse(EXAMPLES / name, media_type="text/javascript")

    return Starlette(routes=[Route("/booking", booking), Route("/examples/{name}", example)])


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def sites() -> Iterator[tuple[str, str]]:
    """The hospital's booking site, and a site on another origin."""
    with BackgroundServer(_site()) as hospital, BackgroundServer(_site()) as other:
        yield hospital.base_url, other.base_url


@pytest.fixture(scope="module")
def booking_hospital(stack: Stack, sites: tuple[str, str]) -> NewHospital:
    """One legacy-mode hospital whose booking page is the first site. Registered before any
    call with an Origin, so that the service's origin list (read every few seconds) has it."""
    hospital = stack.register_hospital(booking_url=f"{sites[0]}/booking?regist={{regist}}")
    make_legacy(stack, hospital)
    return hospital


def _send_from_page(
    browser: Any, page_url: str, api: str
) -> tuple[dict[str, Any] | None, str | None]:
    """Open the page and run the example's sendQueueCard(api, booking): (answer, error)."""
    context = browser.new_context(locale="th-TH")
    try:
        page = context.new_page()
        page.goto(page_url)
        result: dict[str, Any] = page.evaluate(
            """([api, booking]) => sendQueueCard(api, booking).then(
                   (answer) => ({ answer }), (error) => ({ error: String(error) }))""",
            [api, BOOKING],
        )
    finally:
        context.close()
    return result.get("answer"), result.get("error")


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_booking_page_sends_the_queue_card_from_the_browser(
    browser: Any,
    stack: Stack,
    tap: WireTap,
    new_patient: NewPatient,
    booking_hospital: NewHospital,
    sites: tuple[str, str],
    script: str,
) -> None:
    patient: Patient = new_patient("test", hospital=booking_hospital)
    assert patient.booking_link.startswith(f"{sites[0]}/booking?regist={patient.regist}")
    inbox, wire = len(stack.inbox(patient.user)), len(tap.requests)

    answer, error = _send_from_page(
        browser, f"{patient.booking_link}&script={script}", tap.base_url + "/test/api"
    )
    assert error is None, error
    assert answer is not None
    assert [m["kind"] for m in answer["messages"]] == ["queue_card"]

    sent = tap.since(wire, "/test/api/queue")
    methods = [r.method for r in sent]
    post = sent[-1]
    assert post.method == "POST"
    assert post.header("origin") == sites[0]
    assert post.header("authorization") is None  # no key in a web page
    assert SEED_EXAMPLE["patientName"].encode() in post.body  # Thai as it is, UTF-8
    warnings = [(w["field"], w["reason"]) for w in answer["warnings"]]
    if script == "booking-page.js":
        assert methods == ["POST"]  # a simple request: no preflight
        assert post.header("content-type") == "text/plain;charset=UTF-8"
        assert warnings == [("Content-Type", "is text/plain; the body was read as JSON")]
    else:
        assert methods == ["OPTIONS", "POST"]  # preflighted, and granted
        assert sent[0].header("access-control-request-method") == "POST"
        assert sent[0].header("access-control-request-headers") == "content-type"
        assert post.header("content-type") == "application/json"
        assert warnings == []

    message = stack.wait_inbox(patient.user, inbox + 1)[inbox]["message"]
    assert message["altText"].startswith("บัตรคิว โรงพยาบาลปทุมธานี: จุดคัดกรอง คิวที่ 1221")
    assert SEED_EXAMPLE["patientName"] in json.dumps(message, ensure_ascii=False)


def test_a_page_from_another_origin_gets_no_grant(
    browser: Any,
    stack: Stack,
    tap: WireTap,
    new_patient: NewPatient,
    booking_hospital: NewHospital,
    sites: tuple[str, str],
) -> None:
    patient: Patient = new_patient("test", hospital=booking_hospital)
    elsewhere = patient.booking_link.replace(sites[0], sites[1], 1)
    api = tap.base_url + "/test/api"

    # application/json: the preflight is refused, so the browser never sends the call.
    inbox, wire = len(stack.inbox(patient.user)), len(tap.requests)
    answer, error = _send_from_page(browser, f"{elsewhere}&script=booking-page-json.js", api)
    assert answer is None
    assert error == "TypeError: Failed to fetch"
    assert [r.method for r in tap.since(wire, "/test/api/queue")] == ["OPTIONS"]
    assert len(stack.inbox(patient.user)) == inbox

    # text/plain needs no preflight: the browser sends the call, and the service refuses
    # it (403) because its Origin has no grant, so nothing is planned or sent.
    wire = len(tap.requests)
    answer, error = _send_from_page(browser, f"{elsewhere}&script=booking-page.js", api)
    assert answer is None
    assert error == "TypeError: Failed to fetch"
    [post] = tap.since(wire, "/test/api/queue")
    assert post.method == "POST" and post.header("origin") == sites[1]
    # A later call from the booking site itself arrives alone: the refused one planned nothing.
    answer, error = _send_from_page(browser, f"{patient.booking_link}&script=booking-page.js", api)
    assert error is None, error
    messages = stack.wait_inbox(patient.user, inbox + 1)
    time.sleep(0.5)
    assert len(stack.inbox(patient.user)) == len(messages) == inbox + 1
