"""Shared by the delivery tests and `benchmarks/dispatch.py`: seeding the outbox directly,
running `moph-connect worker` as a real process, and reading outcomes back.

Seeding bypasses the hospital API on purpose: these tests are about the dispatcher, and
thousands of rows go in with one executemany per chunk.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx
import orjson
from sqlalchemy import Table, func, insert, select

from line_emulator import Emulator
from moph_connect.clock import BANGKOK
from moph_connect.db.models import ChannelState, OutboxAttempt, OutboxMessage, OutboxPayload
from moph_connect.db.uow import Database
from moph_connect.outbox.dispatcher import Dispatcher
from moph_connect.scheduling.rules import PRIORITY, MessageKind

OUTBOX: Table = OutboxMessage.__table__  # type: ignore[assignment]
PAYLOADS: Table = OutboxPayload.__table__  # type: ignore[assignment]
ATTEMPTS: Table = OutboxAttempt.__table__  # type: ignore[assignment]
CHANNEL = "production"
OPEN_STATUSES = ("pending", "sending")


class RunningClock:
    """A clock that runs at real speed from a chosen start, e.g. mid-morning in Bangkok,
    so the timing rules say "send" whatever the hour the tests actually run at."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("RunningClock needs an aware datetime")
        self._start = start.astimezone(UTC)
        self._origin = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._origin)


# --- payloads ---------------------------------------------------------------------------


def text_payload(text: str) -> str:
    """The outbox form of one LINE text message: a JSON array of message objects."""
    return orjson.dumps([{"type": "text", "text": text}]).decode()


def queue_card_payload(index: int, appointment_date: date) -> str:
    """A realistic queue card (Flex) as the planner would store it; texts vary by index."""
    from moph_connect.messages import AppointmentView, queue_card  # only the benchmark

    view = AppointmentView(
        hospital_name="โรงพยาบาลปทุมธานี",
        origin="กระทรวงสาธารณสุข",
        queue_number=f"จุดคัดกรอง คิวที่ {1000 + index % 9000}",
        patient_name=f"นาย ประโยชน์ รุจิรา {index}",
        appointment_date=appointment_date,
        appointment_time="เวลานัดหมาย 09:00-09:15 น. กรุณามาก่อนเวลา 10 นาที",
        details_link="http://pth.ddns.net/",
        current_queue_link="http://pth.ddns.net/",
    )
    return orjson.dumps([queue_card(view)]).decode()


# --- seeding ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    """One seeded outbox row, as the test knows it."""

    dedup_key: str
    line_user_id: str
    retry_key: str
    kind: str
    payload: str


def outbox_row(
    *,
    line_user_id: str,
    payload: str,
    now: datetime,
    kind: MessageKind = "queue_card",
    dedup_key: str | None = None,
    appointment_date: date | None = None,
    environment: str = CHANNEL,
) -> dict[str, Any]:
    """A due, pending outbox row (column name → value) for a Core insert."""
    return {
        "environment": environment,
        "appointment_id": None,
        "appointment_date": appointment_date,
        "line_user_id": line_user_id,
        "kind": kind,
        "priority": PRIORITY[kind],
        "dedup_key": dedup_key or f"seed:{uuid.uuid4()}",
        "payload": payload,
        "reply_token": None,
        "status": "pending",
        "due_at": now,
        "available_at": now,
        "attempts": 0,
        "lease_owner": None,
        "retry_key": str(uuid.uuid4()),
        "line_request_id": None,
        "last_error": None,
        "created_at": now,
        "sent_at": None,
    }


def insert_rows(database: Database, rows: Sequence[Mapping[str, Any]], chunk: int = 5000) -> None:
    """Bulk-insert outbox rows (`payload` goes to its own table), one executemany per
    chunk each, each chunk its own transaction."""
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        with database.transaction() as session:
            ids = session.scalars(
                insert(OUTBOX).returning(OUTBOX.c.id, sort_by_parameter_order=True),
                [{k: v for k, v in row.items() if k != "payload"} for row in part],
            ).all()
            session.execute(
                insert(PAYLOADS),
                [
                    {"message_id": i, "payload": row["payload"]}
                    for i, row in zip(ids, part, strict=True)
                ],
            )


def seed(
    database: Database,
    users: Sequence[str],
    count: int,
    now: datetime,
    *,
    kind: MessageKind = "queue_card",
    payload: str | None = None,
    label: str = "m",
    appointment_date: date | None = None,
    environment: str = CHANNEL,
) -> list[Seeded]:
    """`count` due messages spread round-robin over `users`; each a distinct text message
    (`<label>-<i>`) unless `payload` is given."""
    rows = [
        outbox_row(
            line_user_id=users[i % len(users)],
            payload=payload or text_payload(f"{label}-{i}"),
            now=now,
            kind=kind,
            dedup_key=f"{label}:{i}",
            appointment_date=appointment_date,
            environment=environment,
        )
        for i in range(count)
    ]
    insert_rows(database, rows)
    return [
        Seeded(row["dedup_key"], row["line_user_id"], row["retry_key"], kind, row["payload"])
        for row in rows
    ]


