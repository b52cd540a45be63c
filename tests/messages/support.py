"""Test data and helpers: the seed's appointment, worst-case appointments, and a check
that a message would be accepted by LINE (spec, documented limits, the official SDK)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from typing import Any

from linebot.v3.messaging import Message, PushMessageRequest

from line_contract.spec import validate
from moph_connect.messages import AppointmentView, check_limits

SEED = AppointmentView(
    hospital_name="โรงพยาบาลปทุมธานี",
    origin="กระทรวงสาธารณสุข",
    queue_number="จุดคัดกรอง คิวที่ 1221",
    patient_name="นาย ประโยชน์ รุจิรา",
    appointment_date=date(2018, 4, 30),
    appointment_time="เวลานัดหมาย 09:00-09:15 น. กรุณามาก่อนเวลา 10 นาที",
    details_link="http://pth.ddns.net/",
    current_queue_link="http://pth.ddns.net/",
)
SEED_DATE_LONG = "วันจันทร์ที่ 30 เมษายน 2561"

THAI_200 = ("โรงพยาบาลสมเด็จพระยุพราชกุมภวาปี่ " * 10)[:200]
EMOJI_200 = "😷" * 200  # 400 UTF-16 units: must be clipped
ZWJ_200 = ("👨‍👩‍👧‍👦" * 40)[:200]  # family emoji are 7 code points each
FLAGS_200 = "🇹🇭" * 100
MIXED_200 = ("คิว 😷 ที่ 1221 ✅ " * 20)[:200]
LINK_200 = "https://pth.ddns.net/q/" + "a" * (200 - len("https://pth.ddns.net/q/"))
LINK_1000 = "https://pth.ddns.net/q/" + "a" * (1000 - len("https://pth.ddns.net/q/"))


def _all_fields(
    text: str, link: str = SEED.details_link, when: date = SEED.appointment_date
) -> AppointmentView:
    return AppointmentView(text, text, text, text, when, text, link, link)


WORST_VIEWS: dict[str, AppointmentView] = {
    "seed": SEED,
    "thai-200": _all_fields(THAI_200, LINK_200),
    "emoji-200": _all_fields(EMOJI_200),
    "zwj-200": _all_fields(ZWJ_200),
    "flags-200": _all_fields(FLAGS_200),
    "mixed-200": _all_fields(MIXED_200, LINK_1000),
    "thai-5000": _all_fields("ก่" * 2500, LINK_1000),
    "one-char": _all_fields("ก", "http://a.th", date(2020, 2, 29)),
    "one-emoji": _all_fields("😷"),
    "empty": _all_fields(""),
    "blank": _all_fields(" \n\t\u200b "),
    "controls": _all_fields("\x00โรง\u202eพยาบาล\x1b[31m\r\nปทุม\ufeffธานี"),
    "thai-link": _all_fields("ก", "https://โรงพยาบาล.ไทย/คิว ปัจจุบัน?ชื่อ=ประโยชน์"),
    "bad-links": replace(SEED, details_link="javascript:alert(1)", current_queue_link=""),
    "year-end": replace(SEED, appointment_date=date(2099, 12, 31)),
}


def sendable_violations(message: dict[str, Any]) -> list[str]:
    """Every reason LINE would refuse `message`, as readable strings (empty: sendable)."""
    problems = [f"spec: {v}" for v in validate("messaging-api", "Message", message)]
    push = {"to": "U" + "0" * 32, "messages": [message]}
    problems += [f"push spec: {v}" for v in validate("messaging-api", "PushMessageRequest", push)]
    problems += [f"limit: {v}" for v in check_limits(message)]
    json.dumps(message, ensure_ascii=False, allow_nan=False).encode("utf-8")  # JSON-ready
    # The official SDK must carry it unchanged (it is what will send it).
    try:
        if Message.from_dict(message).to_dict() != message:
            problems.append("sdk: Message round trip changed the payload")
        sent = PushMessageRequest.from_dict(push).to_dict()["messages"][0]
        if sent != message:
            problems.append("sdk: PushMessageRequest round trip changed the payload")
    except (ValueError, TypeError, AttributeError) as error:  # pydantic's errors included
        problems.append(f"sdk: {type(error).__name__}: {error}")
    return problems


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every dict inside `node`, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def texts(message: dict[str, Any]) -> list[str]:
    """Every Flex text shown in `message` (not the alt text, not labels)."""
    return [n["text"] for n in walk(message.get("contents")) if n.get("type") == "text"]


def actions(message: dict[str, Any]) -> list[dict[str, Any]]:
    """Every action in `message`, in order."""
    return [n["action"] for n in walk(message) if isinstance(n.get("action"), dict)]


def assert_sendable(message: dict[str, Any]) -> None:
    problems = sendable_violations(message)
    assert not problems, "\n".join(problems)
