"""Finding her hospital and getting its booking link: by name, by province, by location,
among the hospitals she used before; consent first."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from moph_connect.db.models import Hospital
from moph_connect.messages import NOTICE_VERSION
from tests.chatbot.support import (
    accept_privacy,
    add_hospital,
    new_user,
    postbacks,
    say,
    share_location,
    tap,
    texts,
)
from tests.support.stack import Stack, find_uri


def regist_of(message: dict[str, object]) -> str:
    return parse_qs(urlparse(find_uri(message, "regist=")).query)["regist"][0]


def bubbles(message: dict[str, object]) -> list[dict[str, object]]:
    contents = message["contents"]
    assert isinstance(contents, dict) and contents["type"] == "carousel"
    found: list[dict[str, object]] = contents["contents"]
    return found


def test_search_by_name_province_and_nothing(stack: Stack) -> None:
    pathum = add_hospital(stack, "โรงพยาบาลปทุมธานี", province="ปทุมธานี", phone="02-581-2008")
    add_hospital(stack, "โรงพยาบาลนนทเวช", province="นนทบุรี", district="เมืองนนทบุรี")
    add_hospital(stack, "โรงพยาบาลพระนั่งเกล้า", province="นนทบุรี")
    user, _ = new_user(stack)

    [found] = say(stack, user, "ปทุมธานี")
    assert postbacks(found) == [f"action=pick&hospital={pathum}"]
    assert "tel:025812008" in texts(found)  # a "call" button

    [province] = say(stack, user, "จ.นนทบุรี")
    shown = texts(province)
    assert "โรงพยาบาลนนทเวช" in shown and "โรงพยาบาลพระนั่งเกล้า" in shown
    assert "อำเภอเมืองนนทบุรี" in shown
    assert len(bubbles(province)) == 2

    [nothing] = say(stack, user, "โรงพยาบาลที่ไม่มีอยู่จริงแน่นอน")
    assert nothing["type"] == "text"
    assert "ไม่พบโรงพยาบาล" in nothing["text"]
    kinds = [item["action"]["type"] for item in nothing["quickReply"]["items"]]
    assert kinds[0] == "location"


def test_nearby_by_location_with_distances(stack: Stack) -> None:
    near = add_hospital(stack, "โรงพยาบาลปทุมธานี", latitude=14.0208, longitude=100.5250)
    far = add_hospital(stack, "โรงพยาบาลเชียงใหม่ราม", latitude=18.7953, longitude=98.9747)
    add_hospital(stack, "โรงพยาบาลไม่มีพิกัด")
    user, _ = new_user(stack)

    [ask] = tap(stack, user, "action=nearby")
    [item] = ask["quickReply"]["items"]
    assert item["action"]["type"] == "location"

    [found] = share_location(stack, user, 14.0, 100.5)
    assert postbacks(found) == [f"action=pick&hospital={near}", f"action=pick&hospital={far}"]
    assert "กม." in texts(bubbles(found)[0])
    assert "ใกล้คุณ" in str(found["altText"])

    [typed] = say(stack, user, "ใกล้ฉัน")  # typed instead of tapped
    assert typed["quickReply"]["items"][0]["action"]["type"] == "location"


def test_nothing_near_a_location_far_away(stack: Stack) -> None:
    user, _ = new_user(stack)
    [nothing] = share_location(stack, user, -33.86, 151.21)  # no hospital has coordinates
    assert nothing["type"] == "text"
    assert "ไม่พบโรงพยาบาล" in nothing["text"]


def test_no_booking_link_before_consent_then_the_link_for_what_she_picked(stack: Stack) -> None:
    pathum = add_hospital(stack, "โรงพยาบาลปทุมธานี")
    user, _ = new_user(stack)

    [notice] = tap(stack, user, f"action=pick&hospital={pathum}")
    assert "regist=" not in texts(notice)
    assert f"action=consent&version={NOTICE_VERSION}" in postbacks(notice)
    assert "ก่อนรับลิงก์จองคิว" in texts(notice)

    [thanks, link] = accept_privacy(stack, user)
    assert "บันทึกความยินยอม" in thanks["text"]
    first = regist_of(link)
    assert len(first) == 24

    # Picking again gives the same MOPH Connect ID; accepting again changes nothing.
    [again] = tap(stack, user, f"action=pick&hospital={pathum}")
    assert regist_of(again) == first
    [only_thanks] = accept_privacy(stack, user)
    assert only_thanks["type"] == "text"


def test_an_old_notice_version_is_not_consent(stack: Stack) -> None:
    pathum = add_hospital(stack, "โรงพยาบาลปทุมธานี")
    user, _ = new_user(stack)
    [notice] = tap(stack, user, "action=consent&version=2020-01")
    assert f"action=consent&version={NOTICE_VERSION}" in postbacks(notice)
    [still_notice] = tap(stack, user, f"action=pick&hospital={pathum}")
    assert "regist=" not in texts(still_notice)


def test_book_shows_her_hospitals_first(stack: Stack) -> None:
    pathum = add_hospital(stack, "โรงพยาบาลปทุมธานี", province="ปทุมธานี")
    other = add_hospital(stack, "โรงพยาบาลธัญบุรี", province="ปทุมธานี")
    user, _ = new_user(stack)
    accept_privacy(stack, user)

    [prompt] = tap(stack, user, "action=book")  # no hospitals yet: just the question
    assert prompt["type"] == "text"
    tap(stack, user, f"action=pick&hospital={other}")
    [mine, prompt] = say(stack, user, "จองคิว")
    assert postbacks(mine) == [f"action=pick&hospital={other}"]
    assert prompt["type"] == "text"

    [both] = say(stack, user, "ปทุมธานี")  # the province: hers first
    assert postbacks(both)[0] == f"action=pick&hospital={other}"
    assert f"action=pick&hospital={pathum}" in postbacks(both)


def test_a_hospital_that_is_gone_or_forged(stack: Stack) -> None:
    pathum = add_hospital(stack, "โรงพยาบาลปทุมธานี")
    user, _ = new_user(stack)
    accept_privacy(stack, user)
    [prompt] = tap(stack, user, "action=pick&hospital=h0000000000000000")
    assert prompt["type"] == "text" and "พิมพ์ชื่อโรงพยาบาล" in prompt["text"]
    with stack.database.transaction() as session:
        hospital = session.get(Hospital, pathum)
        assert hospital is not None
        hospital.active = False
    [prompt] = tap(stack, user, f"action=pick&hospital={pathum}")
    assert "regist=" not in texts(prompt)


def test_many_matches_fill_one_carousel(stack: Stack) -> None:
    for i in range(15):
        add_hospital(stack, f"โรงพยาบาลส่งเสริมสุขภาพตำบลบ้านคลอง {i}", province="ปทุมธานี")
    user, _ = new_user(stack)
    [found] = say(stack, user, "บ้านคลอง")
    assert len(bubbles(found)) == 12
