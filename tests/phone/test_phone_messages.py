"""Our own messages, pushed through the Messaging API, as the phone view draws them."""

from __future__ import annotations

from typing import Any

import pytest

from moph_connect import messages
from tests.messages.support import SEED
from tests.phone.conftest import Phone, open_phone, phone_screenshot, screenshot

pytestmark = pytest.mark.browser

BRAND = "rgb(0, 121, 107)"  # palette.BRAND, #00796B
URGENT = "rgb(194, 65, 12)"  # palette.URGENT, #C2410C


def css(locator: Any, prop: str) -> str:
    value: str = locator.evaluate("(el, prop) => getComputedStyle(el)[prop]", prop)
    return value


def row(page: Any, index: int) -> Any:
    return page.locator("#chat .row-msg").nth(index)


def header_of(locator: Any) -> Any:
    return locator.locator(".fx-header > .fx-box").first


def test_appointment_cards(page: Any, phone: Phone) -> None:
    user = phone.follow()
    cards = {
        "queue_card": messages.queue_card(SEED),
        "reminder_day_before": messages.reminder_day_before(SEED),
        "queue_near": messages.queue_near(SEED),
        "alert": messages.alert(SEED, header="แจ้งเลื่อนเวลาตรวจ", background_color="#FFD54F"),
        "survey": messages.survey(SEED, "s0123456789"),
    }
    phone.push(user, *list(cards.values()))
    open_phone(page, phone.base_url, user, rows=len(cards))

    for index, name in enumerate(cards):
        card = row(page, index)
        assert card.get_attribute("data-type") == "flex"
        screenshot(card, name)

    queue_card = row(page, 0)
    for shown in ["บัตรคิว", "โรงพยาบาลปทุมธานี", SEED.patient_name, SEED.appointment_time]:
        assert queue_card.get_by_text(shown, exact=True).is_visible(), shown
    assert css(header_of(queue_card), "backgroundColor") == BRAND
    number = queue_card.get_by_text(SEED.queue_number, exact=True)
    assert number.is_visible()
    assert css(number, "fontWeight") == "700"
    assert css(number, "fontSize") == "22px"  # "xl"
    assert css(number, "color") == BRAND
    assert queue_card.get_by_text("วันจันทร์ที่ 30 เมษายน 2561").is_visible()
    details = queue_card.get_by_role("link", name="รายละเอียด")
    assert details.get_attribute("href") == "http://pth.ddns.net/"
    assert details.get_attribute("target") == "_blank"
    assert "noopener" in (details.get_attribute("rel") or "")
    assert css(details, "backgroundColor") == BRAND  # the primary button takes our colour
    assert css(details, "height") == "40px"  # height "sm"
    current = queue_card.get_by_role("link", name="ดูคิวปัจจุบัน")
    assert css(current, "backgroundColor") == "rgb(220, 223, 229)"  # LINE's secondary grey

    assert css(header_of(row(page, 2)), "backgroundColor") == URGENT
    assert row(page, 2).get_by_text("ใกล้ถึงคิวของคุณแล้ว").is_visible()
    alert = row(page, 3)
    assert css(header_of(alert), "backgroundColor") == "rgb(255, 213, 79)"
    # Dark text on the hospital's light yellow, as the builder decided.
    assert css(alert.get_by_text("แจ้งเลื่อนเวลาตรวจ"), "color") != "rgb(255, 255, 255)"

    survey = row(page, 4)
    scores = survey.locator(".fx-button button")
    assert scores.count() == 5
    assert scores.first.inner_text() == "5 พอใจมากที่สุด"


