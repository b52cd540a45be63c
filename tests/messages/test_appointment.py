from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from moph_connect.messages import (
    AppointmentView,
    SurveyAction,
    alert,
    appointment_cancelled,
    appointment_moved,
    normalize_link,
    palette,
    parse_postback,
    queue_card,
    queue_near,
    reminder_day_before,
    reminder_same_day,
    survey,
)
from moph_connect.messages._text import utf16_len

from .support import SEED, SEED_DATE_LONG, actions, assert_sendable, texts, walk

TOKEN = "s3cr3t-T0ken_abc"
OLD_DATE = date(2018, 4, 23)
OLD_DATE_LONG = "วันจันทร์ที่ 23 เมษายน 2561"

Builder = Callable[[AppointmentView], dict[str, Any]]

BUILDERS: dict[str, Builder] = {
    "queue_card": queue_card,
    "reminder_day_before": reminder_day_before,
    "reminder_same_day": reminder_same_day,
    "queue_near": queue_near,
    "survey": lambda v: survey(v, TOKEN),
    "alert-defaults": lambda v: alert(v, None, None, None, None),
    "alert-custom": lambda v: alert(
        v, "⚠️ แจ้งเปลี่ยนจุดบริการ", "#FFC107", "ดูรายละเอียดการนัดหมายทั้งหมด", "คิวตอนนี้ 📺"
    ),
    "alert-long": lambda v: alert(v, v.hospital_name * 3, "#000000", v.origin, v.patient_name),
    "appointment_cancelled": appointment_cancelled,
    "appointment_moved": lambda v: appointment_moved(OLD_DATE, v),
}
# Builders whose buttons open the two hospital links.
WITH_LINKS = [name for name in BUILDERS if name != "survey"]


def _header(message: dict[str, Any]) -> dict[str, Any]:
    header: dict[str, Any] = message["contents"]["header"]
    return header


def _title(message: dict[str, Any]) -> str:
    title: str = _header(message)["contents"][1]["text"]
    return title


def _buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    footer = message["contents"].get("footer")
    return [] if footer is None else [c for c in footer["contents"] if c["type"] == "button"]


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_builder_is_sendable_for_every_worst_case(
    name: str, any_view: AppointmentView
) -> None:
    message = BUILDERS[name](any_view)
    assert_sendable(message)
    assert message["type"] == "flex"
    assert message["contents"]["type"] == "bubble"
    assert "\n" not in message["altText"]


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_key_facts_are_shown(name: str) -> None:
    message = BUILDERS[name](SEED)
    shown = texts(message)
    joined = "\n".join(shown)
    assert SEED_DATE_LONG in joined
    assert SEED.hospital_name in joined
    if name != "survey":  # the survey is about the visit, not the queue
        assert SEED.queue_number in shown
        assert SEED.patient_name in shown
        assert SEED.appointment_time in shown
    assert SEED.hospital_name in message["altText"]


