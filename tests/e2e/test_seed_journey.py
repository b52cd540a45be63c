"""Kru Pensri's journey from the seed, end to end over real HTTP: our service and the LINE
emulator on loopback, the clock moved by the test, on SQLite and PostgreSQL.

She follows MOPH Connect and accepts its privacy notice, finds her hospital by typing,
books, gets her queue card, sees the appointment in "my appointments", is reminded,
called, surveyed (score, comment, recommendation) and answers only once."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

from sqlalchemy import select

from line_contract.spec import validate
from moph_connect.appointments.schemas import SEED_EXAMPLE
from moph_connect.clock import BANGKOK
from moph_connect.db.models import ConsentRecord, OutboxMessage, Survey
from moph_connect.messages import NOTICE_VERSION, check_limits, parse_postback
from tests.chatbot.support import accept_privacy, new_user, postbacks, say, tap, texts
from tests.support.stack import Stack, find_uri, running_stack

# The dispatcher polls every 50 ms in the test stack: this is several of its looks at the
# outbox after the clock moved.
SETTLE_SECONDS = 0.3


def bangkok(*args: int) -> datetime:
    return datetime(*args, tzinfo=BANGKOK)  # type: ignore[misc]


def survey_button(message: dict[str, Any], score: int) -> str:
    """The data of the survey button for `score`."""
    for data in postbacks(message):
        parsed = parse_postback(data)
        if parsed is not None and getattr(parsed, "score", None) == score:
            return data
    raise AssertionError(f"no button for score {score}")


def quick_reply(message: dict[str, Any], label: str) -> str:
    for item in message["quickReply"]["items"]:
        if item["action"]["label"] == label:
            data: str = item["action"]["data"]
            return data
    raise AssertionError(f"no quick reply {label!r}")


def assert_nothing_early(stack: Stack, users: Sequence[str]) -> list[str]:
    """Nothing has been sent before its time, once the dispatcher has had a few polls at
    the clock's current time: no row due later than now has left `pending` (or been
    cancelled), no row was recorded sent before it was due, and the emulator received
    no push before the due time of the row with that retry key. Returns the kinds of
    the rows due later (so that a step that checks nothing shows up)."""
    time.sleep(SETTLE_SECONDS)
    now = stack.clock.now()
    with stack.database.transaction() as session:
        rows = session.execute(
            select(
                OutboxMessage.kind,
                OutboxMessage.due_at,
                OutboxMessage.status,
                OutboxMessage.sent_at,
                OutboxMessage.retry_key,
            )
        ).all()
    later = [row for row in rows if row.due_at > now]
    claimed_early = [row.kind for row in later if row.status not in ("pending", "cancelled")]
    assert claimed_early == [], f"taken before they were due at {now}: {claimed_early}"
    sent_early = [row.kind for row in rows if row.sent_at is not None and row.sent_at < row.due_at]
    assert sent_early == [], f"recorded as sent before they were due: {sent_early}"
    due_by_key = {row.retry_key: (row.kind, row.due_at) for row in rows}
    for user in users:
        for entry in stack.inbox(user):
            if entry["via"] != "push" or entry.get("retryKey") not in due_by_key:
                continue
            kind, due_at = due_by_key[entry["retryKey"]]
            received = datetime.fromisoformat(entry["receivedAt"].replace("Z", "+00:00"))
            assert received >= due_at, f"{kind} due {due_at} reached LINE at {received}"
    return sorted(row.kind for row in later)


def step_to(stack: Stack, users: Sequence[str], when: datetime) -> list[str]:
    """Move the clock, then check that nothing went early (see `assert_nothing_early`)."""
    stack.clock.set(when)
    return assert_nothing_early(stack, users)


def test_kru_pensri_books_is_reminded_called_and_surveyed(database_url: str) -> None:
    # Three days before the appointment, mid-morning.
    with running_stack(database_url, bangkok(2018, 4, 27, 10, 0)) as stack:
        hospital = stack.register_hospital()
        user, [greeting] = new_user(stack, name="ครูเพ็ญศรี")
        assert stack.inbox(user)[0]["via"] == "reply"
        assert "ยินดีต้อนรับ" in texts(greeting)
        assert f"action=consent&version={NOTICE_VERSION}" in postbacks(greeting)

        # She accepts the privacy notice.
        [thanks] = accept_privacy(stack, user)
        assert "บันทึกความยินยอม" in thanks["text"]

        # She taps "book a hospital queue", is asked which, and types it.
        [prompt] = tap(stack, user, "action=book")
        assert "พิมพ์ชื่อโรงพยาบาล" in prompt["text"]
        [picker] = say(stack, user, "ปทุมธานี")
        assert "โรงพยาบาลปทุมธานี" in texts(picker)
        assert f"action=pick&hospital={hospital.hospital_id}" in postbacks(picker)

        # She picks Pathum Thani Hospital and gets her booking link.
        [link] = tap(stack, user, f"action=pick&hospital={hospital.hospital_id}")
        regist = parse_qs(urlparse(find_uri(link, "regist=")).query)["regist"][0]

        # The hospital's queue system: booking made → queue card.
        payload = {**SEED_EXAMPLE, "userId": regist}
        key = hospital.production_key
        assert stack.call("/api/queue", key, payload).status_code == 202
        card = stack.wait_inbox(user, 6)[5]
        assert card["via"] == "push"
        assert "วันจันทร์ที่ 30 เมษายน 2561" in texts(card["message"])
        assert "จุดคัดกรอง คิวที่ 1221" in texts(card["message"])

        # Midnight before the day before: the hospital schedules the reminders, and "my
        # appointments" says when the next one comes.
        assert step_to(stack, [user], bangkok(2018, 4, 29, 0, 0)) == []
        scheduled = stack.call("/api/queue/schedule", key, payload)
        assert scheduled.status_code == 202, scheduled.text
        # Planned now: the two reminders, neither due yet.
        assert assert_nothing_early(stack, [user]) == ["reminder_day_before", "reminder_same_day"]
        [mine] = tap(stack, user, "action=appointments")
        shown = texts(mine)
        assert "โรงพยาบาลปทุมธานี" in shown
        assert "วันจันทร์ที่ 30 เมษายน 2561" in shown
        assert "จุดคัดกรอง คิวที่ 1221" in shown
        assert "แจ้งเตือน 29 เม.ย. 2561 09:00 น." in shown

        # Nothing early: at 08:59 the dispatcher delivers a message that is due (another
        # patient's queue card, booked now), so it has certainly looked at the outbox
        # since the clock moved; her reminder must still be waiting.
        assert step_to(stack, [user], bangkok(2018, 4, 29, 8, 59)) == [
            "reminder_day_before",
            "reminder_same_day",
        ]
        sentinel = stack.follow(name="ผู้ป่วยอีกคน")
        sentinel_regist = stack.pick_hospital(sentinel, hospital.hospital_id)
        before = len(stack.inbox(sentinel))
        booked = stack.call("/api/queue", key, {**SEED_EXAMPLE, "userId": sentinel_regist})
        assert booked.status_code == 202, booked.text
        stack.wait_inbox(sentinel, before + 1)
        assert assert_nothing_early(stack, [user, sentinel]) == [
            "reminder_day_before",
            "reminder_same_day",
        ]
        assert len(stack.inbox(user)) == 7
        stack.clock.set(bangkok(2018, 4, 29, 9, 0))
        day_before = stack.wait_inbox(user, 8)[7]
        assert "พรุ่งนี้" in texts(day_before["message"])
        assert assert_nothing_early(stack, [user]) == ["reminder_same_day"]

        # 05:59 on the day: the same-day reminder still waits; at 06:00 it goes.
        assert step_to(stack, [user], bangkok(2018, 4, 30, 5, 59)) == ["reminder_same_day"]
        assert len(stack.inbox(user)) == 8
        stack.clock.set(bangkok(2018, 4, 30, 6, 0))
        same_day = stack.wait_inbox(user, 9)[8]
        assert "วันนี้" in texts(same_day["message"])

        # 09:52: her turn is near.
        assert step_to(stack, [user], bangkok(2018, 4, 30, 9, 52)) == []
        assert stack.call("/api/queue/notify", key, payload).status_code == 202
        near = stack.wait_inbox(user, 10)[9]
        assert "ใกล้ถึงคิว" in texts(near["message"])
        # The alert went at once; the survey it planned waits for tomorrow noon.
        assert assert_nothing_early(stack, [user]) == ["survey"]

        # 12:00 the next day: the survey, not a minute before.
        assert step_to(stack, [user], bangkok(2018, 5, 1, 11, 59)) == ["survey"]
        assert len(stack.inbox(user)) == 10
        stack.clock.set(bangkok(2018, 5, 1, 12, 0))
        survey = stack.wait_inbox(user, 11)[10]["message"]
        assert assert_nothing_early(stack, [user]) == []

        # She answers 5, adds a comment, would recommend us 9 of 10; a second tap on the
        # card keeps her first answer.
        [scored] = tap(stack, user, survey_button(survey, 5))
        assert "คุณให้คะแนน 5" in scored["text"]
        assert stack.inbox(user)[11]["via"] == "reply"
        [question] = say(stack, user, "  พยาบาลใจดีมาก ได้รับบริการรวดเร็ว 😊  ")
        assert len(question["quickReply"]["items"]) == 11
        [done] = tap(stack, user, quick_reply(question, "9"))
        assert "ขอบคุณ" in done["text"]
        [again] = tap(stack, user, survey_button(survey, 1))
        assert "คำตอบแรก" in again["text"]
        with stack.database.transaction() as session:
            stored = session.scalars(select(Survey)).all()
            consents = session.scalars(select(ConsentRecord)).all()
        assert [(s.hospital_id, s.score, s.comment, s.recommend) for s in stored] == [
            (hospital.hospital_id, 5, "พยาบาลใจดีมาก ได้รับบริการรวดเร็ว 😊", 9)
        ]
        # Hers and the other patient's (the 08:59 check).
        assert [(c.notice_version, c.withdrawn_at) for c in consents] == [
            (NOTICE_VERSION, None)
        ] * 2

        # Everything she received is a valid LINE message, each delivered once.
        inbox = stack.inbox(user)
        assert len(inbox) == 15
        for entry in inbox:
            assert validate("messaging-api", "Message", entry["message"]) == []
            assert check_limits(entry["message"]) == []
