"""The send endpoints' bare-ASGI fast path must be invisible to clients: the same answers
as the routed handlers, the same HTTP behaviour."""

from __future__ import annotations

import asyncio
import socket
import uuid
from typing import Any

import httpx
import orjson
import pytest
from starlette.applications import Starlette
from starlette.types import Message

from moph_connect.line_emulator import EmulatorConfig, create_emulator_app
from moph_connect.line_emulator.fastpath import EmulatorApp, route_path
from tests.line_emulator.conftest import PRODUCTION_TOKEN, Running, text

PUSH = "/v2/bot/message/push"


async def _call(
    app: Any, path: str, body: bytes, headers: list[tuple[bytes, bytes]], *, routed: bool
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 2),
    }
    messages: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[Message] = []

    async def receive() -> Message:
        return messages.pop() if messages else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    if routed:  # Starlette's own stack: the routed handlers, as before the fast path
        await Starlette.__call__(app, scope, receive, send)
    else:
        await app(scope, receive, send)
    start, *bodies = sent
    return start["status"], start["headers"], b"".join(m.get("body", b"") for m in bodies)


def _answers_alike(fast: tuple[Any, ...], routed: tuple[Any, ...]) -> None:
    # Equal but for the per-request random parts: the request ID and sent message IDs.
    (status, headers, body), (routed_status, routed_headers, routed_body) = fast, routed
    assert status == routed_status
    assert [name for name, _ in headers] == [name for name, _ in routed_headers]
    differ = {b"x-line-request-id", b"x-line-accepted-request-id", b"content-length"}
    assert [h for h in headers if h[0] not in differ] == [
        h for h in routed_headers if h[0] not in differ
    ]
    if status == 200:
        sent, routed_sent = orjson.loads(body), orjson.loads(routed_body)
        assert [sorted(m) for m in sent["sentMessages"]] == [
            sorted(m) for m in routed_sent["sentMessages"]
        ]
    else:
        assert body == routed_body


def test_the_fast_path_answers_as_the_routed_handlers_do() -> None:
    app = create_emulator_app(EmulatorConfig.default(None, rate_limit_per_second=None))
    assert isinstance(app, EmulatorApp)
    state = app.state.emulator.state
    user = state.create_user("production", "ก", "th").user_id
    stranger = "U" + "0" * 32
    auth = (b"authorization", f"Bearer {PRODUCTION_TOKEN}".encode())
    good = orjson.dumps({"to": user, "messages": [text("สวัสดี")]})
    cases: list[tuple[bytes, list[tuple[bytes, bytes]]]] = [
        (good, [auth]),
        (good, [(b"authorization", b"Bearer nope")]),
        (good, []),
        (b"{not json", [auth]),
        (orjson.dumps({"to": user, "messages": [{"type": "text"}]}), [auth]),
        (orjson.dumps({"to": stranger, "messages": [text("x")]}), [auth]),
        (orjson.dumps({"to": "someone", "messages": [text("x")]}), [auth]),
        (good, [auth, (b"x-line-retry-key", b"not-a-uuid")]),
    ]

    async def compare() -> None:
        for body, headers in cases:
            fast = await _call(app, PUSH, body, headers, routed=False)
            routed = await _call(app, PUSH, body, headers, routed=True)
            _answers_alike(fast, routed)
        # A retry key used by one path is a 409 on the other, naming the first request.
        for first, second in ((False, True), (True, False)):
            headers = [auth, (b"x-line-retry-key", str(uuid.uuid4()).encode())]
            accepted = await _call(app, PUSH, good, headers, routed=first)
            conflict = await _call(app, PUSH, good, headers, routed=second)
            assert conflict[0] == 409
            first_id = dict(accepted[1])[b"x-line-request-id"]
            assert dict(conflict[1])[b"x-line-accepted-request-id"] == first_id
            sent = orjson.loads(accepted[2])["sentMessages"]
            assert orjson.loads(conflict[2])["sentMessages"] == sent

    asyncio.run(compare())
    assert state.stats["production"].accepted == 4
    assert state.stats["production"].conflicts == 2
    assert state.unauthorized == 4


@pytest.mark.parametrize(
    ("path", "root_path", "expected"),
    [
        ("/v2/bot/message/push", "", "/v2/bot/message/push"),
        ("/line-emulator/v2/bot/message/push", "/line-emulator", "/v2/bot/message/push"),
        ("/line-emulator", "/line-emulator", ""),
        ("/line-emulatorx/v2", "/line-emulator", "/line-emulatorx/v2"),
        ("/elsewhere", "/line-emulator", "/elsewhere"),
    ],
)
def test_route_path_is_starlettes(path: str, root_path: str, expected: str) -> None:
    assert route_path({"path": path, "root_path": root_path}) == expected


def test_other_methods_and_paths_still_take_the_routes(emulator: Running) -> None:
    auth = {"Authorization": f"Bearer {PRODUCTION_TOKEN}"}
    assert emulator.http.get(PUSH, headers=auth).status_code == 405
    assert emulator.http.put(PUSH, headers=auth, json={}).status_code == 405
    slash = emulator.http.post(PUSH + "/", headers=auth, json={}, follow_redirects=False)
    assert slash.status_code == 307  # Starlette's redirect, as before the fast path


def test_a_head_request_gets_its_head(emulator: Running) -> None:
    # HEAD writes no body: the held head must still go out when the response ends.
    response = emulator.http.head("/control/health")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"


def _read_response(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, rest = data.partition(b"\r\n\r\n")
    length = int(dict(_header_lines(head)).get(b"content-length", b"0"))
    while len(rest) < length:
        rest += sock.recv(65536)
    return head + b"\r\n\r\n" + rest


def _header_lines(head: bytes) -> list[tuple[bytes, bytes]]:
    lines = head.split(b"\r\n")[1:]
    return [(k.strip().lower(), v.strip()) for k, _, v in (line.partition(b":") for line in lines)]


def test_100_continue_is_not_held_and_keep_alive_works(emulator: Running) -> None:
    user = emulator.follow()
    body = orjson.dumps({"to": user, "messages": [text("สวัสดี")]})
    host, port = emulator.server.host, emulator.server.port
    head = (
        f"POST {PUSH} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Authorization: Bearer {PRODUCTION_TOKEN}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
    ).encode()
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(head + b"Expect: 100-continue\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 100 Continue")
        sock.sendall(body)
        first = _read_response(sock)
        assert first.startswith(b"HTTP/1.1 200 ")
        sock.sendall(head + b"\r\n" + body)  # the same connection, kept alive
        second = _read_response(sock)
        assert second.startswith(b"HTTP/1.1 200 ")
        assert b"sentMessages" in second.partition(b"\r\n\r\n")[2]
    assert emulator.inbox(user)["deliveries"] == 2


def test_many_concurrent_pushes_all_answer(emulator: Running) -> None:
    user = emulator.follow()

    async def push_all() -> list[int]:
        async with httpx.AsyncClient(base_url=emulator.server.base_url) as client:
            requests = [
                client.post(
                    PUSH,
                    json={"to": user, "messages": [text(f"ข้อความ {i}")]},
                    headers={
                        "Authorization": f"Bearer {PRODUCTION_TOKEN}",
                        "X-Line-Retry-Key": str(uuid.uuid4()),
                    },
                )
                for i in range(50)
            ]
            return [response.status_code for response in await asyncio.gather(*requests)]

    assert asyncio.run(push_all()) == [200] * 50
    assert emulator.inbox(user)["deliveries"] == 50