@pytest.mark.parametrize(
    ("name", "alt_text"),
    [
        (
            "queue_card",
            "บัตรคิว โรงพยาบาลปทุมธานี: จุดคัดกรอง คิวที่ 1221 วันจันทร์ที่ 30 เมษายน 2561",
        ),
        (
            "reminder_day_before",
            "พรุ่งนี้คุณมีนัดที่โรงพยาบาลปทุมธานี วันจันทร์ที่ 30 เมษายน 2561 "
            "เวลานัดหมาย 09:00-09:15 น. กรุณามาก่อนเวลา 10 นาที",
        ),
        (
            "reminder_same_day",
            "วันนี้คุณมีนัดที่โรงพยาบาลปทุมธานี วันจันทร์ที่ 30 เมษายน 2561 "
            "เวลานัดหมาย 09:00-09:15 น. กรุณามาก่อนเวลา 10 นาที",
        ),
        ("queue_near", "ใกล้ถึงคิวของคุณแล้ว จุดคัดกรอง คิวที่ 1221 โรงพยาบาลปทุมธานี"),
        ("survey", "ประเมินความพึงพอใจ การรับบริการที่โรงพยาบาลปทุมธานี วันจันทร์ที่ 30 เมษายน 2561"),
        (
            "alert-defaults",
            "แจ้งเตือนจากโรงพยาบาล โรงพยาบาลปทุมธานี: จุดคัดกรอง คิวที่ 1221 วันจันทร์ที่ 30 เมษายน 2561",
        ),
        (
            "appointment_cancelled",
            "ยกเลิกนัดหมาย โรงพยาบาลปทุมธานี: จุดคัดกรอง คิวที่ 1221 วันจันทร์ที่ 30 เมษายน 2561",
        ),
        (
            "appointment_moved",
            "เลื่อนนัดหมาย โรงพยาบาลปทุมธานี เป็นวันจันทร์ที่ 30 เมษายน 2561 (เดิม 23 เม.ย. 2561)",
        ),
    ],
)
def test_alt_texts_read_well_in_the_chat_list(name: str, alt_text: str) -> None:
    assert BUILDERS[name](SEED)["altText"] == alt_text


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_alt_text_keeps_the_date_however_long_the_names(name: str) -> None:
    long = "โรงพยาบาลส่งเสริมสุขภาพตำบลบ้านหนองบัว " * 10
    view = replace(SEED, hospital_name=long, queue_number=long, appointment_time=long)
    message = BUILDERS[name](view)
    if name not in ("queue_near",):
        assert SEED_DATE_LONG in message["altText"]
    assert utf16_len(message["altText"]) <= 400


@pytest.mark.parametrize(
    ("name", "title", "color"),
    [
        ("queue_card", "บัตรคิว", palette.BRAND),
        ("reminder_day_before", "พรุ่งนี้คุณมีนัด", palette.BRAND),
        ("reminder_same_day", "วันนี้คุณมีนัด", palette.BRAND),
        ("queue_near", "ใกล้ถึงคิวของคุณแล้ว", palette.URGENT),
        ("survey", "ประเมินความพึงพอใจ", palette.BRAND),
        ("alert-defaults", "แจ้งเตือนจากโรงพยาบาล", palette.BRAND),
        ("alert-custom", "⚠️ แจ้งเปลี่ยนจุดบริการ", "#FFC107"),
        ("appointment_cancelled", "ยกเลิกนัดหมาย", palette.DANGER),
        ("appointment_moved", "เลื่อนนัดหมาย", palette.BRAND),
    ],
)
def test_header(name: str, title: str, color: str) -> None:
    message = BUILDERS[name](SEED)
    header = _header(message)
    assert header["backgroundColor"] == color
    assert header["contents"][0]["text"] == "MOPH Connect"
    assert _title(message) == title
    ink = {c["color"] for c in header["contents"]}
    assert ink == {palette.text_color_on(color)}


def test_queue_number_is_big_and_bold_on_the_card() -> None:
    [queue] = [n for n in walk(queue_card(SEED)["contents"]) if n.get("text") == SEED.queue_number]
    assert queue["weight"] == "bold"
    assert queue["size"] in ("xl", "xxl", "3xl")


