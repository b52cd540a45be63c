"""`FollowerApi` over LINE's Messaging API: profiles and rich menus (pyreqwest).

Sending stays in `line/sender.py` (the dispatcher's hot path). This client is for the
occasional call: a new follower's profile (for her language), linking her rich menu, and
the `line setup-richmenu` command. It speaks HTTP with pyreqwest, the sender's client, to
LINE or to the emulator at another base URL; rich-menu images go to LINE's data host
(`api-data.line.me`). The chatbot gets it injected as the port, paced by
`ratelimits/line.RateLimitedApi`; it never imports this module.

One connection pool, made on first use; `close()` (or `async with LineApi(...) as api:`)
ends it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from types import TracebackType
from typing import Any, Final
from urllib.parse import quote

import orjson
from pyreqwest.client import Client, ClientBuilder
from pyreqwest.exceptions import PyreqwestError, RequestTimeoutError

from moph_connect.environments import ENVIRONMENTS
from moph_connect.line.port import LineApiError
from moph_connect.settings import Settings

__all__ = ["LineApi", "LineApiError"]

DEFAULT_TIMEOUT_SECONDS: Final = 10.0


def _path_id(value: str) -> str:
    return quote(value, safe="")


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class LineApi:
    def __init__(
        self,
        api_base_url: str,
        access_tokens: Mapping[str, str],
        *,
        data_api_base_url: str | None = None,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self.api_base_url = api_base_url.rstrip("/")
        self.data_api_base_url = (data_api_base_url or api_base_url).rstrip("/")
        self._tokens = dict(access_tokens)
        self._timeout = timedelta(seconds=timeout_seconds)
        self._client: Client | None = None

    @classmethod
    def from_settings(cls, settings: Settings, *, timeout_seconds: float | None = None) -> LineApi:
        tokens: dict[str, str] = {
            env: settings.channel_credentials(env).access_token for env in ENVIRONMENTS
        }
        return cls(
            settings.resolved_line_api_base_url(),
            tokens,
            data_api_base_url=settings.resolved_line_data_api_base_url(),
            timeout_seconds=timeout_seconds or settings.line_request_timeout_seconds,
        )

    # -- client ------------------------------------------------------------------------------

    def _http(self) -> Client:
        # Made on first use and kept (one connection pool: a follow costs two calls).
        if self._client is None:
            self._client = ClientBuilder().timeout(self._timeout).build()
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
        self._client = None

    async def __aenter__(self) -> LineApi:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def _call(
        self,
        channel: str,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        data: bytes | None = None,
        content_type: str | None = None,
        data_host: bool = False,
    ) -> Any:
        token = self._tokens.get(channel)
        if token is None:
            raise LineApiError(0, f"no access token for channel {channel!r}")
        headers = {"Authorization": f"Bearer {token}"}
        body = data
        if json_body is not None:
            body = orjson.dumps(json_body)
            headers["Content-Type"] = "application/json"
        elif content_type is not None:
            headers["Content-Type"] = content_type
        base = self.data_api_base_url if data_host else self.api_base_url
        request = self._http().request(method, base + path).headers(headers)
        if body is not None:
            request = request.body_bytes(body)
        try:
            response = await request.build().send()
            raw = bytes(await response.bytes())
        except RequestTimeoutError:
            raise LineApiError(0, "timed out waiting for LINE") from None
        except PyreqwestError as error:
            raise LineApiError(0, f"could not reach LINE: {type(error).__name__}") from None
        status = response.status
        if status >= 400:
            retry_after = _retry_after(response.get_header("Retry-After"))
            raise LineApiError(status, _error_message(raw), retry_after=retry_after)
        if not raw:
            return {}
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            return {}

    # -- profiles ------------------------------------------------------------------------------

    async def profile(self, channel: str, user_id: str) -> dict[str, Any] | None:
        """Her profile, or None if LINE has none for us (she is not, or no longer, a friend)."""
        try:
            found = await self._call(channel, "GET", f"/v2/bot/profile/{_path_id(user_id)}")
        except LineApiError as error:
            if error.status == 404:
                return None
            raise
        return found if isinstance(found, dict) else None

    # -- rich menus -----------------------------------------------------------------------------

    async def create_rich_menu(self, channel: str, menu: Mapping[str, Any]) -> str:
        created = await self._call(channel, "POST", "/v2/bot/richmenu", json_body=dict(menu))
        menu_id = created.get("richMenuId") if isinstance(created, dict) else None
        if not isinstance(menu_id, str) or not menu_id:
            raise LineApiError(0, "LINE did not return a richMenuId")
        return menu_id

    async def upload_rich_menu_image(
        self, channel: str, menu_id: str, image: bytes, content_type: str = "image/png"
    ) -> None:
        await self._call(
            channel,
            "POST",
            f"/v2/bot/richmenu/{_path_id(menu_id)}/content",
            data=image,
            content_type=content_type,
            data_host=True,
        )

    async def set_default_rich_menu(self, channel: str, menu_id: str) -> None:
        await self._call(channel, "POST", f"/v2/bot/user/all/richmenu/{_path_id(menu_id)}")

    async def rich_menus(self, channel: str) -> list[dict[str, Any]]:
        listed = await self._call(channel, "GET", "/v2/bot/richmenu/list")
        menus = listed.get("richmenus") if isinstance(listed, dict) else None
        return [m for m in menus if isinstance(m, dict)] if isinstance(menus, list) else []

    async def delete_rich_menu(self, channel: str, menu_id: str) -> None:
        await self._call(channel, "DELETE", f"/v2/bot/richmenu/{_path_id(menu_id)}")

    async def link_rich_menu(self, channel: str, user_id: str, menu_id: str) -> None:
        path = f"/v2/bot/user/{_path_id(user_id)}/richmenu/{_path_id(menu_id)}"
        await self._call(channel, "POST", path)


def _error_message(raw: bytes) -> str:
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw[:200].decode("utf-8", "replace")
    if isinstance(parsed, dict) and isinstance(parsed.get("message"), str):
        return str(parsed["message"])[:500]
    return ""
