"""No log of a PostgreSQL run holds a patient's name: not ours, not a library's, not the
PostgreSQL server's own.

Every logger at DEBUG into one handler; then calls whose fields carry the seed's patient
name: a whole booking as it goes (follow, consent, pick, queue card, reminders, near-queue
alert, alert, look-up, cancel, messages delivered), bodies the database would refuse if
anything still passed them on (NUL in the text fields, in userId and in a webhook event
id; `%00` in /api/queue/{id}; values over every limit), and identical calls racing each
other (a unique constraint refusing the loser). Then the name, its JSON escapes and its
URL encoding must be in no record's message, arguments or exception text, and not in the
server's log.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import logging
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from moph_connect.appointments.schemas import SEED_EXAMPLE
from moph_connect.db.migrate import upgrade
from moph_connect.db.models import OutboxMessage
from moph_connect.settings import Settings
from tests.conftest import _truncate_all
from tests.fuzz.conftest import START
from tests.support.postgres import PostgresServer
from tests.support.stack import Stack, running_stack, wait_for

NAME = "นาย ประโยชน์ รุจิรา"
# The name, each of its words but the title, as JSON and URLs write them.
WORDS = [NAME, "ประโยชน์", "รุจิรา"]
FORMS = sorted(
    {
        form
        for word in WORDS
        for escaped in [json.dumps(word)[1:-1]]
        for form in (word, escaped, escaped.upper().replace("\\U", "\\u"), quote(word))
    }
)


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.lock_ = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self.lock_:
            self.records.append(record)

    def texts(self) -> Iterator[tuple[logging.LogRecord, str]]:
        formatter = logging.Formatter()
        with self.lock_:
            records = list(self.records)
        for record in records:
            parts = [str(record.msg), repr(record.args)]
            with contextlib.suppress(TypeError, ValueError):
                parts.append(record.getMessage())
            if record.exc_info:
                parts.append(formatter.formatException(record.exc_info))
            parts += [record.exc_text or "", record.stack_info or ""]
            yield record, "\n".join(parts)


def _every_logger_at_debug(saved: dict[logging.Logger, tuple[int, bool]]) -> None:
    """Every logger there is, and the root, at DEBUG and enabled; `saved` keeps what each
    was the first time it was seen, for `_restore`."""
    names = list(logging.root.manager.loggerDict)
    for logger in [logging.getLogger(), *map(logging.getLogger, names)]:
        saved.setdefault(logger, (logger.level, logger.disabled))
        logger.setLevel(logging.DEBUG)
        logger.disabled = False


def _restore(saved: dict[logging.Logger, tuple[int, bool]]) -> None:
    for logger, (level, disabled) in saved.items():
        logger.setLevel(level)
        logger.disabled = disabled


@dataclass
class Run:
    stack: Stack
    capture: Capture
    server_log: Path | None  # None: an external server (MOPH_CONNECT_TEST_POSTGRES_URL)


@pytest.fixture(scope="module")
def run() -> Iterator[Run]:
    configured = os.environ.get("MOPH_CONNECT_TEST_POSTGRES_URL")
    server = None if configured else PostgresServer()
    if server is not None:
        server.start()
    try:
        url = configured or server.url  # type: ignore[union-attr]
        upgrade(url)
        if configured:
            _truncate_all(url)
        capture = Capture()
        root = logging.getLogger()
        saved: dict[logging.Logger, tuple[int, bool]] = {}
        _every_logger_at_debug(saved)
        root.addHandler(capture)
        try:
            with running_stack(url, START) as stack:
                _every_logger_at_debug(saved)  # and those the stack's libraries made
                yield Run(stack, capture, server.root / "server.log" if server else None)
        finally:
            root.removeHandler(capture)
            _restore(saved)
    finally:
        if server is not None:
            server.stop()


def _sign(body: bytes, channel: str = "production") -> str:
    secret = Settings().channel_credentials(channel).secret  # the emulator's
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def _webhook(stack: Stack, body: bytes) -> httpx.Response:
    return _fresh(stack).post(
        "/line/webhook",
        content=body,
        headers={"x-line-signature": _sign(body), "Content-Type": "application/json"},
    )


def _fresh(stack: Stack) -> httpx.Client:
    """A client of its own: after a 500 the server may close the connection."""
    return httpx.Client(base_url=stack.base_url, timeout=30)


def _booking(run: Run) -> tuple[str, str, str]:
    """The seed's story with her name in it, from following to the cancelled card."""
    stack = run.stack
    hospital = stack.register_hospital()
    user = stack.follow(name=NAME)
    regist = stack.pick_hospital(user, hospital.hospital_id)
    before = len(stack.inbox(user))
    stack.emulator.post(f"/control/users/{user}/text", json={"text": NAME})  # a search
    stack.wait_inbox(user, before + 1)
    body = {**SEED_EXAMPLE, "userId": regist}
    key = hospital.production_key
    for path in ("/api/queue", "/api/queue/schedule", "/api/queue/notify"):
        answer = stack.call(path, key, body)
        assert answer.status_code == 202, answer.text
    alert = {**body, "header": NAME, "detailsLinkLabel": "ประโยชน์"}
    assert stack.call("/api/alert", key, alert).status_code == 202
    appointment = stack.call("/api/queue", key, body).json()["appointmentId"]
    headers = {"Authorization": f"Bearer {key}"}
    assert stack.api.get(f"/api/queue/{appointment}", headers=headers).status_code == 200
    stack.wait_inbox(user, before + 4)  # the card, the near-queue alert, the alert, ...
    return key, regist, appointment