def bangkok_today(now: datetime) -> date:
    return now.astimezone(BANGKOK).date()


# --- reading back -----------------------------------------------------------------------


def status_counts(database: Database) -> dict[str, int]:
    with database.transaction() as session:
        query = select(OUTBOX.c.status, func.count()).group_by(OUTBOX.c.status)
        return {str(row[0]): int(row[1]) for row in session.execute(query)}


def open_count(database: Database) -> int:
    counts = status_counts(database)
    return sum(counts.get(status, 0) for status in OPEN_STATUSES)


def outbox_rows(database: Database) -> list[dict[str, Any]]:
    """Every outbox row as a plain dict (with its `payload`), by id."""
    with database.transaction() as session:
        result = session.execute(
            select(OUTBOX, PAYLOADS.c.payload)
            .outerjoin(PAYLOADS, PAYLOADS.c.message_id == OUTBOX.c.id)
            .order_by(OUTBOX.c.id)
        )
        return [dict(row._mapping) for row in result]


def attempt_rows(database: Database) -> list[dict[str, Any]]:
    """Every delivery step recorded (`outbox_attempts`), in order."""
    with database.transaction() as session:
        result = session.execute(select(ATTEMPTS).order_by(ATTEMPTS.c.id))
        return [dict(row._mapping) for row in result]


def channel_states(database: Database) -> dict[str, tuple[datetime | None, str | None]]:
    with database.transaction() as session:
        states = session.scalars(select(ChannelState)).all()
        return {state.channel: (state.paused_until, state.reason) for state in states}


def make_users(emulator: Emulator, count: int, channel: str = CHANNEL) -> list[str]:
    """Friends of the channel, made directly in the emulator's state (no follow webhook):
    only valid while no request is being served, i.e. before any worker starts."""
    return [emulator.state.create_user(channel, f"ผู้ป่วย {i}", "th").user_id for i in range(count)]


def wait_until(predicate: Any, timeout: float, what: str, interval: float = 0.05) -> Any:
    """Poll `predicate` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


# --- the worker process -----------------------------------------------------------------


def cli_command() -> list[str]:
    """How to run `moph-connect`: the console script beside this interpreter if installed."""
    script = Path(sys.executable).with_name("moph-connect")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from moph_connect.cli.main import app; app()"]


def service_env(settings: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without any MOPH_CONNECT_ variable, plus `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOPH_CONNECT_")}
    env.update({f"MOPH_CONNECT_{name.upper()}": value for name, value in settings.items()})
    return env


class ManagedProcess:
    """A child process with its output in a log file, never outliving the `with` block."""

    def __init__(self, args: Sequence[str], env: Mapping[str, str], log_path: Path) -> None:
        self.args = list(args)
        self.env = dict(env)
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    @property
    def process(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            raise RuntimeError("the process has not been started")
        return self._process

    @property
    def pid(self) -> int:
        return self.process.pid

    def start(self) -> Self:
        self._log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            self.args, env=self.env, stdout=self._log, stderr=subprocess.STDOUT
        )
        return self

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def kill(self) -> int:
        """SIGKILL: no cleanup of any kind, as a crash or an OOM kill."""
        os.kill(self.pid, signal.SIGKILL)
        return self.process.wait(timeout=10)

    def terminate(self, timeout: float = 20.0) -> int:
        """SIGTERM and wait; SIGKILL if it has not exited after `timeout` seconds."""
        if self.alive():
            os.kill(self.pid, signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def close(self) -> None:
        if self._process is not None and self._process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._process.pid, signal.SIGKILL)
            self._process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def worker_process(
    database_url: str,
    line_api_base_url: str,
    log_path: Path,
    *,
    rate_per_second: float,
    lease_seconds: float | None = None,
    poll_seconds: float | None = 0.05,
    log_level: str = "INFO",
    metrics_port: int | None = None,
) -> ManagedProcess:
    """`moph-connect worker` against `database_url`, sending to `line_api_base_url`; the
    settings left None keep their production defaults (`metrics_port`: /metrics there)."""
    settings = {
        "database_url": database_url,
        "line_api_base_url": line_api_base_url,
        "line_rate_per_second": str(rate_per_second),
        "log_level": log_level,
    }
    if metrics_port is not None:
        settings["worker_metrics_port"] = str(metrics_port)
    if lease_seconds is not None:
        settings["dispatcher_lease_seconds"] = str(lease_seconds)
    if poll_seconds is not None:
        settings["dispatcher_poll_seconds"] = str(poll_seconds)
    return ManagedProcess([*cli_command(), "worker"], service_env(settings), log_path)


# --- the emulator's control API ---------------------------------------------------------


@dataclass(frozen=True)
class InboxMessage:
    """One message in a user's emulator inbox."""

    user_id: str
    message: dict[str, Any]
    request_id: str
    retry_key: str | None
    received_at: str


