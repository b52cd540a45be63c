"""The console in real Chromium (Debian's `chromium`, driven by Playwright), both roles:
sign in, the overview, the hospitals pages, a key issued and a mode changed; on a
laptop's and a phone's screen. Every page must load nothing from elsewhere and break no
Content-Security-Policy rule. Screenshots go to `test-artifacts/console/`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from moph_connect.appointments.schemas import SEED_EXAMPLE
from moph_connect.db.models import ChannelState
from tests.conftest import fresh_database_url
from tests.console.conftest import CONSOLE_SETTINGS, START
from tests.console.support import PASSWORD, add
from tests.support.browser import chromium
from tests.support.stack import Stack, running_stack

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"
LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
BRAND_GREEN = "rgb(0, 105, 92)"  # the header's colour: the stylesheet was applied


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


def _page(browser: Any, stack: Stack, viewport: dict[str, int], problems: list[str]) -> Any:
    context = browser.new_context(viewport=viewport, locale="th-TH")
    page = context.new_page()
    local = urlsplit(stack.base_url).netloc
    page.on(
        "request",
        lambda r: problems.append(f"outside: {r.url}") if urlsplit(r.url).netloc != local else None,
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda m: problems.append(f"console: {m.text}") if m.type in ("error", "warning") else None,
    )
    return page


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _sign_in(page: Any, stack: Stack, email: str, start: str = "/console/overview") -> None:
    page.goto(stack.base_url + start)
    page.wait_for_selector("form[action='/console/login']")  # sent to sign in first
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("form[action='/console/login'] button[type=submit]")
    page.wait_for_load_state()


def _seed_messages(stack: Stack) -> Any:
    hospital = stack.register_hospital()
    regist = stack.pick_hospital(stack.follow(), hospital.hospital_id)
    answer = stack.call("/api/queue", hospital.production_key, {**SEED_EXAMPLE, "userId": regist})
    assert answer.status_code == 202, answer.text
    stack.wait_inbox(stack.follow(), 1)
    return hospital


def test_the_ministry_signs_in_sees_the_overview_and_manages_a_hospital(
    browser: Any, stack: Stack
) -> None:
    hospital = _seed_messages(stack)
    problems: list[str] = []
    page = _page(browser, stack, LAPTOP, problems)
    _sign_in(page, stack, add(stack))
    assert urlsplit(page.url).path == "/console/overview"
    assert page.text_content("h1") is not None and "ทั้งประเทศ" in (page.text_content("h1") or "")
    header = page.eval_on_selector("header.top", "e => getComputedStyle(e).backgroundColor")
    assert header == BRAND_GREEN
    assert page.locator("#today tr[data-kind='queue_card']").count() == 1
    _shot(page, "ministry-overview-th")

    page.click("a[hreflang=en]")
    page.wait_for_selector("html[lang=en]")
    assert "Delivery overview" in (page.text_content("h1") or "")
    _shot(page, "ministry-overview-en")

    page.click("nav a[href='/console/hospitals']")
    page.fill("#q", "ปทุมธานี")
    page.click("form.search button")
    page.wait_for_selector(f"tr[data-hospital='{hospital.hospital_id}']")
    _shot(page, "ministry-hospitals")
    page.click(f"tr[data-hospital='{hospital.hospital_id}'] a")
    page.wait_for_selector("#keys")
    page.select_option("#rotate-environment", "test")
    page.fill("#grace-hours", "0")
    page.click("#rotate button")
    page.wait_for_selector("#new-key code.secret")
    new_key = page.text_content("#new-key code.secret") or ""
    assert new_key.startswith("mcp_test_")
    _shot(page, "ministry-new-key")
    call = stack.api.get(
        "/test/api/queue/a" + "0" * 24, headers={"Authorization": f"Bearer {new_key}"}
    )
    assert call.status_code == 404  # the key works: no such appointment, not 401

    page.select_option("#auth", "legacy")
    page.click("#mode-form button")
    page.wait_for_selector("#mode .badge.legacy")
    assert page.locator("#new-key").count() == 0  # the key is not shown again
    _shot(page, "ministry-hospital-legacy")

    page.click("form[action='/console/logout'] button")
    page.wait_for_selector("p.notice")
    page.goto(stack.base_url + "/console/overview")
    page.wait_for_selector("form[action='/console/login']")
    page.context.close()
    assert problems == []


def test_a_hospital_user_on_her_phone_sees_hers_and_nothing_else(
    browser: Any, stack: Stack
) -> None:
    mine = stack.register_hospital("โรงพยาบาลของเธอ")
    other = stack.register_hospital("โรงพยาบาลอื่น")
    now = stack.clock.now()
    with stack.database.transaction() as session:
        session.merge(
            ChannelState(
                channel="test",
                paused_until=now + timedelta(hours=1),
                reason="HTTP 401: Authentication failed",
                updated_at=now,
            )
        )
    problems: list[str] = []
    page = _page(browser, stack, PHONE, problems)
    try:
        _sign_in(page, stack, add(stack, "hospital", mine.hospital_id))
        assert "โรงพยาบาลของเธอ" in (page.text_content("h1") or "")
        assert page.locator("nav a[href='/console/hospitals']").count() == 0
        assert page.locator(".banner[role=alert]").is_visible()  # cannot be missed
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"]  # no sideways scrolling on a phone
        _shot(page, "hospital-overview-phone")

        page.goto(f"{stack.base_url}/console/hospitals/{mine.hospital_id}")
        assert page.locator("#rotate").count() == 0 and page.locator("#keys").count() == 1
        assert page.locator("nav a[aria-current=page]").text_content() == "โรงพยาบาลของฉัน"
        _shot(page, "hospital-own-hospital-phone")
        answer = page.goto(f"{stack.base_url}/console/hospitals/{other.hospital_id}")
        assert answer is not None and answer.status == 404
        assert "โรงพยาบาลอื่น" not in page.content()
        _shot(page, "hospital-other-hospital-404")
    finally:
        with stack.database.transaction() as session:
            session.merge(ChannelState(channel="test", paused_until=None, updated_at=now))
        page.context.close()
    # A 404 is logged by Chromium as a failed resource: that one is expected.
    assert [p for p in problems if "404" not in p] == []


def test_an_operator_changes_her_password_then_signs_in_with_it(browser: Any, stack: Stack) -> None:
    email = add(stack, "hospital", stack.register_hospital("โรงพยาบาลเปลี่ยนรหัส").hospital_id)
    new_password = "a new passphrase for the console"
    problems: list[str] = []
    page = _page(browser, stack, PHONE, problems)
    try:
        _sign_in(page, stack, email)
        page.click("header a[href='/console/password']")
        page.wait_for_selector("form[action='/console/password']")
        _shot(page, "change-password-phone")
        page.fill("#current_password", PASSWORD)
        page.fill("#new_password", new_password)
        page.fill("#new_password_again", new_password)
        page.click("form[action='/console/password'] button[type=submit]")
        page.wait_for_selector("p.notice[role=status]")
        assert urlsplit(page.url).path == "/console/password"
        _shot(page, "change-password-done-phone")

        page.click("form[action='/console/logout'] button")
        page.wait_for_selector("p.notice")
        page.goto(stack.base_url + "/console/overview")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)  # the old one no longer opens it
        page.click("form[action='/console/login'] button[type=submit]")
        page.wait_for_selector("p.error[role=alert]")
        page.fill("#password", new_password)
        page.click("form[action='/console/login'] button[type=submit]")
        page.wait_for_url("**/console/overview")
        assert "โรงพยาบาลเปลี่ยนรหัส" in (page.text_content("h1") or "")

        answer = page.goto(stack.base_url + "/console/no-such-page")
        assert answer is not None and answer.status == 404
        assert answer.headers["content-type"].startswith("text/html")
        page.wait_for_selector("h1")
        assert page.text_content("h1") == "ไม่พบหน้านี้"
        _shot(page, "unknown-page-404-phone")
    finally:
        page.context.close()
    # The refused sign-in (401) and the 404 are logged by Chromium as failed resources.
    assert [p for p in problems if "401" not in p and "404" not in p] == []
