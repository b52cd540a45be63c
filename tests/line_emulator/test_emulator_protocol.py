"""Sends answered inside the HTTP protocol (`protocol.py`) must be invisible to clients:
over real sockets, the same bytes as uvicorn's ASGI way, the same HTTP behaviour."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
import pytest

from moph_connect.line_emulator.messaging import MessagingApi
from tests.line_emulator.conftest import PRODUCTION_TOKEN, Running, text

PUSH = "/v2/bot/message/push"
# Differ per request: when, and the IDs LINE makes up (the message IDs in the body too).
_VARYING = {b"date", b"x-line-request-id", b"x-line-accepted-request-id", b"content-length"}


class Ways:
    """Which way each send took: answered in the protocol, or through ASGI."""

    def __init__(self, messaging: MessagingApi, monkeypatch: pytest.MonkeyPatch) -> None:
        self.taken: list[str] = []
        in_protocol, through_asgi = messaging.send_received, messaging.send

        def send_received(*args: Any) -> Any:
            self.taken.append("protocol")
            return in_protocol(*args)

        async def send(*args: Any) -> Any:
            self.taken.append("asgi")
            return await through_asgi(*args)

        monkeypatch.setattr(messaging, "send_received", send_received)
        monkeypatch.setattr(messaging, "send", send)


@pytest.fixture
def ways(emulator: Running, monkeypatch: pytest.MonkeyPatch) -> Ways:
    return Ways(emulator.server.app.messaging, monkeypatch)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Follower:
    """A user following the production channel, and pushes to her."""

    user: str

    def push(self, words: str = "สวัสดี") -> bytes:
        return orjson.dumps({"to": self.user, "messages": [text(words)]})


@pytest.fixture
def follower(emulator: Running) -> Follower:
    return Follower(emulator.follow())


@pytest.fixture
def connection(emulator: Running) -> Iterator[socket.socket]:
    with socket.create_connection((emulator.server.host, emulator.server.port), timeout=5) as s:
        yield s


def _request(target: str, body: bytes, *, token: str = PRODUCTION_TOKEN, extra: str = "") -> bytes:
    return (
        f"POST {target} HTTP/1.1\r\nHost: emulator\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
    ).encode() + body


def _read(
    sock: socket.socket, buffered: bytearray
) -> tuple[bytes, list[tuple[bytes, bytes]], bytes]:
    """One response off the connection: status line, headers in order, body."""
    while b"\r\n\r\n" not in buffered:
        chunk = sock.recv(65536)
        assert chunk, "connection closed before a response"
        buffered += chunk
    head, _, _ = bytes(buffered).partition(b"\r\n\r\n")
    status, *lines = head.split(b"\r\n")
    headers = [(k.lower(), v.strip()) for k, _, v in (line.partition(b":") for line in lines)]
    length = int(dict(headers)[b"content-length"])
    start = len(head) + 4
    while len(buffered) < start + length:
        chunk = sock.recv(65536)
        assert chunk, "connection closed inside a body"
        buffered += chunk
    body = bytes(buffered[start : start + length])
    del buffered[: start + length]
    return status, headers, body


def _exchange(
    sock: socket.socket, request: bytes
) -> tuple[bytes, list[tuple[bytes, bytes]], bytes]:
    sock.sendall(request)
    return _read(sock, bytearray())


def _alike(one: tuple[Any, ...], other: tuple[Any, ...]) -> None:
    (status, headers, body), (other_status, other_headers, other_body) = one, other
    assert status == other_status
    assert [name for name, _ in headers] == [name for name, _ in other_headers]
    assert [h for h in headers if h[0] not in _VARYING] == [
        h for h in other_headers if h[0] not in _VARYING
    ]
    if status.startswith(b"HTTP/1.1 200"):
        sent, other_sent = orjson.loads(body), orjson.loads(other_body)
        assert [sorted(m) for m in sent["sentMessages"]] == [
            sorted(m) for m in other_sent["sentMessages"]
        ]
    else:
        assert body == other_body


def test_answers_in_the_protocol_are_uvicorns_byte_for_byte(
    emulator: Running, follower: Follower, ways: Ways, connection: socket.socket
) -> None:
    user, good = follower.user, follower.push()
    cases: list[tuple[bytes, dict[str, Any]]] = [
        (good, {}),
        (good, {"token": "nope"}),
        (b"{not json", {}),
        (orjson.dumps({"to": user, "messages": [{"type": "text"}]}), {}),
        (orjson.dumps({"to": "U" + "0" * 32, "messages": [text("x")]}), {}),
        (good, {"extra": "X-Line-Retry-Key: not-a-uuid\r\n"}),
    ]
    for body, options in cases:
        # A query string is ignored by the routes but keeps the request out of the
        # protocol's hands: the same request, the ASGI way.
        answered = _exchange(connection, _request(PUSH, body, **options))
        through_asgi = _exchange(connection, _request(PUSH + "?via=asgi", body, **options))
        _alike(answered, through_asgi)
    assert ways.taken == ["protocol", "asgi"] * len(cases)
    assert emulator.inbox(user)["deliveries"] == 2


def test_a_retry_key_accepted_one_way_is_a_409_the_other_way(
    emulator: Running, follower: Follower, ways: Ways, connection: socket.socket
) -> None:
    user, good = follower.user, follower.push()
    for first, second in ((PUSH, PUSH + "?via=asgi"), (PUSH + "?via=asgi", PUSH)):
        key = f"X-Line-Retry-Key: {uuid.uuid4()}\r\n"
        accepted = _exchange(connection, _request(first, good, extra=key))
        conflict = _exchange(connection, _request(second, good, extra=key))
        assert conflict[0].startswith(b"HTTP/1.1 409")
        accepted_id = dict(accepted[1])[b"x-line-request-id"]
        assert dict(conflict[1])[b"x-line-accepted-request-id"] == accepted_id
        assert (
            orjson.loads(conflict[2])["sentMessages"] == orjson.loads(accepted[2])["sentMessages"]
        )
    assert sorted(ways.taken) == ["asgi", "asgi", "protocol", "protocol"]
    assert emulator.inbox(user)["deliveries"] == 2


def test_keep_alive_and_connection_close(
    emulator: Running, follower: Follower, ways: Ways, connection: socket.socket
) -> None:
    user, good = follower.user, follower.push()
    for _ in range(3):  # one connection, several requests
        assert _exchange(connection, _request(PUSH, good))[0].startswith(b"HTTP/1.1 200")
    closing = _exchange(connection, _request(PUSH, good, extra="Connection: close\r\n"))
    assert closing[1][-2:] == [
        (b"content-type", b"application/json"),
        (b"connection", b"close"),
    ]
    assert connection.recv(1) == b""  # closed by the emulator once answered
    assert ways.taken == ["protocol"] * 4
    assert emulator.inbox(user)["deliveries"] == 4


def test_pipelined_requests_are_answered_in_order(
    emulator: Running, follower: Follower, ways: Ways, connection: socket.socket
) -> None:
    user = follower.user
    bodies = [follower.push(f"ข้อ {i}") for i in range(3)]
    connection.sendall(b"".join(_request(PUSH, body) for body in bodies))
    buffered = bytearray()
    statuses = [_read(connection, buffered)[0] for _ in bodies]
    assert all(status.startswith(b"HTTP/1.1 200") for status in statuses)
    texts = [m["message"]["text"] for m in emulator.inbox(user)["messages"]]
    assert texts == ["ข้อ 0", "ข้อ 1", "ข้อ 2"]
    assert len(ways.taken) == 3


def test_a_body_sent_in_chunks_and_pieces(
    emulator: Running, follower: Follower, ways: Ways, connection: socket.socket
) -> None:
    user, body = follower.user, follower.push("ส่งเป็นท่อน")
    head = (
        f"POST {PUSH} HTTP/1.1\r\nHost: emulator\r\nAuthorization: Bearer {PRODUCTION_TOKEN}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    half = len(body) // 2
    connection.sendall(head)
    for part in (body[:half], body[half:]):
        connection.sendall(b"%x\r\n" % len(part) + part + b"\r\n")
    connection.sendall(b"0\r\n\r\n")
    assert _read(connection, bytearray())[0].startswith(b"HTTP/1.1 200")
    assert ways.taken == ["protocol"]
    assert emulator.inbox(user)["deliveries"] == 1


def test_queued_faults_and_100_continue_take_the_asgi_way(
    emulator: Running, follower: Follower, ways: Ways, connection: socket.socket
) -> None:
    user, good = follower.user, follower.push()
    added = emulator.http.post("/control/faults", json={"kind": "500", "count": 1})
    assert added.status_code == 201
    assert _exchange(connection, _request(PUSH, good))[0].startswith(b"HTTP/1.1 500")
    assert _exchange(connection, _request(PUSH, good))[0].startswith(b"HTTP/1.1 200")
    request = _request(PUSH, good, extra="Expect: 100-continue\r\n")
    head, _, body = request.partition(b"\r\n\r\n")
    connection.sendall(head + b"\r\n\r\n")
    assert connection.recv(65536).startswith(b"HTTP/1.1 100 Continue")
    assert _exchange(connection, body)[0].startswith(b"HTTP/1.1 200")
    assert ways.taken == ["asgi", "protocol", "asgi"]
    assert emulator.inbox(user)["deliveries"] == 2


def test_an_error_inside_is_a_500_and_a_closed_connection(
    emulator: Running, connection: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> Any:
        raise RuntimeError("a bug")

    messaging = emulator.server.app.messaging  # type: ignore[attr-defined]
    monkeypatch.setattr(messaging, "send_received", broken)
    status, headers, body = _exchange(connection, _request(PUSH, b"{}"))
    assert status == b"HTTP/1.1 500 Internal Server Error"
    assert body == b"Internal Server Error"
    assert (b"connection", b"close") in headers
    assert connection.recv(1) == b""
