"""The demo's HTTP calls, on pyreqwest (the service's one HTTP client library): the story
drives the emulator's control API and the sample site synchronously, the sample site's
queue system calls our API from its async endpoints."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

import orjson
from pyreqwest.client import ClientBuilder, SyncClientBuilder

TIMEOUT = timedelta(seconds=30)


class HttpStatusError(Exception):
    """An answer of 400 or more where success was expected."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return orjson.loads(self.body)

    def raise_for_status(self) -> None:
        if self.status >= 400:
            raise HttpStatusError(f"HTTP {self.status}: {self.text[:200]}")


def _body(json: Any, form: Mapping[str, str] | None) -> tuple[bytes | None, dict[str, str]]:
    if json is not None:
        return orjson.dumps(json), {"Content-Type": "application/json"}
    if form is not None:
        return urlencode(form).encode(), {"Content-Type": "application/x-www-form-urlencoded"}
    return None, {}


class DemoHttp:
    """A synchronous client with one connection pool, for the story's steps."""

    def __init__(self) -> None:
        self._client = SyncClientBuilder().timeout(TIMEOUT).build()

    def _send(
        self, method: str, url: str, json: Any = None, form: Mapping[str, str] | None = None
    ) -> Answer:
        body, headers = _body(json, form)
        request = self._client.request(method, url).headers(headers)
        if body is not None:
            request = request.body_bytes(body)
        response = request.build().send()
        return Answer(response.status, bytes(response.bytes()))

    def get(self, url: str) -> Answer:
        return self._send("GET", url)

    def post(self, url: str, *, json: Any = None, form: Mapping[str, str] | None = None) -> Answer:
        return self._send("POST", url, json, form)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> DemoHttp:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


async def post_json(url: str, body: Any, headers: Mapping[str, str]) -> Answer:
    """One call of the sample site's queue system (a client of its own: calls are rare)."""
    payload, content = _body(body, None)
    assert payload is not None
    async with ClientBuilder().timeout(TIMEOUT).build() as client:
        request = client.post(url).headers({**headers, **content}).body_bytes(payload)
        response = await request.build().send()
        return Answer(response.status, bytes(await response.bytes()))
