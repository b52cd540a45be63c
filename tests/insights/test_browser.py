"""The satisfaction and deliveries pages in real Chromium (Debian's, through Playwright),
signed in through the form, on a laptop and on a phone. Screenshots go to
`test-artifacts/console/`."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import fresh_database_url
from tests.insights.support import PASSWORD, TODAY, World, add_operators, seed_world
from tests.satisfaction.seed import PATIENT_NAME, bangkok
from tests.support.browser import chromium
from tests.support.stack import Stack, running_stack

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"
LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Stack, World]]:
    url = fresh_database_url(request, "sqlite", tmp_path)
    with running_stack(url, bangkok(TODAY, 10), run_dispatcher=False) as stack:
        world = seed_world(stack.database)
        add_operators(stack.database)
        yield stack, world


def signed_in(browser: Any, base_url: str, email: str) -> Any:
    """A page signed in through the form. What the browser complained of (a script
    error, a Content-Security-Policy violation, a request off this server) goes to
    `page.problems`, which every test expects empty."""
    context = browser.new_context(viewport=LAPTOP, accept_downloads=True, locale="th-TH")
    page = context.new_page()
    problems: list[str] = []
    here = urlsplit(base_url).netloc
    page.on(
        "request",
        lambda r: problems.append(f"outside: {r.url}") if urlsplit(r.url).netloc != here else None,
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda m: problems.append(f"console: {m.text}") if m.type in ("error", "warning") else None,
    )
    page.problems = problems
    page.goto(f"{base_url}/console/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/overview")
    return page


def shoot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("document.fonts.ready")
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def fits_the_screen(page: Any) -> bool:
    """Nothing wider than the window (tables scroll inside their own box)."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_satisfaction_for_a_hospital_and_the_ministry(
    browser: Any,
    site: tuple[Stack, World],
) -> None:
    stack, _ = site
    page = signed_in(browser, stack.base_url, "it@pth.go.th")
    page.click("nav >> text=ความพึงพอใจ")
    page.wait_for_url("**/console/satisfaction")
    assert page.locator("h1").inner_text().startswith("ความพึงพอใจของผู้ป่วย")
    # h1's seeded answers: scores 5, 4, 2, 3 of 5 sent; recommendations 10, 9, 3, 7.
    assert page.locator("#tile-mean .value").inner_text() == "3.5"
    assert page.locator("#tile-response .value").inner_text() == "80.0%"
    assert page.locator("#tile-nps .value").inner_text() == "25.0"
    charts = page.locator("svg.chart[role=img]")
    assert charts.count() == 3
    for index in range(3):
        assert charts.nth(index).is_visible()
    bars = page.locator("#chart-distribution rect[data-label]")
    assert [bars.nth(i).get_attribute("data-value") for i in range(5)] == ["0", "1", "1", "1", "1"]
    assert page.get_by_text("พยาบาลใจดีมาก").is_visible()
    shoot(page, "satisfaction-hospital-th")
    with page.expect_download() as download:
        page.click("#csv-link")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    total = [r for r in csv.DictReader(io.StringIO(text)) if r["period"] == "total"]
    assert [(r["hospital_id"], r["mean_score"], r["nps"]) for r in total] == [("h1", "3.5", "25.0")]
    page.set_viewport_size(PHONE)
    assert fits_the_screen(page)
    shoot(page, "satisfaction-hospital-phone")
    assert page.problems == []
    page.context.close()

    ministry = signed_in(browser, stack.base_url, "ministry@moph.go.th")
    ministry.goto(f"{stack.base_url}/console/satisfaction")
    ministry.click("text=English")
    assert ministry.locator("h1").inner_text() == "Patient satisfaction · National"
    assert ministry.locator("#hospitals tbody tr").count() == 2
    assert ministry.locator("#tile-mean .value").inner_text() == "3.0"
    shoot(ministry, "satisfaction-national-en")
    ministry.click("#hospitals >> text=โรงพยาบาลลำลูกกา")
    assert ministry.locator("#tile-mean .value").inner_text() == "1.0"
    assert ministry.problems == []
    ministry.context.close()


def test_deliveries_search_timeline_and_the_patients_name(
    browser: Any,
    site: tuple[Stack, World],
) -> None:
    stack, world = site
    page = signed_in(browser, stack.base_url, "it@pth.go.th")
    page.click("nav >> text=การส่งข้อความ")
    page.fill("input[name=queue]", "A 12")
    page.select_option("select[name=status]", "sent")
    page.click("#search button[type=submit]")
    rows = page.locator("#deliveries tbody tr")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-message") == str(world.card)
    assert PATIENT_NAME not in page.content()
    shoot(page, "deliveries-list-th")
    page.click(f"#deliveries a[href$='/deliveries/{world.card}']")
    events = page.locator("#timeline li")
    assert [events.nth(i).get_attribute("data-event") for i in range(events.count())] == [
        "planned",
        "due",
        "retry",
        "sent",
        "sent",
    ]
    assert "req-0001" in page.locator("#timeline").inner_text()
    page.click("#reveal button")
    assert page.locator("#patient-name").inner_text() == PATIENT_NAME
    page.set_viewport_size(PHONE)
    assert fits_the_screen(page)
    shoot(page, "delivery-timeline-phone")
    # Another hospital's message, by editing the URL: not found.
    answer = page.goto(f"{stack.base_url}/console/deliveries/{world.theirs}")
    assert answer is not None and answer.status == 404
    assert [p for p in page.problems if "404" not in p] == []
    page.context.close()