class EmulatorControl:
    """The emulator's public control API (`/control/...`), over HTTP: what the tests read
    back is what any client of the emulator would see."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=timeout)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _json(self, response: httpx.Response, status: int = 200) -> Any:
        assert response.status_code == status, f"{response.status_code}: {response.text}"
        return response.json()

    def stats(self, channel: str = CHANNEL) -> dict[str, int]:
        stats: dict[str, int] = self._json(self.client.get("/control/stats"))["channels"][channel]
        return stats

    def unauthorized(self) -> int:
        return int(self._json(self.client.get("/control/stats"))["unauthorized"])

    def create_user(self, name: str, channel: str = CHANNEL) -> str:
        body = {"displayName": name}
        user_id: str = self._json(
            self.client.post(f"/control/channels/{channel}/users", json=body), 201
        )["userId"]
        return user_id

    def inbox(self, user_id: str) -> list[InboxMessage]:
        messages = self._json(self.client.get(f"/control/users/{user_id}/inbox"))["messages"]
        return [
            InboxMessage(user_id, m["message"], m["requestId"], m["retryKey"], m["receivedAt"])
            for m in messages
        ]

    def inboxes(self, user_ids: Sequence[str]) -> list[InboxMessage]:
        return [delivery for user_id in user_ids for delivery in self.inbox(user_id)]

    def add_fault(
        self, kind: str, count: int, timeout_seconds: float | None = None, channel: str = CHANNEL
    ) -> None:
        body: dict[str, Any] = {"kind": kind, "count": count, "channel": channel}
        if timeout_seconds is not None:
            body["timeoutSeconds"] = timeout_seconds
        self._json(self.client.post("/control/faults", json=body), 201)

    def faults(self) -> list[dict[str, Any]]:
        faults: list[dict[str, Any]] = self._json(self.client.get("/control/faults"))["faults"]
        return faults


# --- the exactly-once check -------------------------------------------------------------


def assert_delivered_exactly_once(
    control: EmulatorControl, users: Sequence[str], seeded: Sequence[Seeded]
) -> dict[str, InboxMessage]:
    """Every seeded message is in its user's inbox exactly once, as seeded, and nothing
    else is in those inboxes; returns retry key → the delivery."""
    by_key: dict[str, list[InboxMessage]] = {}
    for received in control.inboxes(users):
        assert received.retry_key is not None, f"a message without a retry key: {received}"
        by_key.setdefault(received.retry_key, []).append(received)
    expected = {message.retry_key for message in seeded}
    duplicated = sorted(key for key, found in by_key.items() if len(found) > 1)
    missing = sorted(expected - by_key.keys())
    unexpected = sorted(by_key.keys() - expected)
    assert (len(duplicated), len(missing), len(unexpected)) == (0, 0, 0), (
        f"{len(duplicated)} delivered more than once (e.g. {duplicated[:3]}), "
        f"{len(missing)} never delivered (e.g. {missing[:3]}), "
        f"{len(unexpected)} not seeded (e.g. {unexpected[:3]})"
    )
    for message in seeded:
        (delivery,) = by_key[message.retry_key]
        assert delivery.user_id == message.line_user_id
        assert [delivery.message] == orjson.loads(message.payload)
    return {key: found[0] for key, found in by_key.items()}


def assert_rows_sent(database: Database, deliveries: Mapping[str, InboxMessage]) -> None:
    """Every outbox row is `sent`, with the id of the request that delivered it (for a
    resend answered 409, the id LINE gives of the first, accepted request)."""
    rows = outbox_rows(database)
    assert len(rows) == len(deliveries)
    not_sent = [
        (row["id"], row["status"], row["last_error"]) for row in rows if row["status"] != "sent"
    ]
    assert not not_sent, f"{len(not_sent)} rows not sent, e.g. {not_sent[:3]}"
    for row in rows:
        assert row["line_request_id"] == deliveries[row["retry_key"]].request_id
        assert row["sent_at"] is not None
        assert row["lease_owner"] is not None


# --- an in-process dispatcher -----------------------------------------------------------


@contextlib.asynccontextmanager
async def running(dispatcher: Dispatcher, stop_timeout: float = 20.0) -> AsyncIterator[None]:
    """`dispatcher.run` as a task for the duration of the block; stopped (and its sender
    closed) on the way out, whatever happened inside."""
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run(stop))
    try:
        yield
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, stop_timeout)
        finally:
            await dispatcher.sender.close()


async def until(
    predicate: Callable[[], Any], within: float, what: str, interval: float = 0.05
) -> Any:
    """`wait_until` for coroutines: the (blocking) predicate runs in a thread each time."""
    deadline = time.monotonic() + within
    while True:
        value = await asyncio.to_thread(predicate)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within:.0f} s waiting for {what}")
        await asyncio.sleep(interval)
