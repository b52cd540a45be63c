"""Limits at the door and what every answer carries (issue 11), over real HTTP."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from moph_connect.db.models import WebhookEvent
from tests.api.conftest import START
from tests.api.test_contract import assert_problem, body
from tests.chatbot.support import event, signed_post
from tests.cli.test_commands import COMMAND
from tests.conftest import fresh_database_url
from tests.support.net import free_port
from tests.support.stack import Stack, running_stack, wait_for


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    url = fresh_database_url(request, request.param, tmp_path_factory.mktemp("db"))
    with running_stack(url, START, settings_overrides={"request_body_timeout_seconds": 1.0}) as s:
        yield s


def _text_events(user: str, count: int, n: int) -> list[dict[str, object]]:
    return [
        event(
            "message",
            user,
            timestamp_ms=1524798000000 + i,
            message={
                "type": "text",
                "id": f"{i:018d}",
                "quoteToken": "q" * 20,
                "text": "ก" * n,
            },
        )
        for i in range(count)
    ]


def test_a_long_line_delivery_is_accepted_past_the_apis_body_limit(stack: Stack) -> None:
    user = stack.follow()
    events = _text_events(user, 5, 5000)  # five long Thai messages: ~75 KiB of JSON
    assert signed_post(stack, "production", events) == 200
    too_many = _text_events(user, 80, 5000)  # over 1 MiB
    assert signed_post(stack, "production", too_many) == 413


def test_event_ids_longer_than_the_column_stay_distinct(stack: Stack) -> None:
    user = stack.follow()
    first, second = _text_events(user, 2, 10)
    first["webhookEventId"] = "E" * 80 + "1"
    second["webhookEventId"] = "E" * 80 + "2"
    assert signed_post(stack, "production", [first, second]) == 200
    with stack.database.transaction() as session:
        ids = session.scalars(
            select(WebhookEvent.webhook_event_id).where(
                WebhookEvent.webhook_event_id.startswith("sha256:")
            )
        ).all()
    assert len(set(ids)) == 2 and all(len(i) <= 64 for i in ids)


def test_a_body_that_stalls_is_408(stack: Stack) -> None:
    port = int(stack.base_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            b"POST /api/queue HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 200\r\n\r\n{"userId": '
        )
        started = time.monotonic()
        answer = sock.recv(1000)
        elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert b"application/problem+json" in answer
    assert 0.9 <= elapsed < 8, elapsed


def test_every_answer_carries_the_security_headers(stack: Stack) -> None:
    api = stack.api.post("/api/queue", json=body("0" * 24))
    for response in (api, stack.api.get("/healthz"), stack.api.get("/openapi.json")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "strict-transport-security" not in response.headers  # plain HTTP here
    assert api.headers["cache-control"] == "no-store"
    docs = stack.api.get("/docs")
    assert "frame-ancestors 'none'" in docs.headers["content-security-policy"]


def test_trailing_slashes_are_served_never_redirected(stack: Stack) -> None:
    response = stack.api.post("/api/queue/", json=body("0" * 24), headers={"Host": "evil.example"})
    # The call itself answered (an ID nobody issued), not a 307 to http://evil.example/...
    assert_problem(response, 404)
    assert "userId" in response.json()["detail"]
    assert "location" not in response.headers


def test_an_alerts_header_error_names_the_header(stack: Stack) -> None:
    hospital = stack.register_hospital()
    user = stack.follow()
    regist = stack.pick_hospital(user, hospital.hospital_id)
    response = stack.call("/api/alert", hospital.production_key, body(regist, header="x" * 101))
    assert_problem(response, 422, "header")


def test_appointment_ids_that_are_not_ours_are_a_plain_404(stack: Stack) -> None:
    hospital = stack.register_hospital()
    key = {"Authorization": f"Bearer {hospital.production_key}"}
    for path in ("/api/queue/a%00", "/api/queue/%00" + "0" * 24, "/api/queue/../x"):
        assert stack.api.get(path, headers=key).status_code == 404
    for method in ("GET", "OPTIONS", "DELETE"):  # /queue/cancel is only ever the cancel route
        response = stack.api.request(method, "/api/queue/cancel", headers=key)
        assert response.status_code == 405, (method, response.text)
        assert response.headers["allow"] == "POST"


# -- request headers: 431 over the limit ----------------------------------------------------

# httpx's own headers (host, accept, accept-encoding, connection, user-agent,
# content-length, content-type): 7, and a few dozen bytes each.
OWN_HEADERS = 7


def _padded(size: int) -> dict[str, str]:
    return {"X-Padding": "a" * size}


def _numbered(count: int) -> list[tuple[str, str]]:
    return [(f"X-Header-{i}", "1") for i in range(count - OWN_HEADERS)]


def test_headers_over_the_limit_are_431(stack: Stack) -> None:
    """16 KiB and 100 header fields by default; the stack's server (httptools) has no
    limit of its own, so what the app sees is what was sent."""
    call = body("0" * 24)
    under = stack.api.post("/api/queue", json=call, headers=_padded(15_000))
    assert under.status_code == 404  # read: a keyless call for an ID nobody issued
    over = stack.api.post("/api/queue", json=call, headers=_padded(17_000))
    assert_problem(over, 431)
    assert "16384 bytes" in over.json()["detail"]
    assert over.headers["x-content-type-options"] == "nosniff"  # like every answer
    assert over.headers["connection"] == "close"
    assert stack.api.post("/api/queue", json=call, headers=_numbered(100)).status_code == 404
    many = stack.api.post("/api/queue", json=call, headers=_numbered(101))
    assert_problem(many, 431)
    assert "100 header fields" in many.json()["detail"]
    webhook = stack.api.post("/line/webhook", content=b"{}", headers=_padded(17_000))
    assert_problem(webhook, 431)  # before the signature is looked at


def test_the_header_limits_are_configurable(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    url = fresh_database_url(request, "sqlite", tmp_path)
    limits = {"max_request_header_bytes": 4096, "max_request_headers": 20}
    with running_stack(url, START, settings_overrides=limits) as small:

        def call(headers: dict[str, str] | list[tuple[str, str]]) -> httpx.Response:
            return small.api.post("/api/queue", json=body("0" * 24), headers=headers)

        assert call(_padded(3_500)).status_code == 404
        assert_problem(call(_padded(4_500)), 431)
        assert call(_numbered(20)).status_code == 404
        assert_problem(call(_numbered(21)), 431)


# -- a real `serve`: its HTTP layer limits headers ------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    cwd = tmp_path_factory.mktemp("serve")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOPH_CONNECT_")}
    env["MOPH_CONNECT_API_DOCS"] = "false"
    process = subprocess.Popen(
        [*COMMAND, "serve", "--port", str(port)],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            return httpx.get(base + "/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(healthy, timeout=30, what="serve")
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_an_oversized_header_is_refused_at_once_and_health_stays_up(served: str) -> None:
    port = int(served.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"POST /api/queue HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ")
        started = time.monotonic()
        refused = b""
        try:
            for _ in range(64 * 16):  # up to 64 MiB, 64 KiB at a time
                sock.sendall(b"A" * 65536)
        except (BrokenPipeError, ConnectionResetError):
            pass
        with contextlib.suppress(ConnectionResetError, TimeoutError):
            refused = sock.recv(200)
        elapsed = time.monotonic() - started
    assert refused.startswith(b"HTTP/1.1 400") or refused == b"", refused
    assert elapsed < 5, elapsed  # it stopped reading long before 64 MiB
    assert httpx.get(served + "/healthz", timeout=2).status_code == 200


def _raw_answer(served: str, *parts: bytes) -> bytes:
    port = int(served.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        for part in parts:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                sock.sendall(part)
            time.sleep(0.2)  # one read each
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


def test_serve_answers_431_under_its_servers_limit_and_400_above(served: str) -> None:
    """`serve`'s h11 buffers an unfinished request head of up to
    MOPH_CONNECT_MAX_REQUEST_HEAD_BYTES (64 KiB): over the app's 16 KiB it is the app's
    431 problem; a head still unfinished past h11's limit gets h11's own 400 (a head
    that arrives whole in one read is parsed, and then the app's 431 answers it)."""
    request = b"GET /api/queue/a" + b"0" * 24 + b" HTTP/1.1\r\nHost: x\r\n"
    answer = _raw_answer(served, request + b"X-Padding: " + b"a" * 20_000, b"\r\n\r\n")
    head, _, problem = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 431 "), answer[:200]
    assert b"content-type: application/problem+json" in head.lower()
    assert json.loads(problem)["status"] == 431
    answer = _raw_answer(served, request + b"X-Padding: " + b"a" * 70_000, b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
    assert httpx.get(served + "/healthz", timeout=2).status_code == 200


def test_the_api_docs_can_be_switched_off(served: str) -> None:
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert httpx.get(served + path, timeout=5).status_code == 404


@pytest.mark.parametrize("key", ["", "a b", "k\u00e9", "x" * 201, "tab\tkey"])
def test_idempotency_keys_are_printable_ascii(stack: Stack, key: str) -> None:
    hospital = stack.register_hospital()
    user = stack.follow()
    regist = stack.pick_hospital(user, hospital.hospital_id)
    response = stack.api.post(
        "/api/queue",
        json=body(regist),
        headers=[
            ("Authorization", f"Bearer {hospital.production_key}"),
            ("Idempotency-Key", key.encode("utf-8")),  # type: ignore[list-item]
        ],
    )
    assert_problem(response, 422, "Idempotency-Key")


def test_nul_characters_in_chat_never_reach_the_database(stack: Stack) -> None:
    """PostgreSQL refuses NUL in text: a chat message or location title with one is
    stored and processed without error, on both databases (the events are stripped of
    NULs when stored, whatever a later change keeps of them)."""
    user = stack.follow()
    [text] = _text_events(user, 1, 3)
    text["message"]["text"] = "ลบ\u0000ข้อมูล"
    location = event(
        "message",
        user,
        timestamp_ms=1524798000999,
        message={
            "type": "location",
            "id": "9" * 18,
            "title": "บ้าน\u0000",
            "address": "ปทุมธานี\u0000",
            "latitude": 14.02,
            "longitude": 100.52,
        },
    )
    assert signed_post(stack, "production", [text, location]) == 200
    ids = [text["webhookEventId"], location["webhookEventId"]]

    def processed() -> bool:
        with stack.database.transaction() as session:
            rows = session.scalars(
                select(WebhookEvent).where(WebhookEvent.webhook_event_id.in_(ids))
            ).all()
            return len(rows) == 2 and all(r.processed_at and not r.error for r in rows)

    wait_for(processed, timeout=20, what="both events processed without error")


def test_a_streamed_body_over_the_limit_is_413(stack: Stack) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(20):
            yield b" " * 8192

    response = stack.api.post(
        "/api/queue", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 413)
