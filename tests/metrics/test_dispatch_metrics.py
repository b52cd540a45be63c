"""What the dispatcher counts: every LINE answer by status (timeouts and errors too) and
each sent message's delay, in-process and in a `moph-connect worker` process, whose own
/metrics port exports its counts and nothing read from the database."""

from __future__ import annotations

import asyncio
import socket
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client import REGISTRY, generate_latest

from line_contract.credentials import EMULATOR_CREDENTIALS
from line_emulator import EmulatorConfig, EmulatorServer
from moph_connect.db.uow import Database
from moph_connect.line.sender import LineSender
from moph_connect.metrics.dispatch import SEND_DELAY_BUCKETS
from moph_connect.outbox.dispatcher import Dispatcher, DispatcherConfig
from tests.delivery.harness import (
    CHANNEL,
    EmulatorControl,
    RunningClock,
    bangkok_today,
    cli_command,
    make_users,
    open_count,
    running,
    seed,
    service_env,
    status_counts,
    until,
    wait_until,
    worker_process,
)
from tests.metrics.exposition import Scrape, parse
from tests.support.net import free_port

# 10:00 in Bangkok: every kind may go out, whenever the tests run.
MORNING = datetime(2026, 5, 12, 3, 0, tzinfo=UTC)
LATE = timedelta(seconds=90)  # how long overdue the seeded messages are
TOKENS = {env: c.access_token for env, c in EMULATOR_CREDENTIALS.items()}


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    # No rate limit: every answer but a 200 is then an injected fault, and counts are exact.
    config = EmulatorConfig.default(webhook_base=None, rate_limit_per_second=None)
    with EmulatorServer(config) as server:
        yield server


@pytest.fixture
def control(emulator: EmulatorServer) -> Iterator[EmulatorControl]:
    with EmulatorControl(emulator.base_url) as client:
        yield client


def process_metrics() -> Scrape:
    return parse(generate_latest(REGISTRY).decode())


def responses(scrape: Scrape, status: str, channel: str = CHANNEL) -> float:
    return scrape.value("moph_connect_line_responses_total", channel=channel, status=status)


def test_the_dispatcher_counts_each_answer_and_each_delay(
    database: Database, emulator: EmulatorServer, control: EmulatorControl
) -> None:
    clock = RunningClock(MORNING)
    users = make_users(emulator.emulator, 5)
    now = clock.now()
    seed(database, users, 20, now - LATE, appointment_date=bangkok_today(now))
    control.add_fault("500", 2)
    control.add_fault("429", 1)
    control.add_fault("timeout", 1, timeout_seconds=3.0)
    sender = LineSender(emulator.base_url, TOKENS, timeout_seconds=1.0)
    config = DispatcherConfig(
        poll_seconds=0.05, backoff_base_seconds=0.05, backoff_cap_seconds=0.2, concurrency=4
    )
    dispatcher = Dispatcher(database, sender, clock, config)
    before = process_metrics()

    async def deliver() -> None:
        async with running(dispatcher):
            await until(lambda: open_count(database) == 0, 30, "every message sent")

    asyncio.run(deliver())
    assert status_counts(database) == {"sent": 20}
    after = process_metrics()

    def moved(status: str) -> float:
        return responses(after, status) - responses(before, status)

    assert (moved("200"), moved("500"), moved("429"), moved("timeout")) == (20, 2, 1, 1)
    assert moved("error") == 0
    # This dispatcher's own tally says the same.
    assert dict(dispatcher.metrics.responses) == {
        (CHANNEL, "200"): 20,
        (CHANNEL, "500"): 2,
        (CHANNEL, "429"): 1,
        (CHANNEL, "timeout"): 1,
    }

    def delays(le: str) -> float:
        name = "moph_connect_send_delay_seconds_bucket"
        return after.value(name, le=le) - before.value(name, le=le)

    # 90 s late (and a few seconds more for the retried ones): all between 60 s and 2 min.
    assert delays("60.0") == 0
    assert delays("120.0") == 20
    assert delays("+Inf") == 20
    count = "moph_connect_send_delay_seconds_count"
    assert after.value(count) - before.value(count) == 20
    total = "moph_connect_send_delay_seconds_sum"
    assert 20 * LATE.total_seconds() <= after.value(total) - before.value(total) < 20 * 120
    assert (SEND_DELAY_BUCKETS[0], SEND_DELAY_BUCKETS[-1]) == (0.05, 3600.0)


def test_a_connection_refused_is_counted_as_error(database: Database) -> None:
    clock = RunningClock(MORNING)
    now = clock.now()
    seed(database, ["U" + "1" * 32], 1, now, appointment_date=bangkok_today(now))
    nowhere = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    dispatcher = Dispatcher(
        database, LineSender(nowhere, TOKENS, timeout_seconds=1.0), clock, DispatcherConfig()
    )

    async def one_attempt() -> None:
        await dispatcher.drain()
        await dispatcher.sender.close()

    asyncio.run(one_attempt())
    assert dict(dispatcher.metrics.responses) == {(CHANNEL, "error"): 1}
    assert status_counts(database) == {"pending": 1}  # to be retried


@pytest.mark.slow
def test_a_worker_process_exports_its_counts_on_its_metrics_port(
    database_url: str,
    database: Database,
    emulator: EmulatorServer,
    control: EmulatorControl,
    tmp_path: Path,
) -> None:
    users = make_users(emulator.emulator, 10)
    now = datetime.now(UTC)
    seed(database, users, 50, now - LATE, appointment_date=bangkok_today(now))
    control.add_fault("500", 3)
    port = free_port()
    worker = worker_process(
        database_url,
        emulator.base_url,
        tmp_path / "worker.log",
        rate_per_second=1000.0,
        metrics_port=port,
    )
    with worker:
        wait_until(
            lambda: status_counts(database) == {"sent": 50} or not worker.alive(),
            60,
            "the worker to send all 50",
        )
        assert worker.alive(), worker.log_tail()
        response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
        assert response.status_code == 200, worker.log_tail()
        found = parse(response.text)
        worker.terminate()
    # A fresh process: its counters are exactly what it did.
    assert responses(found, "200") == 50
    assert responses(found, "500") == 3
    assert found.value("moph_connect_send_delay_seconds_count") == 50
    assert found.value("moph_connect_send_delay_seconds_bucket", le="60.0") == 0
    assert found.value("moph_connect_send_delay_seconds_bucket", le="+Inf") == 50
    # The database's gauges come from `serve` only; a worker serves no API.
    for name in (
        "moph_connect_outbox_messages",
        "moph_connect_outbox_due_backlog",
        "moph_connect_channel_paused",
        "moph_connect_api_requests",
    ):
        assert name not in found.types
    assert "process_cpu_seconds" in found.types  # the process's own, from the client


@pytest.mark.slow
def test_a_worker_whose_metrics_port_is_taken_refuses_to_start(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = {"database_url": f"sqlite:///{tmp_path / 'db.sqlite'}"}
        result = subprocess.run(
            [*cli_command(), "worker", "--metrics-port", str(port)],
            env=service_env(settings),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"cannot serve metrics on 127.0.0.1:{port}" in result.stderr
