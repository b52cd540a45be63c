"""Sending messages to LINE: the `MessageSender` port and its LINE adapter (pyreqwest).

The dispatcher only sees `SendOutcome`s; how LINE's status codes map onto them lives here:

| LINE answers                          | outcome        | the dispatcher then          |
|---------------------------------------|----------------|------------------------------|
| 200                                   | sent           | records LINE's request id    |
| 409 (retry key already accepted)      | duplicate      | records it as sent           |
| 429                                   | rate_limited   | slows the channel, retries   |
| 5xx, timeout, connection error        | retry          | retries with backoff         |
| 401, 403                              | unauthorized   | pauses the channel           |
| other 4xx (400 bad message, ...)      | rejected       | fails it with LINE's reason  |

We speak HTTP directly rather than through line-bot-sdk's async client: the outbox
already holds the serialised messages, and re-parsing them into the SDK's pydantic models
would cost more CPU per push than the request itself. The client is pyreqwest (Python
bindings of Rust's reqwest/hyper, connection pool and HTTP in native threads): measured with
a queue-card push, 64 in flight, `LineSender` spends 112-120 µs of CPU per push against
170-190 µs for aiohttp on uvloop, and most of it outside the event loop's thread
(`benchmarks/push_client.py`, BENCHMARKS.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

import orjson
from pyreqwest.client import Client, ClientBuilder
from pyreqwest.exceptions import PyreqwestError, RequestTimeoutError

from moph_connect.line.port import MessageSender, SendOutcome

__all__ = ["LineSender", "MessageSender", "SendOutcome"]

PUSH_PATH = "/v2/bot/message/push"
REPLY_PATH = "/v2/bot/message/reply"


def _error_detail(status: int, body: bytes) -> str:
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return f"HTTP {status}: {body[:200].decode('utf-8', 'replace')}"
    if not isinstance(parsed, dict):
        return f"HTTP {status}"
    detail = f"HTTP {status}: {parsed.get('message', '')}"
    details = parsed.get("details")
    if isinstance(details, list) and details:
        listed = "; ".join(
            f"{d.get('property', '')}: {d.get('message', '')}"
            for d in details
            if isinstance(d, dict)
        )
        detail += f" ({listed})"
    return detail


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def classify(status: int, headers: Mapping[str, str], body: bytes) -> SendOutcome:
    answer = str(status)
    if 200 <= status < 300:
        return SendOutcome("sent", request_id=headers.get("x-line-request-id"), answer=answer)
    if status == 409:
        return SendOutcome(
            "duplicate",
            request_id=headers.get("x-line-accepted-request-id"),
            detail="LINE had already accepted this retry key",
            answer=answer,
        )
    detail = _error_detail(status, body)
    if status == 429:
        retry_after = _retry_after(headers)
        return SendOutcome("rate_limited", detail=detail, retry_after=retry_after, answer=answer)
    if status in (401, 403):
        return SendOutcome("unauthorized", detail=detail, answer=answer)
    if status >= 500:
        return SendOutcome("retry", detail=detail, answer=answer)
    return SendOutcome("rejected", detail=detail, answer=answer)


class LineSender:
    """`MessageSender` over LINE's Messaging API (or our emulator at another base URL)."""

    def __init__(
        self,
        base_url: str,
        access_tokens: Mapping[str, str],
        *,
        timeout_seconds: float = 10.0,
        max_connections: int = 128,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # Built once: assembling URLs and headers per push is measurable at thousands of
        # pushes a second.
        self._urls = {path: self.base_url + path for path in (PUSH_PATH, REPLY_PATH)}
        self._headers = {
            ch: {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            for ch, token in access_tokens.items()
        }
        self._timeout = timedelta(seconds=timeout_seconds)
        self._max_connections = max_connections
        self._client: Client | None = None

    def _http(self) -> Client:
        # Created on first use, by the event loop that sends.
        if self._client is None:
            self._client = (
                ClientBuilder()
                .max_connections(self._max_connections)
                .timeout(self._timeout)
                .build()
            )
        return self._client

    async def _post(
        self, channel: str, path: str, body: bytes, retry_key: str | None
    ) -> SendOutcome:
        headers = self._headers.get(channel)
        if headers is None:
            detail = f"no access token for channel {channel}"
            return SendOutcome("unauthorized", detail=detail, answer="error")
        if retry_key is not None:
            headers = {**headers, "X-Line-Retry-Key": retry_key}
        request = self._http().post(self._urls[path]).headers(headers).body_bytes(body).build()
        try:
            response = await request.send()
            payload = await response.bytes()
        except RequestTimeoutError:
            return SendOutcome("retry", detail="timed out waiting for LINE", answer="timeout")
        except PyreqwestError as error:
            detail = f"connection error: {type(error).__name__}: {error}"
            return SendOutcome("retry", detail=detail, answer="error")
        return classify(response.status, response.headers, bytes(payload))

    async def push(self, channel: str, to: str, messages_json: str, retry_key: str) -> SendOutcome:
        # The messages are already JSON: splice them in rather than parse and re-dump.
        body = b'{"to":' + orjson.dumps(to) + b',"messages":' + messages_json.encode() + b"}"
        return await self._post(channel, PUSH_PATH, body, retry_key)

    async def reply(self, channel: str, reply_token: str, messages_json: str) -> SendOutcome:
        body = (
            b'{"replyToken":'
            + orjson.dumps(reply_token)
            + b',"messages":'
            + messages_json.encode()
            + b"}"
        )
        return await self._post(channel, REPLY_PATH, body, None)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None
