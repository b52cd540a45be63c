""" "My appointments": upcoming, active, hers, on this channel, soonest first, with the
next planned message and the hospital's links."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

from moph_connect.appointments.schemas import SEED_EXAMPLE
from moph_connect.hospitals.service import NewHospital
from tests.chatbot.support import accept_privacy, new_user, tap, texts
from tests.support.stack import Stack, find_uri


def registered(stack: Stack, user: str, hospital: NewHospital) -> str:
    [link] = tap(stack, user, f"action=pick&hospital={hospital.hospital_id}")
    return parse_qs(urlparse(find_uri(link, "regist=")).query)["regist"][0]


def book(
    stack: Stack,
    hospital: NewHospital,
    regist: str,
    when: date,
    queue: str,
    path: str = "/api/queue",
) -> str:
    key = hospital.test_key if path.startswith("/test") else hospital.production_key
    body = {
        **SEED_EXAMPLE,
        "hospitalName": hospital.name,
        "userId": regist,
        "appointmentDate": when.isoformat(),
        "queueNumber": queue,
    }
    response = stack.call(path, key, body)
    assert response.status_code == 202, response.text
    appointment_id: str = response.json()["appointmentId"]
    return appointment_id


def bubbles(message: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = message["contents"]["contents"]
    return found


def test_upcoming_appointments_at_every_hospital(stack: Stack) -> None:
    pathum = stack.register_hospital()
    other = stack.register_hospital("โรงพยาบาลธัญบุรี", "https://q.example.th/t?regist={regist}")
    user, _ = new_user(stack)
    accept_privacy(stack, user)
    today = date(2018, 4, 27)
    at_pathum = registered(stack, user, pathum)
    at_other = registered(stack, user, other)
    book(stack, pathum, at_pathum, today + timedelta(days=3), "คิวที่ 30")
    book(stack, other, at_other, today + timedelta(days=1), "คิวที่ 1")
    stack.call(
        "/api/queue/schedule",
        pathum.production_key,
        {
            **SEED_EXAMPLE,
            "userId": at_pathum,
            "appointmentDate": "2018-04-30",
            "queueNumber": "คิวที่ 30",
        },
    )
    cancelled = book(stack, pathum, at_pathum, today + timedelta(days=2), "คิวที่ 99")
    response = stack.api.delete(
        f"/api/queue/{cancelled}", headers={"Authorization": f"Bearer {pathum.production_key}"}
    )
    assert response.status_code in (200, 202), response.text

    [mine] = tap(stack, user, "action=appointments")
    shown = [texts(b) for b in bubbles(mine)]
    assert len(shown) == 2  # the cancelled one is not listed
    assert "โรงพยาบาลธัญบุรี" in shown[0] and "วันเสาร์ที่ 28 เมษายน 2561" in shown[0]
    assert "คิวที่ 30" in shown[1] and "แจ้งเตือน 29 เม.ย. 2561 09:00 น." in shown[1]
    assert "http://pth.ddns.net/" in shown[1]  # the hospital's links
    assert "ประโยชน์" in shown[1]  # the patient's name, as the hospital sent it

    # The day after the first one, it is no longer upcoming.
    stack.clock.advance(timedelta(days=2))
    [later] = tap(stack, user, "action=appointments")
    assert len(bubbles(later)) == 1


def test_only_her_appointments_on_this_channel(stack: Stack) -> None:
    pathum = stack.register_hospital()
    her, _ = new_user(stack)
    someone, _ = new_user(stack, name="คนอื่น")
    tester, _ = new_user(stack, channel="test", name="ผู้ทดสอบ")
    for user in (her, someone, tester):
        accept_privacy(stack, user)
    book(stack, pathum, registered(stack, someone, pathum), date(2018, 4, 30), "คิวที่ 2")
    test_regist = registered(stack, tester, pathum)
    book(stack, pathum, test_regist, date(2018, 4, 30), "คิวที่ 3", "/test/api/queue")

    [none] = tap(stack, her, "action=appointments")
    assert none["type"] == "text" and "ยังไม่มีนัดหมาย" in none["text"]
    assert none["quickReply"]["items"][0]["action"]["data"] == "action=book"
    [mine] = tap(stack, tester, "action=appointments")
    assert len(bubbles(mine)) == 1 and "คิวที่ 3" in texts(mine)


def test_twelve_at_most(stack: Stack) -> None:
    pathum = stack.register_hospital()
    user, _ = new_user(stack)
    accept_privacy(stack, user)
    regist = registered(stack, user, pathum)
    for n in range(14):
        book(stack, pathum, regist, date(2018, 5, 1) + timedelta(days=n), f"คิวที่ {n}")
    [mine] = tap(stack, user, "action=appointments")
    assert len(bubbles(mine)) == 12
    assert "คิวที่ 0" in texts(bubbles(mine)[0])
