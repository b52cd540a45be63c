"""Playing the patient in the phone view: each tap or message reaches our webhook."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from line_emulator import BackgroundServer, EmulatorConfig, create_emulator_app
from moph_connect import messages
from tests.line_emulator.conftest import PRODUCTION_TOKEN
from tests.messages.support import SEED
from tests.phone.conftest import Phone, open_phone, phone_screenshot, screenshot

pytestmark = pytest.mark.browser

AUTH = {"Authorization": f"Bearer {PRODUCTION_TOKEN}"}
VIEW = SEED  # the seed document's appointment


def last_row(page: Any) -> Any:
    return page.locator("#chat .row-msg").last


def test_tapping_a_postback_button(page: Any, phone: Phone) -> None:
    user = phone.follow()
    phone.push(user, messages.survey(VIEW, "s0123456789"))
    open_phone(page, phone.base_url, user)
    page.get_by_role("button", name="5 พอใจมากที่สุด").click()

    event = phone.webhook_event(user, lambda e: e["type"] == "postback")
    assert "s0123456789" in event["postback"]["data"]
    # The action's displayText shows as her message.
    page.wait_for_selector("#chat .row-msg.from-user")
    assert last_row(page).inner_text().startswith("ให้คะแนน 5")


def test_typing_a_message(page: Any, phone: Phone) -> None:
    user = phone.follow()
    open_phone(page, phone.base_url, user, rows=0)
    page.locator("#text").fill("สวัสดีค่ะ อยากจองคิว")
    page.locator("#text").press("Enter")

    page.wait_for_selector("#chat .row-msg.from-user")
    assert last_row(page).locator(".bubble").inner_text() == "สวัสดีค่ะ อยากจองคิว"
    event = phone.webhook_event(user, lambda e: e["type"] == "message")
    assert event["message"] == {**event["message"], "type": "text", "text": "สวัสดีค่ะ อยากจองคิว"}
    assert page.locator("#text").input_value() == ""


def test_sharing_a_location(page: Any, phone: Phone) -> None:
    user = phone.follow()
    open_phone(page, phone.base_url, user, rows=0)
    page.get_by_role("button", name="Share location").click()
    page.get_by_role("button", name="รพ.ปทุมธานี").click()
    page.get_by_role("button", name="ส่งตำแหน่ง").click()

    event = phone.webhook_event(user, lambda e: e["type"] == "message")
    location = event["message"]
    assert (location["type"], location["latitude"], location["longitude"]) == (
        "location",
        14.0208,
        100.525,
    )
    assert location["title"] == "โรงพยาบาลปทุมธานี"
    page.wait_for_selector("#chat .location-bubble")
    assert page.locator("#location-form").is_hidden()
    screenshot(last_row(page), "location")


def test_tapping_a_quick_reply(page: Any, phone: Phone) -> None:
    user = phone.follow()
    phone.push(
        user,
        messages.flex.text_message(
            "เลือกเมนูได้เลยค่ะ",
            quick_reply=[
                messages.flex.postback_action("จองคิว", "action=book", display_text="จองคิว"),
                {"type": "message", "label": "ช่วยเหลือ", "text": "ช่วยเหลือ"},
                {"type": "location", "label": "ส่งตำแหน่ง"},
            ],
        ),
    )
    open_phone(page, phone.base_url, user)
    chips = page.locator("#quick-replies .quick-reply")
    assert chips.count() == 3
    phone_screenshot(page, "quick_replies")
    chips.nth(1).click()

    event = phone.webhook_event(user, lambda e: e["type"] == "message")
    assert event["message"]["text"] == "ช่วยเหลือ"
    assert page.locator("#quick-replies").is_hidden()  # they go once she answers


def rich_menu_png(browser: Any, width: int, height: int, labels: list[str]) -> bytes:
    """A rich menu image drawn by the browser itself: one coloured panel per area."""
    page = browser.new_page(viewport={"width": width, "height": height})
    colours = ["#00796B", "#0F766E", "#C2410C", "#1D4ED8"]
    cells = "".join(
        f'<div style="flex:1;display:flex;align-items:center;justify-content:center;'
        f"background:{colours[i % len(colours)]};color:#fff;font:bold 120px sans-serif;"
        f'border:6px solid #fff">{label}</div>'
        for i, label in enumerate(labels)
    )
    page.set_content(f'<body style="margin:0;display:flex;height:{height}px">{cells}</body>')
    image: bytes = page.screenshot(type="png")
    page.close()
    assert len(image) < 1024 * 1024
    return image


def make_menu(phone: Phone, browser: Any, chat_bar: str, areas: list[tuple[str, Any]]) -> str:
    width, height = 2500, 843
    step = width // len(areas)
    body = {
        "size": {"width": width, "height": height},
        "selected": True,
        "name": chat_bar,
        "chatBarText": chat_bar,
        "areas": [
            {"bounds": {"x": i * step, "y": 0, "width": step, "height": height}, "action": action}
            for i, (_, action) in enumerate(areas)
        ],
    }
    created = phone.http.post("/v2/bot/richmenu", json=body, headers=AUTH)
    rich_menu_id: str = created.json()["richMenuId"]
    image = rich_menu_png(browser, width, height, [label for label, _ in areas])
    uploaded = phone.http.post(
        f"/v2/bot/richmenu/{rich_menu_id}/content",
        content=image,
        headers=AUTH | {"Content-Type": "image/png"},
    )
    assert uploaded.status_code == 200, uploaded.text
    return rich_menu_id


def test_the_rich_menu(page: Any, browser: Any, phone: Phone) -> None:
    user = phone.follow()
    default = make_menu(
        phone,
        browser,
        "เมนูหลัก",
        [
            (
                "จองคิว",
                {
                    "type": "postback",
                    "label": "จองคิว",
                    "data": "action=book",
                    "displayText": "จองคิว",
                },
            ),
            ("นัดหมาย", {"type": "message", "label": "นัดหมาย", "text": "นัดหมายของฉัน"}),
            ("เว็บไซต์", {"type": "uri", "label": "เว็บไซต์", "uri": "https://moph.go.th/"}),
        ],
    )
    phone.http.post(f"/v2/bot/user/all/richmenu/{default}", headers=AUTH)
    try:
        open_phone(page, phone.base_url, user, rows=0)
        menu = page.locator("#richmenu")
        menu.locator("img").wait_for()
        page.wait_for_function("() => document.querySelector('#richmenu img').complete")
        assert page.locator("#chat-bar").inner_text().startswith("เมนูหลัก")
        phone_screenshot(page, "rich_menu")

        menu.get_by_role("button", name="จองคิว").click()
        event = phone.webhook_event(user, lambda e: e["type"] == "postback")
        assert event["postback"]["data"] == "action=book"
        menu.get_by_role("button", name="นัดหมาย").click()
        event = phone.webhook_event(user, lambda e: e["type"] == "message")
        assert event["message"]["text"] == "นัดหมายของฉัน"
        website = menu.get_by_role("link", name="เว็บไซต์")
        assert (website.get_attribute("href"), website.get_attribute("target")) == (
            "https://moph.go.th/",
            "_blank",
        )

        page.locator("#chat-bar").click()  # the chat bar folds the menu away
        assert menu.is_hidden()
        page.locator("#chat-bar").click()
        assert menu.is_visible()

        # A menu linked to her replaces the default while she watches.
        own = make_menu(
            phone,
            browser,
            "เมนูของฉัน",
            [("ช่วยเหลือ", {"type": "message", "label": "ช่วยเหลือ", "text": "?"})],
        )
        phone.http.post(f"/v2/bot/user/{user}/richmenu/{own}", headers=AUTH)
        page.wait_for_function(
            "() => document.querySelector('#chat-bar').textContent === 'เมนูของฉัน'"
        )
    finally:
        phone.http.delete("/v2/bot/user/all/richmenu", headers=AUTH)


def test_new_messages_appear_without_reloading(page: Any, phone: Phone) -> None:
    user = phone.follow()
    open_phone(page, phone.base_url, user, rows=0)
    page.evaluate("window.stillTheSamePage = true")
    phone.push(user, messages.queue_near(VIEW))
    page.wait_for_selector("#chat .row-msg", timeout=5000)
    assert page.evaluate("window.stillTheSamePage") is True
    assert last_row(page).get_by_text("ใกล้ถึงคิวของคุณแล้ว").is_visible()


def test_adding_a_user_and_switching_channels(page: Any, phone: Phone) -> None:
    page.goto(phone.base_url + "/")
    page.wait_for_selector("body[data-ready=true]")
    page.locator("#new-name").fill("Somchai")
    page.locator("#new-language").select_option("en")
    page.get_by_role("button", name="Add friend").click()
    page.wait_for_function("() => document.querySelector('#user').value !== ''")
    user = page.locator("#user").input_value()
    event = phone.webhook_event(user, lambda e: e["type"] == "follow")
    assert event["follow"] == {"isUnblocked": False}
    profile = phone.http.get(f"/v2/bot/profile/{user}", headers=AUTH).json()
    assert (profile["displayName"], profile["language"]) == ("Somchai", "en")

    page.locator("#channel").select_option("test")
    page.wait_for_function(
        "() => document.querySelector('#bot-name').textContent.startsWith('[TEST]')"
    )
    assert page.locator("#bot-name").inner_text() == "[TEST] MOPH Connect"


def test_the_page_works_mounted_below_line_emulator(browser: Any) -> None:
    emulator = create_emulator_app(EmulatorConfig.default(None))
    parent = Starlette(routes=[Mount("/line-emulator", app=emulator)])
    with BackgroundServer(parent) as server:
        base = f"{server.base_url}/line-emulator"
        user = httpx.post(
            f"{base}/control/channels/production/users", json={"displayName": "ครูเพ็ญศรี"}
        ).json()["userId"]
        httpx.post(
            f"{base}/v2/bot/message/push",
            json={"to": user, "messages": [messages.welcome("MOPH Connect")]},
            headers=AUTH,
        ).raise_for_status()
        context = browser.new_context()
        try:
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            open_phone(page, base, user)
            assert page.locator("#chat .fx-bubble").count() == 1
            page.locator("#text").fill("สวัสดี")
            page.locator("#text").press("Enter")
            page.wait_for_selector("#chat .row-msg.from-user")
            assert errors == []
        finally:
            context.close()
