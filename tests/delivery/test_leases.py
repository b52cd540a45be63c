"""A worker's leases: it must not take back from itself rows it is still working on."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

import pytest

from moph_connect.db.uow import Database
from moph_connect.line.port import SendOutcome
from moph_connect.outbox.dispatcher import Dispatcher, DispatcherConfig
from tests.delivery.harness import (
    RunningClock,
    bangkok_today,
    open_count,
    outbox_rows,
    running,
    seed,
    until,
)

MORNING = datetime(2026, 5, 12, 3, 0, tzinfo=UTC)  # 10:00 in Bangkok

pytestmark = pytest.mark.slow


class SlowLine:
    """A LINE that takes `seconds` to answer each push and, like LINE, answers a retry key
    it has already accepted with 409 (a duplicate) instead of delivering again."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.pushes: Counter[str] = Counter()

    async def push(self, channel: str, to: str, messages_json: str, retry_key: str) -> SendOutcome:
        self.pushes[retry_key] += 1
        await asyncio.sleep(self.seconds)
        if self.pushes[retry_key] > 1:
            return SendOutcome("duplicate", request_id=f"first-{retry_key}")
        return SendOutcome("sent", request_id=f"first-{retry_key}")

    async def reply(self, channel: str, reply_token: str, messages_json: str) -> SendOutcome:
        raise AssertionError("no replies here")

    async def close(self) -> None:
        return None


def test_a_slow_line_does_not_make_a_worker_resend_what_it_still_holds(
    database: Database,
) -> None:
    """BUG: a claim leases up to 2 × batch rows for `lease_seconds`, counted from the
    claim, but the worker sends them `concurrency` at a time. When LINE is slow, rows wait
    in the worker longer than their lease; the worker's next claim (it is below its
    high-water mark as soon as some finish) then takes back its own expired rows, while
    the tasks that hold them are still queued, and pushes them twice or more. The retry
    key keeps the patient from seeing it twice, but a struggling LINE gets extra requests,
    and the extra claims count as attempts (towards `max_attempts`, after which a message
    fails for good). With the defaults (800 claimed, 64 at a time, 60 s lease) this starts
    when pushes take more than ~5 s, e.g. when LINE times out (10 s)."""
    messages = 30
    clock = RunningClock(MORNING)
    users = [f"U{i:032x}" for i in range(5)]
    day = bangkok_today(clock.now())
    seeded = seed(database, users, messages, clock.now(), appointment_date=day)
    line = SlowLine(0.1)
    # One at a time × 0.1 s: the last of 30 waits ~3 s in the worker, twice its lease.
    config = DispatcherConfig(concurrency=1, lease_seconds=1.5, poll_seconds=0.05)
    dispatcher = Dispatcher(database, line, clock, config)

    async def scenario() -> None:
        async with running(dispatcher):
            await until(lambda: open_count(database) == 0, 30, "the outbox to drain")

    asyncio.run(scenario())

    rows = outbox_rows(database)
    assert {row["status"] for row in rows} == {"sent"}
    assert {row["line_request_id"] for row in rows} == {f"first-{m.retry_key}" for m in seeded}
    resent = {key: count for key, count in line.pushes.items() if count > 1}
    assert not resent, f"{len(resent)} of {messages} messages pushed more than once"
    assert {row["attempts"] for row in rows} == {1}