def _refused(run: Run, key: str, regist: str, appointment: str) -> None:
    """What a database would refuse, if anything passed it on."""
    stack = run.stack
    headers = {"Authorization": f"Bearer {key}"}
    nul = {
        **SEED_EXAMPLE,
        "userId": regist,
        "queueNumber": f"{NAME}\u0000",
        "patientName": f"\u0000{NAME}",
        "appointmentTime": f"{NAME}\u0000\u0000",
    }
    with _fresh(stack) as client:
        assert client.post("/api/queue", json=nul, headers=headers).status_code == 202
        for field, limit in (("queueNumber", 100), ("patientName", 200), ("appointmentTime", 300)):
            long = {**SEED_EXAMPLE, "userId": regist, field: NAME * (limit // len(NAME) + 2)}
            assert client.post("/api/queue", json=long, headers=headers).status_code == 422
        form = {**SEED_EXAMPLE, "userId": regist, "origin": NAME + "\x00"}
        client.post("/api/queue", data=form, headers=headers)
        client.post("/api/queue", content=NAME.encode() + b"\x00{", headers=headers)
        client.post("/api/queue", content=NAME.encode("utf-16"), headers=headers)
        for path in (f"/api/queue/{appointment}%00", "/api/queue/%00", "/api/queue/a%00"):
            assert client.get(path, headers=headers).status_code == 404
            assert client.delete(path, headers=headers).status_code == 404
    for user_id in (f"{NAME}\u0000", f"{regist}\u0000", NAME * 200):
        with _fresh(stack) as client:  # no key: the ID names the hospital
            client.post("/api/queue", json={**SEED_EXAMPLE, "userId": user_id})
    for event_id in ("01HNAME\u0000", NAME, NAME * 10):
        event = {
            "type": "message",
            "webhookEventId": event_id,
            "timestamp": 1524790800000,
            "source": {"type": "user", "userId": "U" + "0" * 32},
            "replyToken": "0" * 32,
            "mode": "active",
            "message": {"type": "text", "id": "1", "text": f"{NAME}\u0000"},
        }
        _webhook(stack, json.dumps({"destination": "U0", "events": [event]}).encode())


def _racing(run: Run, key: str, regist: str) -> None:
    """Identical calls at once: the losers hit the appointment's unique constraint, whose
    key (hospital, userId, date, queueNumber) carries the name here."""
    stack = run.stack
    barrier = threading.Barrier(8)

    def call(queue_number: str) -> int:
        with _fresh(stack) as client:
            barrier.wait()
            return client.post(
                "/api/queue",
                json={**SEED_EXAMPLE, "userId": regist, "queueNumber": queue_number},
                headers={"Authorization": f"Bearer {key}"},
            ).status_code

    with ThreadPoolExecutor(8) as pool:
        for round_ in range(4):
            statuses = list(pool.map(call, [f"{NAME} {round_}"] * 8))
            assert set(statuses) == {202}, statuses


def _settled(stack: Stack) -> bool:
    with stack.database.transaction() as session:
        due = session.query(OutboxMessage).filter(
            OutboxMessage.status.in_(("pending", "sending")),
            OutboxMessage.due_at <= stack.clock.now(),
        )
        return due.count() == 0


def _leaks(text: str) -> list[str]:
    return [form for form in FORMS if form in text]


def test_no_log_of_a_postgresql_run_holds_a_patients_name(run: Run) -> None:
    key, regist, appointment = _booking(run)
    _refused(run, key, regist, appointment)
    _racing(run, key, regist)
    cancelled = run.stack.api.delete(
        f"/api/queue/{appointment}", headers={"Authorization": f"Bearer {key}"}
    )
    assert cancelled.status_code == 202
    run.stack.clock.advance(timedelta(days=4))  # reminders, survey: sent or dropped
    wait_for(lambda: _settled(run.stack), timeout=30, what="every due message sent")
    assert len(run.capture.records) > 100  # DEBUG really was on
    leaked: dict[str, int] = {}
    for record, text in run.capture.texts():
        if _leaks(text):
            # One line per logger and message template, with a count.
            where = f"{record.name} {record.levelname} {str(record.msg)[:120]!r}"
            leaked[where] = leaked.get(where, 0) + 1
    server: list[str] = []
    if run.server_log is not None:
        lines = run.server_log.read_text(encoding="utf-8", errors="replace").splitlines()
        server = [line[:300] for line in lines if _leaks(line)]
    assert (leaked, server) == ({}, [])
