"""Real HTTP on loopback: the emulator and a webhook receiver, each uvicorn in a thread."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from line_contract.credentials import EMULATOR_CREDENTIALS
from line_emulator import BackgroundServer, EmulatorConfig, EmulatorServer
from moph_connect.clock import SimulatedClock

PRODUCTION_TOKEN = EMULATOR_CREDENTIALS["production"].access_token
TEST_TOKEN = EMULATOR_CREDENTIALS["test"].access_token
START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def free_port() -> int:
    """A loopback port nobody listens on (for an unreachable webhook URL)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class ReceivedWebhook:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)


@dataclass
class WebhookReceiver:
    """Our service's webhook endpoints, reduced to recording what arrives."""

    received: list[ReceivedWebhook] = field(default_factory=list)
    status: int = 200
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def _receive(self, request: Request) -> Response:
        webhook = ReceivedWebhook(request.url.path, dict(request.headers), await request.body())
        with self._lock:
            self.received.append(webhook)
        return Response(b"OK", status_code=self.status)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self._receive, methods=["POST"])])

    def take(self) -> list[ReceivedWebhook]:
        with self._lock:
            taken, self.received = self.received, []
        return taken


@pytest.fixture(scope="session")
def receiver_server() -> Iterator[tuple[WebhookReceiver, str]]:
    receiver = WebhookReceiver()
    with BackgroundServer(receiver.app()) as server:
        yield receiver, server.base_url


@pytest.fixture
def receiver(receiver_server: tuple[WebhookReceiver, str]) -> WebhookReceiver:
    receiver, _ = receiver_server
    receiver.take()
    receiver.status = 200
    return receiver


@dataclass
class Running:
    """A started emulator, an HTTP client on it, and the clock it reads."""

    server: EmulatorServer
    http: httpx.Client
    clock: SimulatedClock

    def follow(self, channel: str = "production", name: str = "สมหญิง ใจดี", **extra: Any) -> str:
        response = self.http.post(
            f"/control/channels/{channel}/users", json={"displayName": name, **extra}
        )
        assert response.status_code == 201, response.text
        user_id: str = response.json()["userId"]
        return user_id

    def inbox(self, user_id: str) -> dict[str, Any]:
        response = self.http.get(f"/control/users/{user_id}/inbox")
        assert response.status_code == 200, response.text
        inbox: dict[str, Any] = response.json()
        return inbox

    def stats(self, channel: str = "production") -> dict[str, int]:
        stats: dict[str, int] = self.http.get("/control/stats").json()["channels"][channel]
        return stats

    def push(
        self,
        to: str,
        messages: list[dict[str, Any]] | None = None,
        *,
        token: str = PRODUCTION_TOKEN,
        retry_key: str | None = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"}
        if retry_key is not None:
            headers["X-Line-Retry-Key"] = retry_key
        body = {"to": to, "messages": messages or [text("สวัสดีค่ะ")]}
        if timeout is None:
            return self.http.post("/v2/bot/message/push", json=body, headers=headers)
        return self.http.post("/v2/bot/message/push", json=body, headers=headers, timeout=timeout)


def text(value: str) -> dict[str, Any]:
    return {"type": "text", "text": value}


StartEmulator = Callable[..., Running]


def _start(webhook_base: str | None, **options: Any) -> Running:
    clock = SimulatedClock(START)
    config = EmulatorConfig.default(webhook_base, clock=clock, **options)
    server = EmulatorServer(config).start()
    return Running(server, httpx.Client(base_url=server.base_url, timeout=10), clock)


def _stop(running: Running) -> None:
    running.http.close()
    running.server.stop()


@pytest.fixture
def start_emulator(
    receiver_server: tuple[WebhookReceiver, str], receiver: WebhookReceiver
) -> Iterator[StartEmulator]:
    """A fresh emulator of its own (webhooks to the receiver); options go to the config.

    Stopping a uvicorn server takes ~0.2 s, so only tests that need a pristine emulator
    or special options use this; the rest share one (`emulator`).
    """
    started: list[Running] = []
    _, receiver_base = receiver_server

    def start(webhook_base: str | None = receiver_base, **options: Any) -> Running:
        started.append(_start(webhook_base, **options))
        return started[-1]

    yield start
    for running in reversed(started):
        _stop(running)


@pytest.fixture(scope="session")
def shared_emulator(receiver_server: tuple[WebhookReceiver, str]) -> Iterator[Running]:
    running = _start(receiver_server[1])
    yield running
    _stop(running)


@pytest.fixture
def emulator(shared_emulator: Running, receiver: WebhookReceiver) -> Running:
    """The shared emulator, reset: no messages, stats, faults or retry keys, no default
    rich menu; the clock at START. Users made by earlier tests remain (each test makes its
    own)."""
    shared_emulator.clock.set(START)
    # A reset keeps rich menus (as LINE does); a default one set by an earlier test would
    # show on every new user's chat, whichever module ran first in this worker. Cancelled
    # before the reset, which then forgets these calls in the stats.
    for token in (PRODUCTION_TOKEN, TEST_TOKEN):
        cancelled = shared_emulator.http.delete(
            "/v2/bot/user/all/richmenu", headers={"Authorization": f"Bearer {token}"}
        )
        assert cancelled.status_code == 200, cancelled.text
    assert shared_emulator.http.post("/control/reset").status_code == 200
    return shared_emulator
