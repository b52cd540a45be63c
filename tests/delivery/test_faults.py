"""The dispatcher against a misbehaving LINE: errors, timeouts, 429s, bad messages, a
refused token, and a burst of reminders that must not hold up a queue card.

The dispatcher runs in-process (the production `Dispatcher.run` loop with `LineSender`) with
short backoffs so that retries take milliseconds; the LINE emulator runs over real HTTP in
a thread, and its control API injects the faults and shows what reached each inbox.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from line_contract.credentials import EMULATOR_CREDENTIALS
from line_emulator import EmulatorConfig, EmulatorServer
from moph_connect.db.uow import Database
from moph_connect.line.sender import LineSender
from moph_connect.outbox.dispatcher import Dispatcher, DispatcherConfig
from tests.delivery.harness import (
    CHANNEL,
    EmulatorControl,
    RunningClock,
    assert_delivered_exactly_once,
    assert_rows_sent,
    attempt_rows,
    bangkok_today,
    channel_states,
    insert_rows,
    make_users,
    open_count,
    outbox_row,
    outbox_rows,
    running,
    seed,
    text_payload,
    until,
)

# 10:00 in Bangkok: reminders are deliverable (not quiet hours), whenever the tests run.
MORNING = datetime(2026, 5, 12, 3, 0, tzinfo=UTC)
TOKEN = EMULATOR_CREDENTIALS["production"].access_token
TEST_TOKEN = EMULATOR_CREDENTIALS["test"].access_token
CLIENT_TIMEOUT = 1.0  # seconds: an injected timeout costs this much
DRAIN_TIMEOUT = 30.0
CONFIG = DispatcherConfig(
    rate_per_second=2000.0,
    poll_seconds=0.05,
    lease_seconds=30.0,
    backoff_base_seconds=0.05,
    backoff_cap_seconds=0.5,
    channel_pause_seconds=1.0,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    # No rate limit in the emulator: every failed attempt is then an injected fault, which
    # makes the attempt counts exact. (The crash test runs against LINE's limit.)
    config = EmulatorConfig.default(webhook_base=None, rate_limit_per_second=None)
    with EmulatorServer(config) as server:
        yield server


@pytest.fixture
def control(emulator: EmulatorServer) -> Iterator[EmulatorControl]:
    with EmulatorControl(emulator.base_url) as client:
        yield client


@pytest.fixture
def clock() -> RunningClock:
    return RunningClock(MORNING)


def dispatcher(
    database: Database,
    emulator: EmulatorServer,
    clock: RunningClock,
    *,
    token: str = TOKEN,
    config: DispatcherConfig = CONFIG,
) -> Dispatcher:
    tokens = {CHANNEL: token, "test": TEST_TOKEN}
    sender = LineSender(emulator.base_url, tokens, timeout_seconds=CLIENT_TIMEOUT)
    return Dispatcher(database, sender, clock, config)


async def drain(database: Database, dispatcher: Dispatcher) -> None:
    async with running(dispatcher):
        await until(lambda: open_count(database) == 0, DRAIN_TIMEOUT, "the outbox to drain")


def test_errors_timeouts_and_429s_are_retried_until_delivered_once(
    database: Database, emulator: EmulatorServer, control: EmulatorControl, clock: RunningClock
) -> None:
    users = make_users(emulator.emulator, 30)
    seeded = seed(database, users, 300, clock.now(), appointment_date=bangkok_today(clock.now()))
    # Consumed in this order by the next 50 pushes, whichever messages they carry.
    faults = {"500": 20, "timeout": 10, "429": 20}
    control.add_fault("500", faults["500"])
    control.add_fault("timeout", faults["timeout"], timeout_seconds=10 * CLIENT_TIMEOUT)
    control.add_fault("429", faults["429"])

    asyncio.run(drain(database, dispatcher(database, emulator, clock)))

    assert control.faults() == []
    stats = control.stats()
    assert stats["faultsInjected"] == sum(faults.values())
    assert (stats["deliveries"], stats["rateLimited"], stats["conflicts"]) == (300, 0, 0)
    assert_rows_sent(database, assert_delivered_exactly_once(control, users, seeded))
    rows = outbox_rows(database)
    # Each injected fault cost exactly one attempt of some message, and nothing else did.
    assert sum(row["attempts"] - 1 for row in rows) == sum(faults.values())
    retried = [row for row in rows if row["attempts"] > 1]
    assert len(retried) >= max(faults.values())
    # The last failure of each retried row says what it was: all three kinds were retried.
    causes = Counter(str(row["last_error"]).split(":")[0] for row in retried)
    assert set(causes) == {"HTTP 500", "timed out waiting for LINE", "HTTP 429"}, causes
    # Every attempt is a line of its row's timeline, with what LINE answered.
    steps = attempt_rows(database)
    by_row = Counter(step["message_id"] for step in steps)
    assert {row["id"]: row["attempts"] for row in rows} == dict(by_row)
    answers = Counter((step["outcome"], step["line_status"]) for step in steps)
    assert answers == {
        ("sent", "200"): 300,
        ("retry", "500"): faults["500"],
        ("retry", "timeout"): faults["timeout"],
        ("rate_limited", "429"): faults["429"],
    }
    request_ids = {s["message_id"]: s["line_request_id"] for s in steps if s["outcome"] == "sent"}
    assert request_ids == {row["id"]: row["line_request_id"] for row in rows}
    assert all(step["attempt"] for step in steps)


def test_a_message_line_rejects_fails_at_once_with_lines_reason(
    database: Database, emulator: EmulatorServer, control: EmulatorControl, clock: RunningClock
) -> None:
    users = make_users(emulator.emulator, 5)
    now = clock.now()
    good = seed(database, users, 20, now, appointment_date=bangkok_today(now))
    too_long = outbox_row(line_user_id=users[0], payload=text_payload("ก" * 5001), now=now)
    stranger = outbox_row(line_user_id="U" + "0" * 32, payload=text_payload("hello"), now=now)
    insert_rows(database, [too_long, stranger])

    asyncio.run(drain(database, dispatcher(database, emulator, clock)))

    stats = control.stats()
    assert (stats["requests"], stats["badRequests"], stats["deliveries"]) == (22, 2, 20)
    rows = {row["dedup_key"]: row for row in outbox_rows(database)}
    failed = {key: row for key, row in rows.items() if row["status"] == "failed"}
    assert set(failed) == {too_long["dedup_key"], stranger["dedup_key"]}
    assert all(row["attempts"] == 1 for row in failed.values())  # not retried
    assert failed[too_long["dedup_key"]]["last_error"] == (
        "HTTP 400: The request body has 1 error(s) "
        "(messages[0].text: Length must be between 0 and 5000)"
    )
    assert failed[stranger["dedup_key"]]["last_error"] == (
        "HTTP 400: Failed to send messages (to: The user hasn't added the LINE Official Account)"
    )
    deliveries = assert_delivered_exactly_once(control, users, good)
    for message in good:
        row = rows[message.dedup_key]
        assert (row["status"], row["attempts"]) == ("sent", 1)
        assert row["line_request_id"] == deliveries[message.retry_key].request_id


def test_a_refused_token_pauses_the_channel_without_spending_attempts(
    database: Database, emulator: EmulatorServer, control: EmulatorControl, clock: RunningClock
) -> None:
    users = make_users(emulator.emulator, 10)
    testers = make_users(emulator.emulator, 2, channel="test")
    day = bangkok_today(clock.now())
    seeded = seed(database, users, 30, clock.now(), appointment_date=day)
    on_test = seed(
        database, testers, 10, clock.now(), label="t", appointment_date=day, environment="test"
    )

    async def with_wrong_token() -> tuple[int, int]:
        wrong = dispatcher(database, emulator, clock, token="revoked-access-token")
        try:
            first = await wrong.drain()
            again = await wrong.drain()  # production is paused, test is done: nothing
        finally:
            await wrong.sender.close()
        return first, again

    before = clock.now()
    claimed, claimed_again = asyncio.run(with_wrong_token())
    assert (claimed, claimed_again) == (40, 0)
    assert control.unauthorized() == 30
    assert control.stats()["deliveries"] == 0
    # The other channel, whose token LINE accepts, is not held up.
    assert control.stats("test")["deliveries"] == 10
    assert_delivered_exactly_once(control, testers, on_test)
    paused_until, reason = channel_states(database)[CHANNEL]
    assert paused_until is not None
    assert before + timedelta(seconds=CONFIG.channel_pause_seconds) <= paused_until
    assert paused_until <= clock.now() + timedelta(seconds=CONFIG.channel_pause_seconds)
    assert reason is not None and reason.startswith("HTTP 401: Authentication failed")
    assert "test" not in channel_states(database)
    rows = [row for row in outbox_rows(database) if row["environment"] == CHANNEL]
    assert {(row["status"], row["attempts"]) for row in rows} == {("pending", 0)}
    assert {row["last_error"] for row in rows} == {"LINE channel paused: token refused"}

    # The operator fixes the token (a worker restarted with the right one): nothing goes
    # before the pause ends, then everything goes, each on its first counted attempt.
    asyncio.run(drain(database, dispatcher(database, emulator, clock)))

    assert control.unauthorized() == 30
    deliveries = assert_delivered_exactly_once(control, users, seeded)
    rows = [row for row in outbox_rows(database) if row["environment"] == CHANNEL]
    assert {(row["status"], row["attempts"]) for row in rows} == {("sent", 1)}
    assert min(row["sent_at"] for row in rows) >= paused_until
    for row in rows:
        assert row["line_request_id"] == deliveries[row["retry_key"]].request_id


def test_queue_cards_overtake_a_burst_of_reminders(
    database: Database, emulator: EmulatorServer, control: EmulatorControl, clock: RunningClock
) -> None:
    # One recipient, so that their inbox is the order in which the emulator took pushes.
    (user,) = make_users(emulator.emulator, 1)
    day = bangkok_today(clock.now())
    reminders = seed(
        database,
        [user],
        2000,
        clock.now(),
        kind="reminder_same_day",
        label="r",
        appointment_date=day,
    )
    cards = [
        outbox_row(
            line_user_id=user,
            payload=text_payload(f"card-{i}"),
            now=clock.now(),
            kind="queue_card",
            appointment_date=day,
        )
        for i in range(5)
    ]

    # 1,000/s rather than 2,000/s: the cards' place then depends little on how quickly
    # this test gets to insert them on a busy machine.
    config = replace(CONFIG, rate_per_second=1000.0)

    async def scenario() -> tuple[int, int]:
        async with running(dispatcher(database, emulator, clock, config=config)):
            await until(lambda: control.stats()["deliveries"] > 0, 10, "the burst to start", 0.005)
            reminders_before = control.stats()["deliveries"]
            cards_at = clock.now()
            for card in cards:  # planned now, while the burst is being sent
                card.update(due_at=cards_at, available_at=cards_at, created_at=cards_at)
            await asyncio.to_thread(insert_rows, database, cards)
            reminders_at_insert = control.stats()["deliveries"]
            await until(lambda: open_count(database) == 0, DRAIN_TIMEOUT, "the outbox to drain")
        return reminders_before, reminders_at_insert

    reminders_before, reminders_at_insert = asyncio.run(scenario())

    inbox = control.inbox(user)
    assert len(inbox) == 2005
    texts = [str(entry.message["text"]) for entry in inbox]
    card_positions = [i for i, text in enumerate(texts) if text.startswith("card-")]
    # How many reminders went out before each card (the cards went out together).
    reminders_ahead = [position - index for index, position in enumerate(card_positions)]
    print(
        f"\npriority: cards inserted after {reminders_before}-{reminders_at_insert} reminders; "
        f"delivered after {reminders_ahead} reminders"
    )
    assert max(reminders_ahead) < 1000
    # The claimer keeps at most 2 × batch claimed: the bound the dispatcher promises.
    assert max(reminders_ahead) <= reminders_at_insert + 2 * CONFIG.batch_size
    assert sorted(texts) == sorted(
        [f"r-{i}" for i in range(2000)] + [f"card-{i}" for i in range(5)]
    )
    assert Counter(row["status"] for row in outbox_rows(database)) == {"sent": 2005}
    assert len({m.retry_key for m in reminders}) == 2000
