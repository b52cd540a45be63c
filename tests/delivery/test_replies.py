"""Chat replies whose first attempt gets no answer: shown once, never pushed as well.

A reply carries no retry key, so when one times out LINE may or may not have shown it.
The LINE here is scripted (a stand-in for the one interaction the emulator cannot stage:
a request that LINE carries out but whose answer never arrives); the database and the
dispatcher are the production ones.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from moph_connect.db.uow import Database
from moph_connect.line.port import SendOutcome
from moph_connect.outbox.dispatcher import Dispatcher, DispatcherConfig
from tests.delivery.harness import RunningClock, insert_rows, outbox_row, outbox_rows, text_payload

MORNING = datetime(2026, 5, 12, 3, 0, tzinfo=UTC)
USER = "U" + "1" * 32
TOKEN = "reply-token-1"


@dataclass
class ScriptedLine:
    """Answers replies from `reply_script` in turn (then "sent"); records what it showed."""

    reply_script: list[SendOutcome]
    push_script: list[SendOutcome] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    token_used: bool = False

    async def reply(self, channel: str, reply_token: str, messages_json: str) -> SendOutcome:
        self.calls.append("reply")
        if self.token_used:
            return SendOutcome("rejected", detail="HTTP 400: Invalid reply token")
        outcome = self.reply_script.pop(0) if self.reply_script else SendOutcome("sent")
        if outcome.status in ("sent", "retry") and outcome.detail != "not reached":
            # "retry" here is a timeout after LINE carried the reply out.
            self.token_used = True
            self.shown.append(messages_json)
        return outcome

    async def push(self, channel: str, to: str, messages_json: str, retry_key: str) -> SendOutcome:
        self.calls.append("push")
        outcome = self.push_script.pop(0) if self.push_script else SendOutcome("sent")
        if outcome.delivered:
            self.shown.append(messages_json)
        return outcome

    async def close(self) -> None:
        return None


def seed_reply(database: Database, now: datetime) -> None:
    row = outbox_row(line_user_id=USER, payload=text_payload("สวัสดีค่ะ"), now=now)
    row.update(kind="chat", priority=0, reply_token=TOKEN)
    insert_rows(database, [row])


def drain_until_settled(database: Database, line: ScriptedLine, clock: RunningClock) -> None:
    config = DispatcherConfig(rate_per_second=1000.0, backoff_base_seconds=0.01)
    dispatcher = Dispatcher(database, line, clock, config)

    async def scenario() -> None:
        for _ in range(20):
            await dispatcher.drain()
            if all(row["status"] in ("sent", "failed") for row in outbox_rows(database)):
                return
            await asyncio.sleep(0.05)

    asyncio.run(scenario())


@pytest.mark.parametrize(
    "first_reply",
    [
        # LINE showed it, but the answer never came back.
        SendOutcome("retry", detail="timed out waiting for LINE"),
        # It never reached LINE.
        SendOutcome("retry", detail="not reached"),
    ],
    ids=["arrived", "never-arrived"],
)
def test_a_reply_without_an_answer_is_replied_again_and_shown_once(
    database: Database, first_reply: SendOutcome
) -> None:
    clock = RunningClock(MORNING)
    seed_reply(database, clock.now())
    line = ScriptedLine(reply_script=[first_reply])
    drain_until_settled(database, line, clock)
    [row] = outbox_rows(database)
    assert line.calls == ["reply", "reply"]
    assert len(line.shown) == 1
    assert row["status"] == "sent"


def test_a_refused_token_goes_by_push_and_keeps_pushing_after_a_failed_push(
    database: Database,
) -> None:
    """The first attempt's token is refused, so the message is pushed; that push fails
    (LINE 500). The next attempt must push again, not reply with the dead token and take
    LINE's refusal for an earlier delivery."""
    clock = RunningClock(MORNING)
    seed_reply(database, clock.now())
    line = ScriptedLine(
        reply_script=[SendOutcome("rejected", detail="HTTP 400: Invalid reply token")],
        push_script=[SendOutcome("retry", detail="HTTP 500")],
    )
    drain_until_settled(database, line, clock)
    [row] = outbox_rows(database)
    assert line.calls == ["reply", "push", "push"]
    assert len(line.shown) == 1
    assert (row["status"], row["reply_token"]) == ("sent", None)