DETAILS = "https://pth.ddns.net/details?q=1221"
CURRENT = "https://pth.ddns.net/current"
DISTINCT = replace(SEED, details_link=DETAILS, current_queue_link=CURRENT)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("queue_card", [("รายละเอียด", DETAILS), ("ดูคิวปัจจุบัน", CURRENT)]),
        ("reminder_day_before", [("รายละเอียด", DETAILS), ("ดูคิวปัจจุบัน", CURRENT)]),
        ("reminder_same_day", [("รายละเอียด", DETAILS), ("ดูคิวปัจจุบัน", CURRENT)]),
        ("queue_near", [("ดูคิวปัจจุบัน", CURRENT), ("รายละเอียด", DETAILS)]),
        ("alert-defaults", [("รายละเอียด", DETAILS), ("ดูคิวปัจจุบัน", CURRENT)]),
        ("alert-custom", [("ดูรายละเอียดการนัดห…", DETAILS), ("คิวตอนนี้ 📺", CURRENT)]),
        ("appointment_cancelled", [("รายละเอียด", DETAILS)]),
        ("appointment_moved", [("รายละเอียด", DETAILS), ("ดูคิวปัจจุบัน", CURRENT)]),
    ],
)
def test_buttons_open_the_right_links(name: str, expected: list[tuple[str, str]]) -> None:
    buttons = _buttons(BUILDERS[name](DISTINCT))
    assert [(b["action"]["label"], b["action"]["uri"]) for b in buttons] == expected
    assert all(b["action"]["type"] == "uri" for b in buttons)
    assert [b["style"] for b in buttons][:1] == ["primary"]


@pytest.mark.parametrize("name", WITH_LINKS)
def test_unusable_links_drop_their_buttons(name: str) -> None:
    one_bad = replace(DISTINCT, current_queue_link="ftp://pth.ddns.net/")
    links = [b["action"]["uri"] for b in _buttons(BUILDERS[name](one_bad))]
    assert links == [DETAILS]
    both_bad = replace(SEED, details_link="javascript:alert(1)", current_queue_link="")
    message = BUILDERS[name](both_bad)
    assert "footer" not in message["contents"]
    assert_sendable(message)


@pytest.mark.parametrize("name", WITH_LINKS)
def test_thai_links_are_encoded_not_dropped(name: str) -> None:
    thai = "https://pth.ddns.net/คิว?ชื่อ=ประโยชน์"
    buttons = _buttons(BUILDERS[name](replace(SEED, details_link=thai)))
    assert normalize_link(thai) in [b["action"]["uri"] for b in buttons]


def test_queue_near_leads_with_the_current_queue_in_orange() -> None:
    first = _buttons(queue_near(DISTINCT))[0]
    assert first["action"]["uri"] == CURRENT
    assert first["style"] == "primary"
    assert first["color"] == palette.URGENT


def test_reminders_say_when() -> None:
    assert reminder_day_before(SEED)["altText"].startswith("พรุ่งนี้คุณมีนัด")
    assert reminder_same_day(SEED)["altText"].startswith("วันนี้คุณมีนัด")


def test_survey_has_five_exact_postbacks_best_first() -> None:
    message = survey(SEED, TOKEN)
    posted = [a for a in actions(message) if a["type"] == "postback"]
    assert [a["data"] for a in posted] == [
        f"action=survey&token={TOKEN}&score={n}" for n in (5, 4, 3, 2, 1)
    ]
    assert [a["label"] for a in posted] == [
        "5 พอใจมากที่สุด",
        "4 พอใจมาก",
        "3 พอใจปานกลาง",
        "2 พอใจน้อย",
        "1 พอใจน้อยที่สุด",
    ]
    for score, action in zip((5, 4, 3, 2, 1), posted, strict=True):
        assert parse_postback(action["data"]) == SurveyAction(TOKEN, score)
        assert action["displayText"].startswith(f"ให้คะแนน {score}")


def test_survey_with_the_longest_token() -> None:
    token = "T" * 64
    assert_sendable(survey(SEED, token))


@pytest.mark.parametrize("token", ["", "a&score=1", "T" * 65, "โทเค็น"])
def test_survey_refuses_a_token_that_cannot_travel(token: str) -> None:
    with pytest.raises(ValueError, match="token"):
        survey(SEED, token)


