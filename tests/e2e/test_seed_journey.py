"""Kru Pensri's journey from the seed, end to end over real HTTP: our service and the LINE
emulator on loopback, the clock moved by the test, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from moph_connect.appointments.schemas import SEED_EXAMPLE
from moph_connect.clock import BANGKOK
from moph_connect.db.models import Survey
from moph_connect.line.spec import validate
from moph_connect.messages import parse_postback
from tests.support.stack import running_stack


def bangkok(*args: int) -> datetime:
    return datetime(*args, tzinfo=BANGKOK)  # type: ignore[misc]


def texts(node: Any) -> str:
    """All text a LINE message shows, joined, to look for facts in it."""
    if isinstance(node, dict):
        return " ".join(
            texts(v)
            for k, v in node.items()
            if k in ("text", "altText", "contents", "body", "header", "footer", "hero")
            or isinstance(v, (dict, list))
        )
    if isinstance(node, list):
        return " ".join(texts(v) for v in node)
    return node if isinstance(node, str) else ""


def postback_data(message: dict[str, Any], score: int) -> str:
    """The data of the survey button for `score`."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            action = node.get("action")
            if isinstance(action, dict) and action.get("type") == "postback":
                found.append(action["data"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(message)
    for data in found:
        parsed = parse_postback(data)
        if parsed is not None and getattr(parsed, "score", None) == score:
            return data
    raise AssertionError(f"no button for score {score} in {found}")


def test_kru_pensri_books_is_reminded_called_and_surveyed(database_url: str) -> None:
    # Three days before the appointment, mid-morning.
    with running_stack(database_url, bangkok(2018, 4, 27, 10, 0)) as stack:
        hospital = stack.register_hospital()
        user = stack.follow(name="ครูเพ็ญศรี")
        welcome = stack.inbox(user)[0]
        assert welcome["via"] == "reply"

        # She taps "book a hospital queue" and sees the hospitals.
        stack.postback(user, "action=book")
        picker = stack.wait_inbox(user, 2)[1]["message"]
        assert "โรงพยาบาลปทุมธานี" in texts(picker)

        # She picks Pathum Thani Hospital and gets her booking link.
        regist = stack.pick_hospital(user, hospital.hospital_id)
        assert len(stack.inbox(user)) == 3

        # The hospital's queue system: booking made → queue card.
        payload = {**SEED_EXAMPLE, "userId": regist}
        key = hospital.production_key
        assert stack.call("/api/queue", key, payload).status_code == 202
        card = stack.wait_inbox(user, 4)[3]
        assert card["via"] == "push"
        assert "วันจันทร์ที่ 30 เมษายน 2561" in texts(card["message"])
        assert "จุดคัดกรอง คิวที่ 1221" in texts(card["message"])

        # Midnight before the day before: the hospital schedules the reminders.
        stack.clock.set(bangkok(2018, 4, 29, 0, 0))
        scheduled = stack.call("/api/queue/schedule", key, payload)
        assert scheduled.status_code == 202, scheduled.text

        stack.clock.set(bangkok(2018, 4, 29, 8, 59))
        assert len(stack.wait_inbox(user, 4)) == 4  # nothing early
        stack.clock.set(bangkok(2018, 4, 29, 9, 0))
        day_before = stack.wait_inbox(user, 5)[4]
        assert "พรุ่งนี้" in texts(day_before["message"])

        stack.clock.set(bangkok(2018, 4, 30, 6, 0))
        same_day = stack.wait_inbox(user, 6)[5]
        assert "วันนี้" in texts(same_day["message"])

        # 09:52: her turn is near.
        stack.clock.set(bangkok(2018, 4, 30, 9, 52))
        assert stack.call("/api/queue/notify", key, payload).status_code == 202
        near = stack.wait_inbox(user, 7)[6]
        assert "ใกล้ถึงคิว" in texts(near["message"])

        # 12:00 the next day: the survey.
        stack.clock.set(bangkok(2018, 5, 1, 11, 59))
        assert len(stack.wait_inbox(user, 7)) == 7
        stack.clock.set(bangkok(2018, 5, 1, 12, 0))
        survey = stack.wait_inbox(user, 8)[7]["message"]

        # She answers 5, then taps again: the first answer stays.
        stack.postback(user, postback_data(survey, 5))
        thanks = stack.wait_inbox(user, 9)[8]
        assert thanks["via"] == "reply"
        stack.postback(user, postback_data(survey, 1))
        stack.wait_inbox(user, 10)
        with stack.database.transaction() as session:
            stored = session.scalars(select(Survey)).all()
        assert [(s.hospital_id, s.score) for s in stored] == [(hospital.hospital_id, 5)]

        # Everything she received is a valid LINE message, each delivered once.
        inbox = stack.inbox(user)
        assert len(inbox) == 10
        for entry in inbox:
            assert validate("messaging-api", "Message", entry["message"]) == []
