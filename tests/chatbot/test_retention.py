"""Retention, as the running service does it (the dispatcher's hourly job, moved on by the
simulated clock): an appointment and everything about it go 30 days after its date, chat
answers 30 days after they were planned, stored webhook events 7 days after they were
processed; survey scores stay, without comment or appointment."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlparse

from sqlalchemy import func, select

from moph_connect.appointments.schemas import SEED_EXAMPLE
from moph_connect.clock import BANGKOK
from moph_connect.db.models import (
    Appointment,
    AuditEvent,
    IdempotencyRecord,
    LineUser,
    OutboxMessage,
    OutboxPayload,
    Registration,
    Survey,
    WebhookEvent,
)
from tests.chatbot.support import accept_privacy, new_user, say, tap, texts
from tests.support.leaks import scan_tables
from tests.support.stack import Stack, find_uri, wait_for

COMMENT = "พยาบาลที่จุดคัดกรองช่วยเหลือดีมาก"
PATIENT_NAME = str(SEED_EXAMPLE["patientName"])


def bangkok_morning(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=BANGKOK)


def rows(stack: Stack, model: type[object]) -> int:
    with stack.database.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def visited_and_booked(stack: Stack) -> tuple[str, str, str, date, date]:
    """A visit today (alerted, scored, commented) and an appointment in 2 days (called
    with an Idempotency-Key): (user, key, upcoming appointment id, today, upcoming date)."""
    hospital = stack.register_hospital()
    user, _ = new_user(stack)
    accept_privacy(stack, user)
    [link] = tap(stack, user, f"action=pick&hospital={hospital.hospital_id}")
    regist = parse_qs(urlparse(find_uri(link, "regist=")).query)["regist"][0]
    key = hospital.production_key
    today = stack.clock.now().astimezone(BANGKOK).date()
    visit = {**SEED_EXAMPLE, "userId": regist, "appointmentDate": today.isoformat()}
    assert stack.call("/api/queue/notify", key, visit, **{"Idempotency-Key": "v"}).is_success
    with stack.database.transaction() as session:
        token = session.scalars(select(Survey.token)).one()
    tap(stack, user, f"action=survey&token={token}&score=5")
    say(stack, user, COMMENT)
    tap(stack, user, f"action=recommend&token={token}&score=10")
    later = today + timedelta(days=2)
    upcoming = {**SEED_EXAMPLE, "userId": regist, "appointmentDate": later.isoformat()}
    response = stack.call("/api/queue/schedule", key, upcoming, **{"Idempotency-Key": "u"})
    assert response.status_code == 202, response.text
    return user, key, response.json()["appointmentId"], today, later


def test_appointments_messages_and_events_go_on_time(stack: Stack) -> None:
    user, key, upcoming_id, today, later = visited_and_booked(stack)
    assert rows(stack, Appointment) == 2 and rows(stack, IdempotencyRecord) == 2
    events = rows(stack, WebhookEvent)

    # 6 days on, events are kept; 7 days after they were processed, they go.
    stack.clock.advance(timedelta(days=6, hours=23))
    say(stack, user, "ปทุมธานี")
    assert rows(stack, WebhookEvent) == events + 1
    stack.clock.advance(timedelta(hours=2))
    wait_for(lambda: len(purges(stack)) == 1, timeout=30, what="events processed 7 days ago gone")
    assert rows(stack, WebhookEvent) == 1

    # 30 days after the visit's date: the visit is kept (it goes the day after) ...
    stack.clock.set(bangkok_morning(today + timedelta(days=30)))
    say(stack, user, "สวัสดี")  # something newer than 30 days, to keep
    assert rows(stack, Appointment) == 2
    # ... and 31 days after it, it goes, with its messages and idempotency record; the
    # appointment 2 days later stays.
    stack.clock.set(bangkok_morning(today + timedelta(days=31)))
    wait_for(lambda: rows(stack, Appointment) == 1, timeout=30, what="the visit purged")
    wait_for(
        lambda: purges(stack)[-1]["appointments"], timeout=30, what="its pass audited, at its end"
    )
    payloads = rows(stack, OutboxPayload)
    with stack.database.transaction() as session:
        [kept] = session.scalars(select(Appointment)).all()
        assert kept.id == upcoming_id and kept.appointment_date == later
        [survey] = session.scalars(select(Survey)).all()
        assert (survey.score, survey.recommend) == (5, 10)
        assert (survey.comment, survey.appointment_id) == (None, None)
        [record] = session.scalars(select(IdempotencyRecord)).all()
        assert record.key == "u"
        messages = session.scalars(select(OutboxMessage)).all()
        # The later appointment's messages, and chat answers of the last 30 days.
        cutoff = stack.clock.now() - timedelta(days=30)
        for message in messages:
            assert message.appointment_id == upcoming_id or message.created_at >= cutoff
        assert any(m.appointment_id == upcoming_id for m in messages)
        assert any(m.kind == "chat" for m in messages)
        assert payloads == len(messages)
    events_pass, *_, visit_pass = purges(stack)
    assert events_pass["webhook_events"] == events and events_pass["appointments"] == 0
    assert visit_pass["appointments"] == 1 and visit_pass["surveys_unlinked"] == 1
    assert visit_pass["idempotency_records"] == 1
    assert visit_pass["messages"] >= 3  # queue near, survey, the first chat answers

    # 31 days after the later one, it goes too: her name is nowhere any more.
    stack.clock.set(bangkok_morning(later + timedelta(days=31)))
    wait_for(lambda: rows(stack, Appointment) == 0, timeout=30, what="the later appointment purged")
    answer = stack.api.get(f"/api/queue/{upcoming_id}", headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 404
    assert rows(stack, IdempotencyRecord) == 0
    assert scan_tables(stack.database, {"name": PATIENT_NAME, "comment": COMMENT}) == {}

    # She is still a follower with her MOPH Connect ID: the bot works as before.
    assert rows(stack, LineUser) == 1 and rows(stack, Registration) == 1
    [mine] = say(stack, user, "นัดหมายของฉัน")
    assert "ประโยชน์" not in texts(mine)


def purges(stack: Stack) -> list[dict[str, int]]:
    """What each pass of the job purged, oldest first (passes that purged nothing are not
    recorded)."""
    with stack.database.transaction() as session:
        audits = session.scalars(
            select(AuditEvent).where(AuditEvent.kind == "retention_purged").order_by(AuditEvent.id)
        ).all()
        return [audit.detail for audit in audits]
