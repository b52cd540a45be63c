"""The conversation's messages (search, privacy, survey, my appointments, help) in Thai
and English: all sendable in the worst cases, and saying what they must."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import pytest

from moph_connect import messages as m
from moph_connect.clock import BANGKOK
from moph_connect.messages import HospitalChoice, NextMessage, UpcomingAppointment, palette
from moph_connect.messages.limits import CAROUSEL_BYTES_MAX, json_size

from .support import EMOJI_200, SEED, THAI_200, WORST_VIEWS, ZWJ_200, actions, assert_sendable

AT = datetime(2018, 4, 29, 9, 0, tzinfo=BANGKOK)
WORST_HOSPITALS = [
    HospitalChoice(f"h{i}", name, name, name, "02-123 4567 ต่อ 1", 1234.5 / (i + 1))
    for i, name in enumerate([THAI_200, EMOJI_200, ZWJ_200] * 5)
]


def cases(lang: m.Lang) -> dict[str, dict[str, Any]]:
    upcoming = [UpcomingAppointment(v, NextMessage("survey", AT)) for v in WORST_VIEWS.values()]
    return {
        "help": m.help_message(lang),
        "not-understood": m.not_understood(lang),
        "welcome": m.welcome("MOPH Connect", lang),
        "booking": m.booking_link(THAI_200, "https://a.th/?regist=" + "0" * 24, lang),
        "picker-worst": m.hospital_picker(WORST_HOSPITALS, lang),
        "picker-nearby": m.hospital_picker(WORST_HOSPITALS[:3], lang, nearby=True),
        "picker-none": m.hospital_picker([], lang),
        "prompt": m.search_prompt(lang),
        "prompt-again": m.search_prompt(lang, after_results=True),
        "location": m.location_request(lang),
        "no-results": m.no_results(THAI_200 * 25, lang),
        "no-nearby": m.no_nearby(lang),
        "notice": m.privacy_notice(lang, retention_days=30),
        "notice-welcome": m.privacy_notice(lang, welcome_to=EMOJI_200, retention_days=30),
        "notice-booking": m.privacy_notice(lang, before_booking=True, retention_days=3650),
        "details": m.privacy_details(lang, retention_days=30),
        "details-accepted": m.privacy_details(lang, accepted=True, retention_days=30),
        "consent": m.consent_recorded(lang),
        "consent-then-link": m.consent_recorded(lang, booking_follows=True),
        "erase-question": m.erase_question("n" * 64, lang),
        "erased": m.erased(lang),
        "erase-kept": m.erase_kept(lang),
        "erase-expired": m.erase_expired(lang),
        "thanks": m.survey_thanks(1, "t" * 64, lang),
        "comment-again": m.comment_again("t" * 64, lang),
        "recommend": m.recommend_question("t" * 64, lang),
        "finished": m.survey_finished(lang),
        "already": m.survey_already_answered(3, lang),
        "already-recommend": m.recommend_already_answered(lang),
        "expired": m.survey_expired(lang),
        "unknown": m.survey_unknown(lang),
        "mine-none": m.my_appointments([], lang),
        "mine-worst": m.my_appointments(upcoming, lang),
        "mine-seed": m.my_appointments([UpcomingAppointment(SEED)], lang),
    }


ALL = [(lang, name) for lang in m.LANGS for name in cases(lang)]


@pytest.mark.parametrize(("lang", "name"), ALL, ids=[f"{lang}-{name}" for lang, name in ALL])
def test_every_conversation_message_is_sendable(lang: m.Lang, name: str) -> None:
    assert_sendable(cases(lang)[name])


@pytest.mark.parametrize("view", sorted(WORST_VIEWS))
def test_appointment_messages_in_english(view: str) -> None:
    v = WORST_VIEWS[view]
    for message in (
        m.queue_card(v, "en"),
        m.reminder_day_before(v, "en"),
        m.reminder_same_day(v, "en"),
        m.queue_near(v, "en"),
        m.survey(v, "tok", "en"),
        m.alert(v, lang="en"),
        m.appointment_cancelled(v, "en"),
        m.appointment_moved(date(2018, 4, 1), v, "en"),
    ):
        assert_sendable(message)


def test_english_cards_use_english_words_and_dates() -> None:
    card = str(m.queue_card(SEED, "en"))
    assert "Queue card" in card and "Monday 30 April 2018" in card
    assert "บัตรคิว" not in card and "2561" not in card
    assert "จุดคัดกรอง คิวที่ 1221" in card  # the hospital's words stay as written
    moved = m.appointment_moved(date(2018, 4, 1), SEED, "en")
    assert "(was 1 Apr 2018)" in moved["altText"]
    survey = m.survey(SEED, "tok", "en")
    assert actions(survey)[0]["label"] == "5 Very satisfied"


def test_thai_is_the_default() -> None:
    assert m.queue_card(SEED) == m.queue_card(SEED, "th")
    assert m.survey(SEED, "tok") == m.survey(SEED, "tok", "th")
    assert m.not_understood() == m.not_understood("th")


@pytest.mark.parametrize(
    ("profile", "lang"),
    [
        ("en", "en"),
        ("en-US", "en"),
        ("EN_gb", "en"),
        ("th", "th"),
        ("ja", "th"),
        (None, "th"),
        ("", "th"),
        ("eng", "th"),
    ],
)
def test_lang_for(profile: str | None, lang: str) -> None:
    assert m.lang_for(profile) == lang


def test_dates() -> None:
    assert m.long_date(date(2018, 4, 30), "en") == "Monday 30 April 2018"
    assert m.short_date(date(2018, 4, 30), "en") == "30 Apr 2018"
    assert m.short_datetime(AT) == "29 เม.ย. 2561 09:00 น."
    assert m.short_datetime(AT, "en") == "29 Apr 2018, 09:00"


def test_hospital_bubble_place_distance_and_phone() -> None:
    near = HospitalChoice("h1", "โรงพยาบาลปทุมธานี", "ปทุมธานี", "เมืองปทุมธานี", "02-581-2008", 2.345)
    far = HospitalChoice("h2", "ก", "Chiang Mai", None, "call us", 612.4)
    message = m.hospital_picker([near, far])
    first, second = message["contents"]["contents"]
    assert "อำเภอเมืองปทุมธานี จังหวัดปทุมธานี" in str(first)
    assert "ห่างจากคุณประมาณ 2.3 กม." in str(first)
    assert {"type": "uri", "label": "โทร", "uri": "tel:025812008"} in actions(first)
    assert "ประมาณ 612 กม." in str(second)
    assert all(a["type"] == "postback" for a in actions(second))  # no usable phone: no call


def test_recommend_question_offers_zero_to_ten() -> None:
    items = m.recommend_question("tok")["quickReply"]["items"]
    assert [i["action"]["label"] for i in items] == [str(n) for n in range(11)]
    assert [m.parse_postback(i["action"]["data"]) for i in items] == [
        m.RecommendAction("tok", n) for n in range(11)
    ]


def test_privacy_notice_says_what_why_how_long_and_who() -> None:
    for lang, words in (
        ("th", ("ข้อมูลที่เก็บ", "เพื่อ", "เก็บนานเท่าใด", "ใครเห็นข้อมูล")),
        ("en", ("What we keep", "Why", "How long", "Who sees it")),
    ):
        notice = m.privacy_notice(lang, version="2099-01", retention_days=30)  # type: ignore[arg-type]
        shown = str(notice)
        assert all(word in shown for word in words)
        assert "2099-01" in shown
        assert [a["data"] for a in actions(notice)] == [
            "action=consent&version=2099-01",
            "action=privacy",
        ]


def test_erase_question_is_red_and_names_its_nonce() -> None:
    question = m.erase_question("abc")
    yes, no = actions(question)
    assert m.parse_postback(yes["data"]) == m.EraseConfirmAction("abc")
    assert m.parse_postback(no["data"]) == m.EraseCancelAction()
    assert question["contents"]["header"]["backgroundColor"] == palette.DANGER


def test_my_appointments_keeps_within_line_s_50_kb() -> None:
    many = [UpcomingAppointment(WORST_VIEWS["mixed-200"], NextMessage("x", AT))] * 30
    message = m.my_appointments(many)
    bubbles = message["contents"]["contents"]
    assert 1 <= len(bubbles) <= 12
    assert json_size(message["contents"]) <= CAROUSEL_BYTES_MAX
    seed = m.my_appointments([UpcomingAppointment(SEED, NextMessage("reminder_day_before", AT))])
    assert "แจ้งเตือน 29 เม.ย. 2561 09:00 น." in str(seed)
    assert "วันจันทร์ที่ 30 เมษายน 2561" in str(seed)


@pytest.mark.parametrize("lang", ["th", "en"])
def test_the_notice_says_how_long_appointments_are_kept(lang: str) -> None:
    """What retention keeps (MOPH_CONNECT_RETENTION_DAYS) is what the notice promises."""
    for days in (30, 90):
        built = m.privacy_notice(lang, retention_days=days)  # type: ignore[arg-type]
        notice = json.dumps(built, ensure_ascii=False)
        details = m.privacy_details(lang, retention_days=days)  # type: ignore[arg-type]
        assert f"{days} " in notice and f"{days} " in details["text"]