def test_chat_messages(page: Any, phone: Phone) -> None:
    user = phone.follow()
    hospitals = [
        messages.HospitalChoice("h" + "1" * 23, "โรงพยาบาลปทุมธานี", "ปทุมธานี"),
        messages.HospitalChoice("h" + "2" * 23, "โรงพยาบาลราชวิถี", "กรุงเทพมหานคร"),
        messages.HospitalChoice("h" + "3" * 23, "โรงพยาบาลนครพิงค์", "เชียงใหม่"),
    ]
    chat = {
        "welcome": messages.welcome("MOPH Connect"),
        "hospital_picker": messages.hospital_picker(hospitals),
        "booking_link": messages.booking_link(
            "โรงพยาบาลปทุมธานี", "http://pth.ddns.net/queue/que_register.php?regist=abc123"
        ),
        "text_with_quick_replies": messages.not_understood(),
    }
    phone.push(user, *list(chat.values()))
    open_phone(page, phone.base_url, user, rows=len(chat))
    for index, name in enumerate(chat):
        screenshot(row(page, index), name)

    carousel = row(page, 1).locator(".fx-carousel")
    assert carousel.locator(".fx-bubble").count() == 3
    assert carousel.evaluate("el => el.scrollWidth > el.clientWidth")  # scrolls sideways
    carousel.evaluate("el => { el.style.scrollSnapType = 'none'; el.scrollLeft = el.scrollWidth; }")
    screenshot(row(page, 1), "hospital_picker_scrolled")
    assert carousel.get_by_text("โรงพยาบาลนครพิงค์").count() == 1
    assert carousel.get_by_role("button", name="เลือกโรงพยาบาลนี้").count() == 3

    booking = row(page, 2).get_by_role("link", name="จองคิว")
    assert booking.get_attribute("href") == (
        "http://pth.ddns.net/queue/que_register.php?regist=abc123"
    )

    text = row(page, 3).locator(".bubble")
    assert "ระบบยังไม่เข้าใจข้อความนี้" in text.inner_text()
    chips = page.locator("#quick-replies .quick-reply")
    assert chips.count() >= 1 and chips.first.is_visible()
    phone_screenshot(page, "phone_with_quick_replies")


def test_the_page_shows_the_chat_like_line(page: Any, phone: Phone) -> None:
    user = phone.follow()
    phone.push(user, messages.welcome("MOPH Connect"))
    phone.http.post(f"/control/users/{user}/text", json={"text": "สวัสดีค่ะ"})
    open_phone(page, phone.base_url, user, rows=2)
    assert page.locator("#bot-name").inner_text() == "MOPH Connect"
    # The emulator's clock stands at 09:00 on Monday 2 March 2026, Bangkok time.
    assert page.locator(".date-separator").first.inner_text() == "จันทร์ 2 มี.ค. 2569"
    assert page.locator("#chat .row-msg time").first.inner_text() == "09:00"
    bot, mine = row(page, 0), row(page, 1)
    assert (
        bot.locator(".avatar").is_visible()
        and bot.locator(".sender").inner_text() == "MOPH Connect"
    )
    assert css(mine.locator(".bubble"), "backgroundColor") == "rgb(133, 226, 73)"
    hers, ours = mine.locator(".bubble").bounding_box(), bot.locator(".fx-bubble").bounding_box()
    chat = page.locator("#chat").bounding_box()
    assert hers["x"] + hers["width"] > chat["x"] + chat["width"] - 20  # hers on the right
    assert ours["x"] < chat["x"] + 60  # ours on the left, after the avatar
    phone_screenshot(page, "phone")
    phone_screenshot(page, "page", whole_page=True)