@pytest.mark.parametrize(
    ("header", "color", "details", "current", "title", "background", "labels"),
    [
        (None, None, None, None, "แจ้งเตือนจากโรงพยาบาล", palette.BRAND, ["รายละเอียด", "ดูคิวปัจจุบัน"]),
        ("", "", "", "", "แจ้งเตือนจากโรงพยาบาล", palette.BRAND, ["รายละเอียด", "ดูคิวปัจจุบัน"]),
        (
            "  ",
            "not-a-colour",
            " \n",
            "\t",
            "แจ้งเตือนจากโรงพยาบาล",
            palette.BRAND,
            ["รายละเอียด", "ดูคิวปัจจุบัน"],
        ),
        ("เลื่อนเวลา", "#1565c0", "อ่าน", "คิว", "เลื่อนเวลา", "#1565C0", ["อ่าน", "คิว"]),
        ("ประกาศ", "#fff", "x", "y", "ประกาศ", palette.BRAND, ["x", "y"]),
        ("ประกาศ", "#FFFFFF", "ก" * 25, "ข" * 20, "ประกาศ", "#FFFFFF", ["ก" * 19 + "…", "ข" * 20]),
    ],
)
def test_alert_options(
    header: str | None,
    color: str | None,
    details: str | None,
    current: str | None,
    title: str,
    background: str,
    labels: list[str],
) -> None:
    message = alert(DISTINCT, header, color, details, current)
    assert_sendable(message)
    assert _title(message) == title
    assert _header(message)["backgroundColor"] == background
    assert [b["action"]["label"] for b in _buttons(message)] == labels
    assert message["altText"].startswith(title)


@pytest.mark.parametrize("color", ["#FFEB3B", "#FF5722", "#06C755", "#FFFFFF"])
def test_alert_on_a_light_colour_stays_readable(color: str) -> None:
    message = alert(SEED, "ประกาศ", color, None, None)
    ink = {c["color"] for c in _header(message)["contents"]}
    assert ink == {palette.TEXT}
    assert palette.contrast_ratio(palette.TEXT, color) >= 4.5
    first = _buttons(message)[0]
    assert first["color"] == palette.BRAND  # LINE writes primary buttons in white


def test_alert_buttons_take_a_dark_hospital_colour() -> None:
    first = _buttons(alert(SEED, None, "#1565C0", None, None))[0]
    assert first["color"] == "#1565C0"


def test_alert_clips_a_long_header() -> None:
    message = alert(SEED, "ก" * 1000, None, None, None)
    assert utf16_len(_title(message)) <= 200
    assert _title(message).endswith("…")


def test_cancelled_says_so() -> None:
    shown = texts(appointment_cancelled(SEED))
    assert any("ยกเลิก" in t for t in shown)


def test_moved_shows_old_and_new_dates() -> None:
    message = appointment_moved(OLD_DATE, SEED)
    shown = texts(message)
    assert OLD_DATE_LONG in shown
    assert SEED_DATE_LONG in shown
    [old] = [n for n in walk(message["contents"]) if n.get("text") == OLD_DATE_LONG]
    assert old["decoration"] == "line-through"


def test_hospital_text_is_tidied_not_rewritten() -> None:
    view = replace(SEED, patient_name="  นาย\u202e ประโยชน์  รุจิรา\x00 ")
    assert SEED.patient_name in texts(queue_card(view))


def test_the_card_keeps_the_hospitals_line_breaks_and_the_chat_list_one_line() -> None:
    view = replace(SEED, appointment_time="09:00-09:15 น. \n\n  กรุณามาก่อนเวลา 10 นาที ")
    message = queue_card(view)
    assert_sendable(message)
    assert "09:00-09:15 น.\nกรุณามาก่อนเวลา 10 นาที" in texts(message)
    assert "\n" not in message["altText"]


def test_blank_fields_show_a_dash_instead_of_breaking_the_message() -> None:
    view = replace(SEED, origin="", patient_name="   ")
    message = queue_card(view)
    assert_sendable(message)
    assert "-" in texts(message)


def test_builders_are_pure() -> None:
    for build in BUILDERS.values():
        assert build(SEED) == build(SEED)
