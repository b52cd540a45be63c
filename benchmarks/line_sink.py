"""A LINE stand-in that only counts: for measuring the worker when LINE is elsewhere.

In production LINE runs on LINE's machines; in `benchmarks/dispatch.py` the emulator runs
on the benchmark's own two cores and, validating every push against LINE's spec, needs as
much CPU per push as the worker does. The `unlimited-sink` scenario replaces it with this
process, which answers a push as LINE does (200 with `sentMessages` and
`x-line-request-id`; 409 with `x-line-accepted-request-id` for a retry key it has already
accepted; 401 without a bearer token) and does nothing else: no validation, no inboxes.
It is a measuring instrument for one benchmark scenario, never a stand-in for the emulator
in tests. It keeps every accepted retry key, so duplicates are still counted.

It speaks just enough of the emulator's control API for the benchmark: health, creating
users (any ID is accepted for a push), reset and stats.

    python benchmarks/line_sink.py --port 9090
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import secrets
import sys
from pathlib import Path

import httptools
import orjson
import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
# The emulator's own limit (rate/s, bursts of 0.1 s), here counted as requests arrive:
# this process is too light to fall behind and then work off a backlog in a burst.
from line_emulator.state import TokenBucket

CHANNEL = "production"


class Counts:
    def __init__(self, rate_limit: float = 0.0) -> None:
        self.rate_limit = rate_limit
        self.reset()

    def reset(self) -> None:
        self.accepted: dict[bytes, str] = {}  # retry key → request id
        self.requests = 0
        self.rate_limited = 0
        self.bucket = TokenBucket(self.rate_limit) if self.rate_limit > 0 else None
        self.conflicts = 0
        self.unauthorized = 0
        self._ids = itertools.count(1)

    def request_id(self) -> str:
        return f"{next(self._ids):032x}"

    def stats(self) -> bytes:
        channel = {
            "deliveries": len(self.accepted),
            "requests": self.requests,
            "rateLimited": self.rate_limited,
            "conflicts": self.conflicts,
        }
        return orjson.dumps({"channels": {CHANNEL: channel}, "unauthorized": self.unauthorized})


def _answer(status: int, body: bytes, headers: dict[str, str] | None = None) -> bytes:
    reason = {
        200: "OK",
        201: "Created",
        401: "Unauthorized",
        404: "Not Found",
        409: "Conflict",
        429: "Too Many Requests",
    }
    lines = [f"HTTP/1.1 {status} {reason[status]}", "content-type: application/json"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    lines.append(f"content-length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class SinkProtocol(asyncio.Protocol):
    def __init__(self, counts: Counts) -> None:
        self.counts = counts
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.WriteTransport | None = None
        self._reset()

    def _reset(self) -> None:
        self.url = b""
        self.authorized = False
        self.retry_key: bytes | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's TCP transport does not derive from asyncio.Transport; it writes alike.
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            if self.transport is not None:
                self.transport.close()

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        lowered = name.lower()
        if lowered == b"authorization":
            self.authorized = value.startswith(b"Bearer ") and len(value) > 7
        elif lowered == b"x-line-retry-key":
            self.retry_key = value

    def on_message_complete(self) -> None:
        assert self.transport is not None
        self.transport.write(self._respond(self.parser.get_method(), self.url))
        self._reset()

    def _respond(self, method: bytes, url: bytes) -> bytes:
        counts = self.counts
        if method == b"POST" and url == b"/v2/bot/message/push":
            counts.requests += 1
            if not self.authorized:
                counts.unauthorized += 1
                return _answer(401, b'{"message":"Authentication failed."}')
            if counts.bucket is not None and not counts.bucket.take():
                counts.rate_limited += 1
                return _answer(429, b'{"message":"The API rate limit has been exceeded."}')
            accepted = counts.accepted.get(self.retry_key) if self.retry_key else None
            if accepted is not None:
                counts.conflicts += 1
                body = b'{"message":"The retry key is already accepted"}'
                return _answer(409, body, {"x-line-accepted-request-id": accepted})
            request_id = counts.request_id()
            counts.accepted[self.retry_key or request_id.encode()] = request_id
            body = b'{"sentMessages":[{"id":"' + request_id[-18:].encode() + b'"}]}'
            return _answer(200, body, {"x-line-request-id": request_id})
        if method == b"GET" and url == b"/control/stats":
            return _answer(200, counts.stats())
        if method == b"GET" and url == b"/control/health":
            return _answer(200, b"{}")
        if method == b"POST" and url == b"/control/reset":
            counts.reset()
            return _answer(200, b"{}")
        if method == b"POST" and url.startswith(b"/control/channels/"):
            return _answer(201, orjson.dumps({"userId": "U" + secrets.token_hex(16)}))
        return _answer(404, b'{"message":"Not found"}')


async def serve(host: str, port: int, rate_limit: float) -> None:
    counts = Counts(rate_limit)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SinkProtocol(counts), host, port)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rate-limit", type=float, default=0.0, help="push/s; 0: none")
    args = parser.parse_args()
    uvloop.run(serve(args.host, args.port, args.rate_limit))


if __name__ == "__main__":
    main()
