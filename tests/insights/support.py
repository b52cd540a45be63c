"""Operators signed in over real HTTP (the console's own sign-in form), and the seeded
data the satisfaction and deliveries pages are checked against."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

import httpx

from moph_connect.db.uow import Database
from moph_connect.operators.service import add_operator
from moph_connect.outbox.repository import OutboxRepository
from moph_connect.outbox.types import Step
from tests.satisfaction.seed import (
    Seeded,
    add_appointment,
    add_hospital,
    add_message,
    add_survey,
    bangkok,
)

PASSWORD = "a long enough passphrase 2026"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
# Appointments on these days: their surveys are due the day after, all in the default
# 12 weeks before TODAY.
TODAY = date(2026, 12, 3)
DAY = date(2026, 11, 24)


def add_operators(database: Database) -> None:
    with database.transaction() as session:
        now = bangkok(TODAY, 8)
        for email, role, hospital in (
            ("ministry@moph.go.th", "ministry", None),
            ("it@pth.go.th", "hospital", "h1"),
            ("it@llk.go.th", "hospital", "h2"),
        ):
            add_operator(
                session,
                email=email,
                role=role,
                hospital_id=hospital,
                password=PASSWORD,
                now=now,
                actor="test",
            )


@contextmanager
def sign_in(base_url: str, email: str) -> Iterator[httpx.Client]:
    """A client signed in through the sign-in form, as a browser would."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        form = client.get("/console/login")
        answer = client.post(
            "/console/login",
            data={"email": email, "password": PASSWORD, "csrf_token": csrf_of(form.text)},
        )
        assert answer.status_code == 303, answer.text
        yield client


def csrf_of(page: str) -> str:
    token = TOKEN.search(page)
    assert token, page
    return token.group(1)


@dataclass(frozen=True)
class World:
    mine: Seeded  # h1's appointment with a retried and sent queue card
    card: int
    theirs: int  # h2's failed queue card
    chat_free: int  # a message with no hospital (its patient erased): ministry only


def seed_world(database: Database) -> World:
    """Two hospitals, their surveys and messages."""
    with database.transaction() as session:
        add_hospital(session, "h1", "โรงพยาบาลปทุมธานี")
        add_hospital(session, "h2", "โรงพยาบาลลำลูกกา")
        for score, recommend, comment in (
            (5, 10, "พยาบาลใจดีมาก"),
            (4, 9, None),
            (2, 3, "รอนาน <b>มาก</b>"),
            (None, None, None),
        ):
            add_survey(session, "h1", DAY, score=score, recommend=recommend, comment=comment)
        add_survey(session, "h1", DAY - timedelta(days=7), score=3, recommend=7)
        add_survey(session, "h2", DAY, score=1, recommend=0, comment="ความเห็นของ รพ.ลำลูกกา")
        mine = add_appointment(session, "h1", DAY + timedelta(days=7), queue_number="A 1221")
        card = add_message(session, mine, "queue_card", bangkok(TODAY, 8), status="sent")
        other = add_appointment(session, "h2", DAY + timedelta(days=7), queue_number="B 1221")
        theirs = add_message(session, other, "queue_card", bangkok(TODAY, 8), status="failed")
        loose = add_appointment(session, "h2", DAY + timedelta(days=7), queue_number="C 9")
        chat_free = add_message(session, loose, "chat", bangkok(TODAY, 9), status="sent")
        chat_free.appointment_id = None
        OutboxRepository(session).record_steps(
            [
                Step(card.id, 1, "retry", "500", None, "HTTP 500: Internal Server Error"),
                Step(card.id, 2, "sent", "200", "req-0001", ""),
                Step(theirs.id, 1, "failed", "400", None, "HTTP 400: invalid message"),
            ],
            bangkok(TODAY, 8),
        )
        return World(mine, card.id, theirs.id, chat_free.id)
