"""A worker killed with SIGKILL mid-burst loses nothing and sends nothing twice.

A real `moph-connect worker` process sends 3,000 due messages to the LINE emulator at
1,000/s; at about a third delivered it is killed without warning, holding leases on the
rows it had claimed. A second worker takes those rows over once the (short) lease expires;
resending one the first worker had already delivered reuses its `X-Line-Retry-Key`, which
the emulator, like LINE, answers with 409 instead of delivering it again.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from line_emulator import EmulatorConfig, EmulatorServer
from moph_connect.db.engine import make_engine
from moph_connect.db.uow import Database
from tests.delivery.harness import (
    EmulatorControl,
    ManagedProcess,
    assert_delivered_exactly_once,
    assert_rows_sent,
    bangkok_today,
    make_users,
    open_count,
    seed,
    status_counts,
    wait_until,
    worker_process,
)

MESSAGES = 3000
USERS = 300
RATE = 1000.0  # per second: 3 s of sending, so the kill lands mid-burst
LEASE_SECONDS = 2.0  # the second worker takes the first one's rows over after this
KILL_AT = MESSAGES // 3
DRAIN_TIMEOUT = 60.0

pytestmark = pytest.mark.slow


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    # LINE's own limit (2,000/s) stays on: the workers pace themselves below it.
    with EmulatorServer(EmulatorConfig.default(webhook_base=None)) as server:
        yield server


@pytest.fixture
def control(emulator: EmulatorServer) -> Iterator[EmulatorControl]:
    with EmulatorControl(emulator.base_url) as client:
        yield client


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database(make_engine(database_url, pool_size=2))
    yield db
    db.dispose()


def test_a_killed_worker_loses_nothing_and_duplicates_nothing(
    database_url: str,
    database: Database,
    emulator: EmulatorServer,
    control: EmulatorControl,
    tmp_path: Path,
) -> None:
    users = make_users(emulator.emulator, USERS)
    now = datetime.now(UTC)
    seeded = seed(database, users, MESSAGES, now, appointment_date=bangkok_today(now))

    def worker(name: str) -> ManagedProcess:
        return worker_process(
            database_url,
            emulator.base_url,
            tmp_path / f"{name}.log",
            rate_per_second=RATE,
            lease_seconds=LEASE_SECONDS,
        )

    def delivered() -> int:
        return control.stats()["deliveries"]

    with worker("first") as first:
        wait_until(lambda: delivered() >= KILL_AT or not first.alive(), 60, "a third delivered")
        assert first.alive(), first.log_tail()
        first.kill()
    at_kill = delivered()
    left = status_counts(database)
    assert at_kill < MESSAGES, "the first worker finished before it could be killed"
    assert left.get("sending", 0) > 0, f"the kill left no leased rows to take over: {left}"

    with worker("second") as second:
        wait_until(
            lambda: open_count(database) == 0 or not second.alive(),
            DRAIN_TIMEOUT,
            "the outbox to drain",
            interval=0.2,
        )
        assert second.alive(), second.log_tail()
        assert second.terminate() == 0, second.log_tail()

    stats = control.stats()
    print(
        f"\ncrash: killed at {at_kill}/{MESSAGES} delivered, leaving {left}; "
        f"afterwards 409s={stats['conflicts']} 429s={stats['rateLimited']} "
        f"requests={stats['requests']}"
    )
    # 409s (resends of what the first worker delivered but did not record) and 429s are
    # both expected and harmless: what matters is what reached the users.
    assert stats["deliveries"] == MESSAGES
    assert stats["accepted"] == MESSAGES
    deliveries = assert_delivered_exactly_once(control, users, seeded)
    per_user = dict.fromkeys(users, 0)
    for delivery in deliveries.values():
        per_user[delivery.user_id] += 1
    assert set(per_user.values()) == {MESSAGES // USERS}
    assert_rows_sent(database, deliveries)
