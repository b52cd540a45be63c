"""What we ask LINE about a new follower, before her follow event is handled: her
profile's language (all we keep of it), and, when that is English, her rich menu.

This runs on the event loop, outside any transaction, so that a slow LINE never holds
a database transaction open. Failures are logged and ignored: she then gets Thai, and
the default menu. LINE is reached through the `FollowerApi` port, injected by the
composition root (`api/app.py`: the LINE adapter under the channel's shared rate limit);
the chatbot imports no HTTP client.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Final, Protocol

from moph_connect.chatbot.service import Profile
from moph_connect.line.port import FollowerApi, LineApiError
from moph_connect.messages import lang_for
from moph_connect.richmenu.layout import menu_name

log = logging.getLogger(__name__)

MENU_CACHE_SECONDS: Final = 600.0
# A follower's profile is worth waiting this long for, not more: the greeting waits on it.
PROFILE_TIMEOUT_SECONDS: Final = 3.0
# Follows looked up at once: each waits for a slot of the channel's rate anyway.
LOOKUP_CONCURRENCY: Final = 16


class FollowerLookup(Protocol):
    async def on_follow(self, channel: str, user_id: str) -> Profile | None: ...

    async def close(self) -> None: ...


class LineFollowerLookup:
    def __init__(self, api: FollowerApi) -> None:
        self.api = api
        self._menus: dict[str, tuple[float, str]] = {}

    async def on_follow(self, channel: str, user_id: str) -> Profile | None:
        try:
            found = await self.api.profile(channel, user_id)
        except LineApiError as error:
            log.warning("could not read a new follower's LINE profile: %s", error)
            return None
        if found is None:
            return None  # she blocked us again already
        language = found.get("language")
        profile = Profile(language if isinstance(language, str) else None)
        if lang_for(profile.language) == "en":
            await self._link_english_menu(channel, user_id)
        return profile

    async def _english_menu(self, channel: str, *, fresh: bool = False) -> str | None:
        """The channel's English menu; remembered for a while once found (never its
        absence: it may be set up at any moment)."""
        cached = self._menus.get(channel)
        if cached is not None and not fresh and time.monotonic() - cached[0] < MENU_CACHE_SECONDS:
            return cached[1]
        wanted = menu_name("en")
        menus = await self.api.rich_menus(channel)
        found = next((m.get("richMenuId") for m in menus if m.get("name") == wanted), None)
        if not isinstance(found, str):
            self._menus.pop(channel, None)
            return None
        self._menus[channel] = (time.monotonic(), found)
        return found

    async def _link_english_menu(self, channel: str, user_id: str) -> None:
        try:
            menu_id = await self._english_menu(channel)
            if menu_id is None:
                return  # no English menu set up on this channel (yet)
            try:
                await self.api.link_rich_menu(channel, user_id, menu_id)
            except LineApiError as error:
                if error.status not in (400, 404):
                    raise
                # The menu may have been replaced since we looked: look again, once.
                fresh = await self._english_menu(channel, fresh=True)
                if fresh is not None and fresh != menu_id:
                    await self.api.link_rich_menu(channel, user_id, fresh)
        except LineApiError as error:
            log.warning("could not link the English rich menu: %s", error)

    async def close(self) -> None:
        await self.api.close()


async def look_up_all(
    followers: FollowerLookup, follows: Sequence[tuple[str, str, str]]
) -> dict[str, Profile]:
    """The profiles of new followers, `(key, channel, user id)` each, by key; a look-up
    that fails is logged and left out (it must never stop event processing)."""
    slots = asyncio.Semaphore(LOOKUP_CONCURRENCY)

    async def look_up(key: str, channel: str, user_id: str) -> tuple[str, Profile | None]:
        async with slots:
            try:
                return key, await followers.on_follow(channel, user_id)
            except Exception:
                log.exception("looking up a follower failed")
                return key, None

    found = await asyncio.gather(*(look_up(*follow) for follow in follows))
    return {key: profile for key, profile in found if profile is not None}
