"""Events as LINE really delivers them: replayed, late, out of order, from people who
never followed or have blocked us, from groups, in standby mode, and two people at once."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from moph_connect.db.models import LineUser, OutboxMessage
from tests.chatbot.support import (
    accept_privacy,
    add_hospital,
    block,
    event,
    line_user,
    new_user,
    postbacks,
    say,
    settle,
    signed_post,
    tap,
    texts,
)
from tests.support.stack import Stack, wait_for

STRANGER = "U" + "5" * 32


def ms(stack: Stack, delta: timedelta = timedelta(0)) -> int:
    return int((stack.clock.now() + delta).timestamp() * 1000)


def replies_for(stack: Stack, user: str) -> list[OutboxMessage]:
    with stack.database.transaction() as session:
        return list(
            session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.line_user_id == user, OutboxMessage.kind == "chat")
                .options(selectinload(OutboxMessage.content))  # read after the session
            )
        )


def post_and_settle(stack: Stack, events: list[dict[str, Any]]) -> None:
    assert signed_post(stack, "production", events) == 200
    for built in events:
        settle(stack, "production", built["webhookEventId"])


def test_a_replayed_event_is_answered_once(stack: Stack) -> None:
    user, _ = new_user(stack)
    text = event(
        "message",
        user,
        timestamp_ms=ms(stack),
        message={"id": "1", "type": "text", "text": "ช่วยเหลือ"},
    )
    before = len(replies_for(stack, user))
    for _ in range(3):
        post_and_settle(stack, [text])
    redelivered = {**text, "deliveryContext": {"isRedelivery": True}}
    post_and_settle(stack, [redelivered])
    assert len(replies_for(stack, user)) == before + 1


def test_someone_who_never_followed_is_answered_and_known_from_then(stack: Stack) -> None:
    message = event(
        "message",
        STRANGER,
        timestamp_ms=ms(stack),
        message={"id": "1", "type": "text", "text": "สวัสดี"},
    )
    post_and_settle(stack, [message])
    [reply] = replies_for(stack, STRANGER)
    assert reply.status in ("sent", "failed")  # the emulator does not know this user
    assert "action=help" in reply.payload or "action=privacy" in reply.payload
    known = line_user(stack, "production", STRANGER)
    assert known is not None and known.following and known.consent_version is None


def test_late_events_from_before_a_block_change_nothing(stack: Stack) -> None:
    user, _ = new_user(stack)
    stack.clock.advance(timedelta(minutes=5))
    block(stack, user)
    blocked = line_user(stack, "production", user)
    assert blocked is not None and not blocked.following
    before = len(replies_for(stack, user))

    # A tap and a follow from before the block, delivered late: ignored, unanswered.
    late_tap = event(
        "postback",
        user,
        timestamp_ms=ms(stack, -timedelta(minutes=2)),
        postback={"data": "action=help"},
    )
    late_follow = event(
        "follow", user, timestamp_ms=ms(stack, -timedelta(minutes=3)), follow={"isUnblocked": False}
    )
    post_and_settle(stack, [late_tap, late_follow])
    assert len(replies_for(stack, user)) == before
    still = line_user(stack, "production", user)
    assert still is not None and not still.following


def test_a_block_from_before_her_latest_follow_is_ignored(stack: Stack) -> None:
    user, _ = new_user(stack)
    old_block = event(
        "unfollow", user, timestamp_ms=ms(stack, -timedelta(hours=1)), reply_token=None
    )
    post_and_settle(stack, [old_block])
    known = line_user(stack, "production", user)
    assert known is not None and known.following


def test_events_of_one_delivery_are_handled_in_the_order_they_happened(stack: Stack) -> None:
    # LINE sent "follow, then typed" but listed them the other way round.
    typed = event(
        "message",
        STRANGER,
        timestamp_ms=ms(stack, timedelta(seconds=2)),
        message={"id": "1", "type": "text", "text": "เมนู"},
    )
    follow = event("follow", STRANGER, timestamp_ms=ms(stack), follow={"isUnblocked": False})
    post_and_settle(stack, [typed, follow])
    replies = sorted(replies_for(stack, STRANGER), key=lambda r: r.id)
    assert [r.dedup_key for r in replies] == [
        f"event:production:{follow['webhookEventId']}",
        f"event:production:{typed['webhookEventId']}",
    ]


def test_groups_rooms_standby_and_malformed_events_get_no_answer(stack: Stack) -> None:
    user, _ = new_user(stack)
    before = len(replies_for(stack, user))
    in_group = event(
        "message",
        user,
        timestamp_ms=ms(stack),
        message={"id": "1", "type": "text", "text": "ช่วยเหลือ"},
    )
    in_group["source"] = {"type": "group", "groupId": "C" + "1" * 32, "userId": user}
    standby = event(
        "message",
        user,
        timestamp_ms=ms(stack),
        message={"id": "2", "type": "text", "text": "ช่วยเหลือ"},
    )
    standby["mode"] = "standby"
    read = event("unsend", user, timestamp_ms=ms(stack), unsend={"messageId": "1"})
    odd = event("message", user, timestamp_ms=ms(stack), message="not an object")
    odd["timestamp"] = "yesterday"
    post_and_settle(stack, [in_group, standby, read])
    assert len(replies_for(stack, user)) == before
    post_and_settle(stack, [odd])  # no readable message: "didn't understand"
    assert len(replies_for(stack, user)) == before + 1


def test_two_patients_at_once(stack: Stack) -> None:
    pathum = add_hospital(stack, "โรงพยาบาลปทุมธานี")
    users = [new_user(stack, name=name)[0] for name in ("หนึ่ง", "สอง")]
    results: dict[str, list[dict[str, Any]]] = {}
    errors: list[BaseException] = []

    def journey(user: str) -> None:
        try:
            accept_privacy(stack, user)
            say(stack, user, "ปทุมธานี")
            results[user] = tap(stack, user, f"action=pick&hospital={pathum}")
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=journey, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    links = [texts(results[u]) for u in users]
    assert all("regist=" in link for link in links)
    assert links[0] != links[1]  # each her own MOPH Connect ID
    for user in users:
        wait_for(lambda u=user: len(stack.inbox(u)) == 4, what="four messages each")  # type: ignore[misc]
    with stack.database.transaction() as session:
        assert len(session.scalars(select(LineUser)).all()) == 2


def test_a_question_from_another_conversation_is_not_answered_by_a_tap(stack: Stack) -> None:
    user, _ = new_user(stack)
    [question] = say(stack, user, "ลบข้อมูล")
    [confirm, cancel] = postbacks(question)
    tap(stack, user, "action=help")  # she moved on: the question is left behind
    [expired] = tap(stack, user, confirm)
    assert "หมดอายุ" in expired["text"]
    assert line_user(stack, "production", user) is not None
    [kept] = tap(stack, user, cancel)
    assert "ไม่ได้ลบ" in kept["text"]
