"""The phone view in real Chromium (Debian's `chromium`, driven by Playwright).

One emulator (webhooks to a recording receiver, a simulated clock at 09:00 Bangkok time)
and one browser serve the whole session; each test gets its own page and its own users.
Screenshots go to `test-artifacts/phone/`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from line_emulator import BackgroundServer, EmulatorConfig, EmulatorServer
from moph_connect.clock import SimulatedClock
from tests.line_emulator.conftest import PRODUCTION_TOKEN, START, WebhookReceiver
from tests.support.browser import chromium

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "phone"
VIEWPORT = {"width": 760, "height": 1400}
PHONE_VIEWPORT = {"width": 760, "height": 876}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="session")
def receiver_server() -> Iterator[tuple[WebhookReceiver, str]]:
    receiver = WebhookReceiver()
    with BackgroundServer(receiver.app()) as server:
        yield receiver, server.base_url


@dataclass
class Phone:
    """The emulator, an HTTP client on it, and the webhooks our service would get."""

    base_url: str
    http: httpx.Client
    receiver: WebhookReceiver
    pages: list[Any] = field(default_factory=list)

    def follow(self, name: str = "สมหญิง ใจดี", channel: str = "production", **extra: Any) -> str:
        response = self.http.post(
            f"/control/channels/{channel}/users", json={"displayName": name, **extra}
        )
        assert response.status_code == 201, response.text
        user_id: str = response.json()["userId"]
        return user_id

    def push(self, user_id: str, *messages: dict[str, Any]) -> None:
        response = self.http.post(
            "/v2/bot/message/push",
            json={"to": user_id, "messages": list(messages)},
            headers={"Authorization": f"Bearer {PRODUCTION_TOKEN}"},
        )
        assert response.status_code == 200, response.text

    def webhook_event(
        self, user_id: str, predicate: Callable[[dict[str, Any]], bool], timeout: float = 10.0
    ) -> dict[str, Any]:
        """The first webhook event from `user_id` matching `predicate` (waiting for it)."""
        deadline = time.monotonic() + timeout
        while True:
            for webhook in list(self.receiver.received):
                for event in webhook.json()["events"]:
                    if event["source"].get("userId") == user_id and predicate(event):
                        return dict(event)
            if time.monotonic() > deadline:
                raise AssertionError(f"no matching webhook from {user_id}")
            time.sleep(0.02)


@pytest.fixture(scope="session")
def phone_server(receiver_server: tuple[WebhookReceiver, str]) -> Iterator[Phone]:
    receiver, receiver_base = receiver_server
    config = EmulatorConfig.default(receiver_base, clock=SimulatedClock(START))
    with (
        EmulatorServer(config) as server,
        httpx.Client(base_url=server.base_url, timeout=10) as http,
    ):
        yield Phone(server.base_url, http, receiver)


@pytest.fixture
def phone(phone_server: Phone) -> Phone:
    return phone_server


@pytest.fixture
def page(browser: Any, phone_server: Phone) -> Iterator[Any]:
    """A fresh page that must load nothing but the emulator (the view works offline) and
    raise no script error or policy violation."""
    context = browser.new_context(viewport=VIEWPORT, locale="th-TH")
    page = context.new_page()
    problems: list[str] = []
    outside: list[str] = []
    local = urlsplit(phone_server.base_url).netloc
    # Only recorded, not intercepted: Playwright's sync API runs handlers only while the
    # test is inside one of its calls, and an intercepted request would wait for that.
    page.on(
        "request",
        lambda request: (
            outside.append(request.url) if urlsplit(request.url).netloc != local else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    yield page
    context.close()  # before the servers stop: closing ends the page's long-poll
    assert problems == []
    assert outside == []


def open_phone(page: Any, base_url: str, user_id: str, rows: int = 1) -> None:
    """Open the phone on `user_id`'s chat and wait for `rows` messages."""
    page.goto(f"{base_url}/#/production/{user_id}")
    page.wait_for_selector("body[data-ready=true]")
    if rows:
        page.wait_for_function(
            "n => document.querySelectorAll('#chat .row-msg').length >= n", arg=rows
        )
    page.evaluate("document.fonts.ready")


def screenshot(locator: Any, name: str) -> Path:
    """Save a picture of one element (a message row, say) for a person to judge."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    locator.screenshot(path=str(path))
    return path


def phone_screenshot(page: Any, name: str, *, whole_page: bool = False) -> Path:
    """The phone (or the whole page, panel too) at a phone's proportions; tests run on a
    taller page, to fit long cards."""
    page.set_viewport_size(PHONE_VIEWPORT)
    try:
        if not whole_page:
            return screenshot(page.locator(".phone"), name)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path))
        return path
    finally:
        page.set_viewport_size(VIEWPORT)
