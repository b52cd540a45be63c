"""Consent is recorded; "delete my data" asks first, then forgets her everywhere."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import orjson
from sqlalchemy import select

from moph_connect.appointments.schemas import SEED_EXAMPLE
from moph_connect.clock import BANGKOK
from moph_connect.db.models import (
    Appointment,
    AuditEvent,
    ConsentRecord,
    LineUser,
    OutboxMessage,
    Registration,
    Survey,
    WebhookEvent,
)
from moph_connect.messages import NOTICE_VERSION
from tests.chatbot.support import (
    accept_privacy,
    line_user,
    new_user,
    postbacks,
    say,
    share_location,
    tap,
    texts,
)
from tests.support.stack import Stack, find_uri

COMMENT = "คุณหมอสมชายใจดีมาก"


def booked_and_surveyed(stack: Stack) -> tuple[str, str, str, str]:
    """Kru Pensri with a past visit (scored, commented) and an upcoming appointment with a
    pending reminder: (user, regist, key, upcoming appointment id)."""
    hospital = stack.register_hospital()
    user, _ = new_user(stack)
    accept_privacy(stack, user)
    [link] = tap(stack, user, f"action=pick&hospital={hospital.hospital_id}")
    regist = parse_qs(urlparse(find_uri(link, "regist=")).query)["regist"][0]
    key = hospital.production_key
    today = stack.clock.now().astimezone(BANGKOK).date()
    visit = {
        **SEED_EXAMPLE,
        "userId": regist,
        "appointmentDate": today.isoformat(),
        "queueNumber": "คิวที่ 7",
    }
    assert stack.call("/api/queue/notify", key, visit).status_code == 202
    with stack.database.transaction() as session:
        token = session.scalars(select(Survey.token)).one()
    tap(stack, user, f"action=survey&token={token}&score=4")
    say(stack, user, COMMENT)
    upcoming = {
        **SEED_EXAMPLE,
        "userId": regist,
        "appointmentDate": (today + timedelta(days=5)).isoformat(),
    }
    response = stack.call("/api/queue/schedule", key, upcoming)
    assert response.status_code == 202, response.text
    share_location(stack, user, 14.02, 100.52)  # stored with the webhook event
    return user, regist, key, response.json()["appointmentId"]


def test_delete_my_data(stack: Stack) -> None:
    user, regist, key, upcoming_id = booked_and_surveyed(stack)
    [question] = say(stack, user, "ลบข้อมูล")
    [confirm, cancel] = postbacks(question)
    assert confirm.startswith("action=erase_confirm&nonce=") and cancel == "action=erase_cancel"
    [kept] = tap(stack, user, cancel)
    assert "ไม่ได้ลบ" in kept["text"]
    assert line_user(stack, "production", user) is not None

    [question] = tap(stack, user, "action=erase")  # from the help menu
    [done] = tap(stack, user, postbacks(question)[0])
    assert "ลบข้อมูลของคุณ" in done["text"] and "เรียบร้อย" in done["text"]

    with stack.database.transaction() as session:
        assert line_user(stack, "production", user) is None
        [anonymous] = session.scalars(select(LineUser)).all()
        assert anonymous.line_user_id.startswith("erased-")
        assert not anonymous.following and anonymous.consent_version is None
        assert anonymous.language is None and anonymous.conversation is None
        assert session.scalars(select(Appointment)).all() == []
        [registration] = session.scalars(select(Registration)).all()
        assert registration.erased_at is not None
        [survey] = session.scalars(select(Survey)).all()
        assert (survey.score, survey.comment, survey.appointment_id) == (4, None, None)
        [consent] = session.scalars(select(ConsentRecord)).all()
        assert consent.withdrawn_at is not None and consent.notice_version == NOTICE_VERSION
        rows = session.scalars(select(OutboxMessage)).all()
        assert all(user not in row.line_user_id for row in rows)
        assert all(row.status != "pending" for row in rows)
        erased_rows = [row for row in rows if row.payload == "[]"]
        assert len(erased_rows) >= 5  # greeting, link, queue near, survey replies, reminders
        for row in rows:  # only the "your data is deleted" answer still has a text
            assert COMMENT not in row.payload and "ประโยชน์" not in row.payload
        stored_events = orjson.dumps([e.event for e in session.scalars(select(WebhookEvent))])
        assert user.encode() not in stored_events and COMMENT.encode() not in stored_events
        assert b"100.52" not in stored_events
        [audit] = session.scalars(select(AuditEvent)).all()
        assert audit.kind == "data_erased"
        assert audit.detail["appointments"] == 2 and audit.detail["registrations"] == 1
        assert all(isinstance(v, int) for v in audit.detail.values())

    # The hospital calling with her old MOPH Connect ID: gone.
    again = stack.call("/api/queue", key, {**SEED_EXAMPLE, "userId": regist})
    assert again.status_code == 410
    assert (
        stack.api.get(
            f"/api/queue/{upcoming_id}", headers={"Authorization": f"Bearer {key}"}
        ).status_code
        == 404
    )

    # She is a new person to us now: no consent, a new MOPH Connect ID when she books.
    [answer] = say(stack, user, "สวัสดี")
    assert answer["type"] == "flex"
    fresh = line_user(stack, "production", user)
    assert fresh is not None and fresh.consent_version is None


def test_a_confirmation_expires(stack: Stack) -> None:
    user, _ = new_user(stack)
    [question] = say(stack, user, "delete my data")
    stack.clock.advance(timedelta(minutes=16))
    [expired] = tap(stack, user, postbacks(question)[0])
    assert "หมดอายุ" in expired["text"]
    assert line_user(stack, "production", user) is not None


def test_an_old_confirmation_is_not_a_new_one(stack: Stack) -> None:
    user, _ = new_user(stack)
    [first] = say(stack, user, "ลบข้อมูล")
    [second] = say(stack, user, "ลบข้อมูล")
    assert postbacks(first)[0] != postbacks(second)[0]
    [expired] = tap(stack, user, postbacks(first)[0])
    assert "หมดอายุ" in expired["text"]
    [done] = tap(stack, user, postbacks(second)[0])
    assert "เรียบร้อย" in done["text"]


def test_erasing_someone_with_nothing_stored(stack: Stack) -> None:
    user, _ = new_user(stack)
    [question] = tap(stack, user, "action=erase")
    [done] = tap(stack, user, postbacks(question)[0])
    assert "เรียบร้อย" in done["text"]
    with stack.database.transaction() as session:
        [audit] = session.scalars(select(AuditEvent)).all()
        assert audit.detail["appointments"] == 0
    assert "regist=" not in texts(done)
