"""Refuse oversized request bodies (413) before anything reads them into memory, and
bodies that trickle in too slowly (408), which would hold a connection and a thread."""

from __future__ import annotations

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from moph_connect.api.problems import AnsweredOutside, problem_response


class _TooLarge(AnsweredOutside):
    pass


class _TooSlow(AnsweredOutside):
    pass


class BodySizeLimit:
    """Pure ASGI middleware: checks Content-Length, then counts streamed bytes."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        exempt_prefixes: tuple[str, ...] = (),
        path_limits: dict[str, int] | None = None,
        timeout_seconds: float | None = None,
    ) -> None:
        """`path_limits`: other limits for exact paths (LINE's webhook deliveries);
        `timeout_seconds`: the longest one read of the body may wait for the client."""
        self.timeout_seconds = timeout_seconds
        self.app = app
        self.default_max_bytes = max_bytes
        self.exempt_prefixes = exempt_prefixes
        self.path_limits = path_limits or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.exempt_prefixes):
            await self.app(scope, receive, send)
            return
        max_bytes = self.path_limits.get(scope["path"], self.default_max_bytes)
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_large = int(value) > max_bytes
                except ValueError:
                    too_large = False
                if too_large:
                    await self._reject(max_bytes, scope, receive, send)
                    return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            if self.timeout_seconds is None:
                message = await receive()
            else:
                try:
                    with anyio.fail_after(self.timeout_seconds):
                        message = await receive()
                except TimeoutError:
                    raise _TooSlow from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._reject(max_bytes, scope, receive, send)
        except _TooSlow:
            if not started:
                await problem_response(
                    408,
                    "request-timeout",
                    "Request timeout",
                    f"The body did not arrive within {self.timeout_seconds:g} s.",
                    headers={"Connection": "close"},
                )(scope, receive, send)

    async def _reject(self, max_bytes: int, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413,
            "payload-too-large",
            "Request body too large",
            f"The body may be at most {max_bytes} bytes.",
        )
        await response(scope, receive, send)
