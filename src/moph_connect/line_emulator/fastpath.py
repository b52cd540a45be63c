"""The send endpoints (push, reply, multicast) as bare ASGI, ahead of Starlette's stack.

A push costs the emulator a few hundred microseconds of CPU at thousands a second, and
Starlette's share of that (middleware, routing, `Request`, `Headers`, `Response`) bought
nothing for these three endpoints: they neither raise into exception handlers nor use
anything routing provides. `EmulatorApp` therefore hands exactly these requests
(`POST` to the exact path, as Starlette's router would match them) to `MessagingApi.send`
directly, through the same code that the routed handlers use, so the answers are the same
byte for byte; every other request, including a wrong method or a trailing slash on these
paths, takes the ordinary route.
"""

from __future__ import annotations

from typing import Final

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope, Send

from moph_connect.line_emulator.messaging import MessagingApi, hold
from moph_connect.line_emulator.state import Via

FAST_PATHS: Final[dict[str, Via]] = {
    "/v2/bot/message/push": "push",
    "/v2/bot/message/reply": "reply",
    "/v2/bot/message/multicast": "multicast",
}
_JSON: Final = (b"content-type", b"application/json")


def route_path(scope: Scope) -> str:
    """The path below the app's mount point, as Starlette's router computes it."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if not root_path or not path.startswith(root_path):
        return path
    if path == root_path:
        return ""
    return path[len(root_path) :] if path[len(root_path)] == "/" else path


def first_header(headers: list[tuple[bytes, bytes]], name: str) -> str | None:
    """A header's first value, as Starlette's `Headers.get` gives it (servers hand header
    names over in lower case)."""
    wanted = name.encode("latin-1")
    for key, value in headers:
        if key == wanted:
            return value.decode("latin-1")
    return None


class RawExchange:
    """A request straight from the ASGI scope and `receive` (see `messaging.Exchange`)."""

    __slots__ = ("_body", "_headers", "_receive")

    def __init__(self, scope: Scope, receive: Receive) -> None:
        self._headers: list[tuple[bytes, bytes]] = scope["headers"]
        self._receive = receive
        self._body: bytes | None = None

    def header(self, name: str) -> str | None:
        return first_header(self._headers, name)

    async def body(self) -> bytes:
        if self._body is None:
            chunks: list[bytes] = []
            while True:
                message = await self._receive()
                if message["type"] != "http.request":  # as Starlette's `Request.body()`
                    raise ClientDisconnect()
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    break
            self._body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        return self._body

    async def hold(self, seconds: float) -> None:
        await hold(self.body, self._receive, seconds)


async def serve_send(
    messaging: MessagingApi, via: Via, scope: Scope, receive: Receive, send: Send
) -> None:
    answer = await messaging.send(RawExchange(scope, receive), via)
    # The headers in the order Starlette's `Response` gives them: ours, then length, type.
    headers = [
        (key.encode("latin-1"), value.encode("latin-1")) for key, value in answer.headers.items()
    ]
    headers.append((b"content-length", str(len(answer.body)).encode("latin-1")))
    headers.append(_JSON)
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})


class EmulatorApp(Starlette):
    """Starlette, with the send endpoints served by `serve_send` ahead of its stack."""

    messaging: MessagingApi  # set by `create_emulator_app`

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            via = FAST_PATHS.get(route_path(scope))
            if via is not None:
                await serve_send(self.messaging, via, scope, receive, send)
                return
        await super().__call__(scope, receive, send)