def test_flex_keywords_take_line_sizes(page: Any, phone: Phone) -> None:
    user = phone.follow()
    icon = f"{phone.base_url}/phone/icon.svg"
    sizes = ["xxs", "xs", "sm", "md", "lg", "xl", "xxl", "3xl"]
    bubble = {
        "type": "bubble",
        "size": "mega",
        "styles": {"footer": {"separator": True, "backgroundColor": "#FAFAFA"}},
        "hero": {
            "type": "image",
            "url": icon,
            "size": "full",
            "aspectRatio": "20:13",
            "aspectMode": "cover",
        },
        "body": {
            "type": "box",
            "layout": "vertical",
            "spacing": "md",
            "contents": [
                *({"type": "text", "text": f"ขนาด {s}", "size": s} for s in sizes),
                {
                    "type": "box",
                    "layout": "horizontal",
                    "margin": "20px",
                    "contents": [
                        {"type": "text", "text": "1", "flex": 1, "align": "center"},
                        {"type": "separator", "color": "#FF0000"},
                        {"type": "text", "text": "2", "flex": 2, "align": "end"},
                    ],
                },
                {
                    "type": "box",
                    "layout": "baseline",
                    "contents": [
                        {"type": "icon", "url": icon, "size": "lg"},
                        {"type": "icon", "url": icon, "size": "lg", "aspectRatio": "2:1"},
                        {
                            "type": "text",
                            "contents": [
                                {"type": "span", "text": "ตัวหนา", "weight": "bold"},
                                {"type": "span", "text": " ขีดฆ่า", "decoration": "line-through"},
                                {"type": "span", "text": " สีแดง", "color": "#FF0000"},
                            ],
                        },
                    ],
                },
                {
                    "type": "box",
                    "layout": "vertical",
                    "cornerRadius": "xl",
                    "borderWidth": "medium",
                    "borderColor": "#00796B",
                    "paddingAll": "xl",
                    "backgroundColor": "#E0F2F1",
                    "contents": [
                        {"type": "text", "text": "wrap " * 12, "wrap": True, "maxLines": 2},
                        {"type": "filler"},
                    ],
                },
            ],
        },
        "footer": {
            "type": "box",
            "layout": "horizontal",
            "spacing": "sm",
            "contents": [
                {
                    "type": "button",
                    "style": "link",
                    "height": "md",
                    "action": {"type": "message", "label": "ลิงก์", "text": "hi"},
                },
                {
                    "type": "button",
                    "style": "primary",
                    "action": {
                        "type": "datetimepicker",
                        "label": "เลือกวัน",
                        "data": "d",
                        "mode": "date",
                    },
                },
            ],
        },
    }
    phone.push(user, {"type": "flex", "altText": "flex", "contents": bubble})
    open_phone(page, phone.base_url, user)
    card = row(page, 0)
    page.wait_for_function("() => [...document.images].every(i => i.complete)")
    screenshot(card, "flex_features")

    expected = ["11px", "13px", "14px", "16px", "19px", "22px", "29px", "35px"]
    texts = [card.get_by_text(f"ขนาด {s}", exact=True) for s in sizes]
    assert [css(t, "fontSize") for t in texts] == expected
    # spacing "md" (8px) between the body's texts
    assert css(texts[1].locator("xpath=.."), "marginTop") == "8px"
    ratio_box = card.locator(".fx-horizontal").first
    assert css(ratio_box, "marginTop") == "20px"
    one, two = (card.get_by_text(t, exact=True).locator("xpath=..") for t in ("1", "2"))
    assert abs(two.bounding_box()["width"] - 2 * one.bounding_box()["width"]) < 2
    assert css(card.locator(".fx-separator"), "borderLeftColor") == "rgb(255, 0, 0)"
    icons = card.locator(".fx-icon")
    assert [icons.nth(i).bounding_box()["width"] for i in (0, 1)] == [19, 38]
    assert css(card.get_by_text("ตัวหนา"), "fontWeight") == "700"
    assert "line-through" in css(card.get_by_text("ขีดฆ่า"), "textDecorationLine")
    rounded = card.locator(".fx-box[style*='border-radius']").first
    assert css(rounded, "borderTopLeftRadius") == "16px"
    assert css(rounded, "borderTopWidth") == "2px"
    assert css(rounded, "paddingTop") == "16px"
    hero = card.locator(".fx-hero .fx-image-frame")
    box = hero.bounding_box()
    assert abs(box["height"] / box["width"] - 13 / 20) < 0.01
    link = card.get_by_role("button", name="ลิงก์")
    assert css(link, "height") == "52px" and css(link, "color") == "rgb(66, 101, 154)"
    picker = card.get_by_role("button", name="เลือกวัน")
    assert picker.is_disabled()  # date pickers are LINE's own UI
    assert css(card.locator(".fx-footer"), "borderTopStyle") == "solid"


def test_message_text_is_shown_as_text_never_as_markup(page: Any, phone: Phone) -> None:
    user = phone.follow(name='<img src=x onerror="document.title=1">')
    hostile = '<img src=x onerror="document.title=2"><b>ตัวหนา?</b>'
    bubble = {
        "type": "bubble",
        "body": {
            "type": "box",
            "layout": "vertical",
            "contents": [{"type": "text", "text": hostile, "color": "red;background:url(x)"}],
        },
        "footer": {
            "type": "box",
            "layout": "vertical",
            "contents": [
                {
                    "type": "button",
                    "action": {"type": "uri", "label": "x", "uri": "javascript:alert(1)"},
                }
            ],
        },
    }
    phone.push(
        user,
        {"type": "text", "text": hostile},
        {"type": "flex", "altText": hostile, "contents": bubble},
    )
    open_phone(page, phone.base_url, user, rows=2)
    assert row(page, 0).locator(".bubble").inner_text() == hostile
    assert row(page, 1).get_by_text(hostile).is_visible()
    assert page.locator("#chat img:not(.fx-icon)").count() == 0
    assert page.locator("#chat b").count() == 0
    bad_link = row(page, 1).get_by_role("button", name="x")
    assert bad_link.is_disabled() and page.locator("#chat a[href^='javascript']").count() == 0
    assert page.title() == "LINE emulator · phone"
