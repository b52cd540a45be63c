"""The phone view: a LINE-like chat page at the emulator's root, and the control endpoints
it reads (the channels, a user's chat as a long-poll feed, the rich menu they see).

The page and its assets are files beside this module (`phone/`), served from memory with
a strict Content-Security-Policy: scripts and styles from here only, no inline code.
Every URL the page uses is relative, so it works at the emulator's own root and mounted
below `/line-emulator` in our service alike.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Final

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive

from line_emulator.control import ControlError
from line_emulator.core import Emulator
from line_emulator.responses import json_response
from line_emulator.state import User, iso_utc

MAX_WAIT_SECONDS: Final = 30.0
# A first look at a chat shows at most this many of its latest entries.
MAX_ENTRIES: Final = 500

_ASSET_TYPES: Final = {
    "index.html": "text/html; charset=utf-8",
    "phone.css": "text/css; charset=utf-8",
    "flex.css": "text/css; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "api.js": "text/javascript; charset=utf-8",
    "actions.js": "text/javascript; charset=utf-8",
    "chat.js": "text/javascript; charset=utf-8",
    "flex.js": "text/javascript; charset=utf-8",
    "richmenu.js": "text/javascript; charset=utf-8",
    "icon.svg": "image/svg+xml",
}
# Message images (Flex heroes, image messages) come from wherever the bot points.
_CSP: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' http: https:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)
_SECURITY_HEADERS: Final = {
    "Content-Security-Policy": _CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


@dataclass(frozen=True)
class _Asset:
    body: bytes
    media_type: str
    etag: str


@cache
def _asset(name: str) -> _Asset:
    body = resources.files("line_emulator").joinpath("phone", name).read_bytes()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return _Asset(body, _ASSET_TYPES[name], etag)


def _serve(request: Request, name: str) -> Response:
    asset = _asset(name)
    headers = _SECURITY_HEADERS | {"ETag": asset.etag}
    if request.headers.get("if-none-match") == asset.etag:
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)


def chat_entries(user: User, after: int) -> tuple[list[dict[str, Any]], bool]:
    """The user's chat after sequence number `after`: bot messages and their own, in the
    order they happened (numbered from 1), and whether older entries were left out."""
    total = len(user.inbox) + len(user.said)
    start = max(after, total - MAX_ENTRIES)
    entries: list[dict[str, Any]] = []
    said = user.said
    said_index = 0
    seq = 0

    def take_said_until(position: int) -> None:
        nonlocal said_index, seq
        while said_index < len(said) and said[said_index].position <= position:
            seq += 1
            if seq > start:
                entry = said[said_index]
                entries.append(
                    {
                        "seq": seq,
                        "from": "user",
                        "at": iso_utc(entry.said_at),
                        "message": entry.message,
                    }
                )
            said_index += 1

    for index, inbox_entry in enumerate(user.inbox):
        take_said_until(index)
        seq += 1
        if seq > start:
            entries.append(
                {
                    "seq": seq,
                    "from": "bot",
                    "at": iso_utc(inbox_entry.received_at),
                    "message": orjson.Fragment(inbox_entry.message),
                }
            )
    take_said_until(len(user.inbox))
    return entries, start > after


async def _until_disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _wait(request: Request, event: asyncio.Event, seconds: float) -> None:
    """Until `event` is set, `seconds` pass, or the client hangs up (a closed page must
    not hold the request, nor the server's shutdown)."""
    waiter = asyncio.ensure_future(event.wait())
    watcher = asyncio.ensure_future(_until_disconnected(request.receive))
    try:
        await asyncio.wait({waiter, watcher}, timeout=seconds, return_when="FIRST_COMPLETED")
    finally:
        waiter.cancel()
        watcher.cancel()


def _query_number(request: Request, name: str, high: float) -> float:
    raw = request.query_params.get(name)
    if raw is None:
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        raise ControlError(400, f"'{name}' must be a number") from None
    if not (math.isfinite(value) and 0 <= value <= high):
        raise ControlError(400, f"'{name}' must be between 0 and {high:g}")
    return value


class PhoneApi:
    def __init__(self, emulator: Emulator) -> None:
        self._emulator = emulator
        self._state = emulator.state
        self._menus = emulator.rich_menus

    def routes(self) -> list[Route]:
        users = "/control/users/{user_id}"
        return [
            Route("/", self.page, methods=["GET"]),
            Route("/phone/{name}", self.asset, methods=["GET"]),
            Route("/control/channels", self.channels, methods=["GET"]),
            Route(f"{users}/chat", self.chat, methods=["GET"]),
            Route(f"{users}/richmenu", self.user_rich_menu, methods=["GET"]),
            Route("/control/richmenus/{menu_id}/content", self.rich_menu_image, methods=["GET"]),
        ]

    async def page(self, request: Request) -> Response:
        return _serve(request, "index.html")

    async def asset(self, request: Request) -> Response:
        name: str = request.path_params["name"]
        if name not in _ASSET_TYPES or name == "index.html":
            raise ControlError(404, "Not found")
        return _serve(request, name)

    async def channels(self, request: Request) -> Response:
        channels = [
            {"name": channel.name, "botDisplayName": channel.bot_display_name}
            for channel in self._emulator.config.channels.values()
        ]
        return json_response({"channels": channels})

    def _user(self, request: Request) -> User:
        user = self._state.users.get(request.path_params["user_id"])
        if user is None:
            raise ControlError(404, "Unknown user")
        return user

    def _total(self, user: User) -> int:
        return len(user.inbox) + len(user.said)

    async def chat(self, request: Request) -> Response:
        """`?after=N&generation=G&wait=S`: the entries after N; when there are none, wait
        up to S seconds (at most 30) for something about the user to change. A reset of
        the emulator starts the numbering again under a new generation; a client that
        names an old generation gets the chat from the start."""
        user = self._user(request)
        after = int(_query_number(request, "after", float(2**53)))
        wait = _query_number(request, "wait", MAX_WAIT_SECONDS)
        generation = request.query_params.get("generation")

        def stale() -> bool:
            return generation is not None and generation != str(self._state.generation)

        if wait > 0 and not stale() and self._total(user) <= after:
            await _wait(request, self._state.changes.event(user.user_id), wait)
        if stale():
            after = 0
        entries, truncated = chat_entries(user, after)
        shown = self._menus.shown_to(user.channel, user.user_id)
        return json_response(
            {
                "userId": user.user_id,
                "channel": user.channel,
                "displayName": user.display_name,
                "language": user.language,
                "following": user.following,
                "generation": self._state.generation,
                "seq": self._total(user),
                "richMenuId": None if shown is None else shown[0].rich_menu_id,
                "truncated": truncated,
                "entries": entries,
            }
        )

    async def user_rich_menu(self, request: Request) -> Response:
        """The rich menu the user sees: linked to them, else the channel's default."""
        user = self._user(request)
        shown = self._menus.shown_to(user.channel, user.user_id)
        if shown is None:
            raise ControlError(404, "The user sees no rich menu")
        menu, source = shown
        # Absolute, and below the emulator's own base when it is mounted in another app.
        base = request.url.path.rsplit("/control/users/", 1)[0]
        path = f"{base}/control/richmenus/{menu.rich_menu_id}/content"
        image_url = str(request.url.replace(path=path, query=""))
        return json_response(
            {
                "userId": user.user_id,
                "source": source,
                "richMenu": menu.to_json(),
                "imageUrl": image_url,
            }
        )

    async def rich_menu_image(self, request: Request) -> Response:
        menu = self._menus.find(request.path_params["menu_id"])
        if menu is None or menu.image is None:
            raise ControlError(404, "No such rich menu image")
        return Response(
            menu.image.data,
            media_type=menu.image.media_type,
            headers={"Cache-Control": "max-age=3600, immutable"},  # a menu's image never changes
        )
