"""A follower's LINE calls (profile, rich-menu link) keep to the channel's shared rate:
they book their slots from the dispatcher's GCRA row, and a 429 pushes that row back for
every worker. Real LINE emulator (or a real HTTP server answering 429) and real databases."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from line_contract.credentials import EMULATOR_CREDENTIALS
from line_emulator import EmulatorConfig, EmulatorServer
from moph_connect.db.uow import Database
from moph_connect.line.api import LineApi
from moph_connect.line.port import LineApiError
from moph_connect.outbox.repository import RateLimitRepository
from moph_connect.ratelimits.line import RateLimitedApi

TOKENS = {"production": EMULATOR_CREDENTIALS["production"].access_token}


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig.default(None, rate_limit_per_second=None)) as server:
        yield server


def _new_user(emulator: EmulatorServer) -> str:
    created = httpx.post(
        f"{emulator.base_url}/control/channels/production/users",
        json={"displayName": "ครูเพ็ญศรี", "language": "en"},
    )
    assert created.status_code == 201, created.text
    user: str = created.json()["userId"]
    return user


def _book_now(database: Database, channel: str, interval: float) -> float:
    """Where the channel's next slot is: book one as the dispatcher would."""
    with database.transaction() as session:
        return RateLimitRepository(session).reserve(channel, 1, interval, time.time())


def test_profiles_are_paced_to_the_channel_rate(
    database: Database, emulator: EmulatorServer
) -> None:
    user = _new_user(emulator)
    rate = 20.0

    async def run() -> tuple[float, list[str | None]]:
        async with LineApi(emulator.base_url, TOKENS) as line:
            api = RateLimitedApi(line, database, rate)
            started = time.monotonic()
            found = [await api.profile("production", user) for _ in range(10)]
            return time.monotonic() - started, [f and f.get("language") for f in found]

    elapsed, languages = asyncio.run(run())
    assert languages == ["en"] * 10
    # Ten slots 50 ms apart: the first at once, the tenth 450 ms later.
    assert elapsed >= 0.44, elapsed


def test_a_follower_call_waits_behind_the_dispatchers_booked_slots(
    database: Database, emulator: EmulatorServer
) -> None:
    rate = 100.0
    with database.transaction() as session:  # a reminder burst booked 0.5 s of slots
        first = RateLimitRepository(session).reserve("production", 50, 1 / rate, time.time())

    async def run() -> float:
        async with LineApi(emulator.base_url, TOKENS) as line:
            api = RateLimitedApi(line, database, rate)
            await api.rich_menus("production")
            return time.time()

    answered = asyncio.run(run())
    assert answered >= first + 50 / rate - 0.01
    # Its slot came after the burst's, and the dispatcher's next one after that.
    assert _book_now(database, "production", 1 / rate) >= first + 51 / rate - 1e-6
    # The other channel's row is its own.
    assert _book_now(database, "test", 1 / rate) <= time.time() + 0.01


class _TooMany(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"message":"The API rate limit has been exceeded. Try again later."}'
        self.send_response(429)
        self.send_header("Retry-After", "2")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet test output


@pytest.fixture
def busy_line() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TooMany)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_429_pushes_every_workers_next_slot_back(database: Database, busy_line: str) -> None:
    async def run() -> LineApiError:
        async with LineApi(busy_line, TOKENS) as line:
            api = RateLimitedApi(line, database, 1000.0)
            with pytest.raises(LineApiError) as raised:
                await api.profile("production", "U" + "0" * 32)
            return raised.value

    before = time.time()
    error = asyncio.run(run())
    assert (error.status, error.retry_after) == (429, 2.0)
    # LINE's Retry-After is honoured for the whole channel, the dispatcher included.
    assert _book_now(database, "production", 0.001) >= before + 2.0
