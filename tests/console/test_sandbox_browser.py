"""The test sandbox in real Chromium, both roles: a hospital's developer books through
/test/api (and makes one refused call), then sees both calls with their answers and her
test patient's queue card drawn like the emulator's phone view, on a phone; the ministry
picks the hospital on a laptop. No request leaves the service and no CSP rule breaks (the
card's colours come from a stylesheet, never a style attribute). Screenshots go to
`test-artifacts/console/`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from moph_connect.appointments.schemas import SEED_EXAMPLE
from tests.conftest import fresh_database_url
from tests.console.conftest import CONSOLE_SETTINGS, START
from tests.console.support import add
from tests.console.test_browser import LAPTOP, PHONE, _page, _shot, _sign_in
from tests.support.browser import chromium
from tests.support.stack import Stack, running_stack, wait_for

pytestmark = pytest.mark.browser

TEAL = "rgb(0, 121, 107)"  # palette.BRAND (#00796B): the queue card's header


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    url = fresh_database_url(request, "sqlite", tmp_path_factory.mktemp("db"))
    with running_stack(url, START, settings_overrides=CONSOLE_SETTINGS) as running:
        yield running


def _booked(stack: Stack, name: str) -> tuple[str, str]:
    """A hospital whose developer booked her test patient through /test/api (and sent
    one call with a past date): its id and the patient's MOPH Connect ID."""
    hospital = stack.register_hospital(name)
    user = stack.follow("test")
    regist = stack.pick_hospital(user, hospital.hospital_id)
    body = {**SEED_EXAMPLE, "userId": regist}
    before = len(stack.inbox(user))
    booked = stack.call("/test/api/queue", hospital.test_key, body)
    assert booked.status_code == 202, booked.text
    refused = stack.call(
        "/test/api/queue", hospital.test_key, {**body, "appointmentDate": "2018-01-01"}
    )
    assert refused.status_code == 422, refused.text
    stack.wait_inbox(user, before + 1)  # the queue card reached her (emulated) phone
    return hospital.hospital_id, regist


def _queue_card_shown(page: Any) -> None:
    card = "[data-kind='queue_card'] .fx-bubble"
    page.wait_for_selector(card)
    assert "1221" in (page.text_content(card) or "")
    header = page.eval_on_selector(
        f"{card} .fx-header > .fx-box", "e => getComputedStyle(e).backgroundColor"
    )
    assert header == TEAL  # the colour stylesheet applied
    assert page.locator(f"{card} .fx-button a[href='http://pth.ddns.net/']").count() >= 1


def test_a_hospital_developer_sees_her_test_calls_and_her_patient_s_card(
    browser: Any, stack: Stack
) -> None:
    hospital_id, regist = _booked(stack, "โรงพยาบาลทดสอบของเธอ")
    other_id, _ = _booked(stack, "โรงพยาบาลอื่น")
    problems: list[str] = []
    page = _page(browser, stack, PHONE, problems)
    try:
        _sign_in(page, stack, add(stack, "hospital", hospital_id), start="/console/sandbox")
        assert urlsplit(page.url).path == f"/console/sandbox/{hospital_id}"
        assert page.locator("#calls li[data-status='202']").count() == 1
        assert page.locator("#calls li[data-status='422']").count() == 1
        page.click("#calls li[data-status='422'] summary")
        assert "appointmentDate" in (page.text_content("#calls li[data-status='422'] pre") or "")
        assert SEED_EXAMPLE["patientName"] not in page.content()
        _shot(page, "hospital-sandbox-phone")

        page.click(f"#patients tr[data-regist='{regist}'] a")
        _queue_card_shown(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"]  # no sideways scrolling on a phone
        _shot(page, "hospital-sandbox-patient-phone")

        answer = page.goto(f"{stack.base_url}/console/sandbox/{other_id}")
        assert answer is not None and answer.status == 404
        assert "โรงพยาบาลอื่น" not in page.content()
    finally:
        page.context.close()
    assert [p for p in problems if "404" not in p] == []


def test_the_ministry_picks_a_hospital_and_sees_its_sandbox(browser: Any, stack: Stack) -> None:
    hospital_id, regist = _booked(stack, "โรงพยาบาลที่กระทรวงเลือก")
    problems: list[str] = []
    page = _page(browser, stack, LAPTOP, problems)
    try:
        _sign_in(page, stack, add(stack), start="/console/sandbox")
        page.wait_for_selector(f"#sandbox-hospitals tr[data-hospital='{hospital_id}']")
        _shot(page, "ministry-sandbox-pick")
        page.click(f"#sandbox-hospitals tr[data-hospital='{hospital_id}'] a")
        page.wait_for_selector("#calls")
        page.click("#calls li[data-status='202'] summary")
        wait_for(
            lambda: "appointmentId" in (page.text_content("#calls li[data-status='202']") or ""),
            what="the answer shown",
        )
        _shot(page, "ministry-sandbox")
        page.click("a[hreflang=en]")
        page.wait_for_selector("html[lang=en]")
        assert "Test sandbox" in (page.text_content("h1") or "")
        page.click(f"#patients tr[data-regist='{regist}'] a")
        _queue_card_shown(page)
        _shot(page, "ministry-sandbox-patient")
    finally:
        page.context.close()
    assert problems == []
