from __future__ import annotations

from typing import Any

import pytest

from moph_connect.messages import (
    BookAction,
    HospitalChoice,
    PickAction,
    booking_link,
    hospital_picker,
    not_understood,
    parse_postback,
    survey_already_answered,
    survey_thanks,
    welcome,
)

from .support import EMOJI_200, THAI_200, ZWJ_200, actions, assert_sendable, texts

BOOKING_URL = "http://pth.ddns.net/queue/que_register.php?regist=5bedb40574d0504752f2173f"
PTH = HospitalChoice("pth", "โรงพยาบาลปทุมธานี", "ปทุมธานี")


def _hospitals(
    n: int, name: str = "โรงพยาบาลที่", province: str | None = "นนทบุรี"
) -> list[HospitalChoice]:
    return [HospitalChoice(f"h{i}", f"{name} {i}", province) for i in range(n)]


CASES: dict[str, Any] = {
    "welcome": welcome("MOPH Connect"),
    "welcome-test": welcome("[TEST] MOPH Connect"),
    "welcome-long": welcome(THAI_200),
    "welcome-emoji": welcome(EMOJI_200),
    "welcome-blank": welcome(""),
    "picker-0": hospital_picker([]),
    "picker-1": hospital_picker([PTH]),
    "picker-12": hospital_picker(_hospitals(12)),
    "picker-30": hospital_picker(_hospitals(30)),
    "picker-12-long": hospital_picker(_hospitals(12, THAI_200, THAI_200)),
    "picker-12-emoji": hospital_picker(_hospitals(12, EMOJI_200, EMOJI_200)),
    "picker-12-zwj": hospital_picker(_hospitals(12, ZWJ_200, ZWJ_200)),
    "picker-no-province": hospital_picker([HospitalChoice("x", "ก", None)]),
    "booking": booking_link("โรงพยาบาลปทุมธานี", BOOKING_URL),
    "booking-long": booking_link(THAI_200, BOOKING_URL + "&x=" + "a" * 900),
    "booking-emoji": booking_link(EMOJI_200, BOOKING_URL),
    **{f"thanks-{n}": survey_thanks(n, "tok") for n in range(1, 6)},
    "already": survey_already_answered(5),
    "not-understood": not_understood(),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_reply_is_sendable(name: str) -> None:
    assert_sendable(CASES[name])


def test_welcome() -> None:
    message = welcome("MOPH Connect")
    shown = texts(message)
    assert any("MOPH Connect" in t for t in shown)
    assert 2 <= len(shown) - 2 <= 4  # a greeting plus two or three short lines
    [action] = actions(message)
    assert action["type"] == "postback"
    assert action["label"] == "จองคิวโรงพยาบาล"
    assert action["data"] == "action=book"
    assert parse_postback(action["data"]) == BookAction()


def test_picker_without_hospitals_is_a_plain_text() -> None:
    message = hospital_picker([])
    assert message["type"] == "text"
    assert "ยังไม่มีโรงพยาบาล" in message["text"]


@pytest.mark.parametrize(("given", "shown"), [(1, 1), (2, 2), (12, 12), (13, 12), (30, 12)])
def test_picker_shows_at_most_twelve(given: int, shown: int) -> None:
    hospitals = _hospitals(given)
    message = hospital_picker(hospitals)
    assert message["contents"]["type"] == "carousel"
    bubbles = message["contents"]["contents"]
    assert len(bubbles) == shown
    picks = [a for a in actions(message) if a["type"] == "postback"]
    assert [a["data"] for a in picks] == [f"action=pick&hospital=h{i}" for i in range(shown)]
    assert all(a["label"] == "เลือกโรงพยาบาลนี้" for a in picks)
    assert [parse_postback(a["data"]) for a in picks] == [
        PickAction(h.hospital_id) for h in hospitals[:shown]
    ]
    for bubble, hospital in zip(bubbles, hospitals, strict=False):
        assert hospital.name in texts({"contents": bubble})


@pytest.mark.parametrize(
    ("province", "line"),
    [
        ("ปทุมธานี", "จังหวัดปทุมธานี"),
        ("จังหวัดปทุมธานี", "จังหวัดปทุมธานี"),
        ("จ.ปทุมธานี", "จ.ปทุมธานี"),
        ("กรุงเทพมหานคร", "กรุงเทพมหานคร"),
        (None, None),
        ("  ", None),
    ],
)
def test_picker_province_line(province: str | None, line: str | None) -> None:
    shown = texts(hospital_picker([HospitalChoice("pth", "โรงพยาบาลปทุมธานี", province)]))
    assert shown[0] == "โรงพยาบาลปทุมธานี"
    assert shown[1:] == ([] if line is None else [line])


def test_picker_refuses_an_id_that_cannot_travel() -> None:
    with pytest.raises(ValueError, match="hospital_id"):
        hospital_picker([HospitalChoice("a&hospital=b", "x", None)])


def test_booking_link() -> None:
    message = booking_link("โรงพยาบาลปทุมธานี", BOOKING_URL)
    [action] = actions(message)
    assert action == {"type": "uri", "label": "จองคิว", "uri": BOOKING_URL}
    joined = "\n".join(texts(message))
    assert "โรงพยาบาลปทุมธานี" in joined
    assert "บัตรคิว" in joined  # the card will come back here
    assert "โรงพยาบาลปทุมธานี" in message["altText"]


@pytest.mark.parametrize(
    "url", ["", "javascript:alert(1)", "pth.ddns.net/queue", "https://a.th/" + "a" * 1000]
)
def test_booking_link_refuses_a_link_line_cannot_open(url: str) -> None:
    with pytest.raises(ValueError, match="booking_url"):
        booking_link("โรงพยาบาลปทุมธานี", url)


@pytest.mark.parametrize(
    ("score", "label"),
    [(5, "พอใจมากที่สุด"), (4, "พอใจมาก"), (3, "พอใจปานกลาง"), (2, "พอใจน้อย"), (1, "พอใจน้อยที่สุด")],
)
def test_survey_thanks_names_the_score(score: int, label: str) -> None:
    message = survey_thanks(score, "tok")
    assert message["type"] == "text"
    assert message["text"].startswith("ขอบคุณ")
    assert f"{score} ({label})" in message["text"]
    [skip] = message["quickReply"]["items"]
    assert skip["action"]["data"] == "action=skip&token=tok"


@pytest.mark.parametrize("score", [0, 6, -1, True])
def test_survey_thanks_refuses_a_bad_score(score: int) -> None:
    with pytest.raises(ValueError, match="score"):
        survey_thanks(score, "tok")


def test_survey_already_answered() -> None:
    text = survey_already_answered(4)["text"]
    assert "ประเมิน" in text and "4" in text and "คำตอบแรก" in text


def test_not_understood_offers_the_menu() -> None:
    message = not_understood()
    assert message["type"] == "text"
    items = message["quickReply"]["items"]
    assert all(item["type"] == "action" for item in items)
    assert [item["action"]["label"] for item in items] == [
        "จองคิวโรงพยาบาล",
        "นัดหมายของฉัน",
        "โรงพยาบาลใกล้ฉัน",
        "ช่วยเหลือ",
    ]
    assert items[0]["action"]["data"] == "action=book"
    assert items[2]["action"] == {"type": "location", "label": "โรงพยาบาลใกล้ฉัน"}
    assert "พิมพ์ชื่อโรงพยาบาล" in message["text"]
