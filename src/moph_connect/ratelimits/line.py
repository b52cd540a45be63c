"""LINE's per-channel rate for the calls that are not sends: a new follower's profile and
her rich-menu link take their slots from the same GCRA row as the dispatcher's pushes
(`outbox/repository.RateLimitRepository`), so that a wave of follows cannot push the
channel over LINE's limit while a reminder burst is going out.

Each call books one slot (a short transaction of its own, in a thread), waits for it on
the event loop, then calls LINE. A 429 pushes every worker's next slot on that channel
back, as the dispatcher does, and is passed on to the caller.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Final

from moph_connect.db.uow import Database
from moph_connect.line.port import FollowerApi, LineApiError
from moph_connect.outbox.repository import RateLimitRepository

# When LINE says 429 without a Retry-After: the dispatcher's own back-off.
BACK_OFF_SECONDS: Final = 1.0


class RateLimitedApi:
    """A `FollowerApi` whose every call keeps to the channel's shared send rate."""

    def __init__(self, api: FollowerApi, database: Database, rate_per_second: float) -> None:
        self.api = api
        self.database = database
        self.interval = 1.0 / rate_per_second

    def _book(self, channel: str) -> float:
        with self.database.transaction() as session:
            return RateLimitRepository(session).reserve(channel, 1, self.interval, time.time())

    def _back_off(self, channel: str, seconds: float) -> None:
        with self.database.transaction() as session:
            RateLimitRepository(session).back_off(channel, time.time(), seconds)

    async def _slot(self, channel: str) -> None:
        slot = await asyncio.to_thread(self._book, channel)
        delay = slot - time.time()
        if delay > 0:
            await asyncio.sleep(delay)

    async def _answered(self, channel: str, error: LineApiError) -> None:
        if error.status == 429:
            seconds = error.retry_after or BACK_OFF_SECONDS
            await asyncio.to_thread(self._back_off, channel, seconds)

    async def profile(self, channel: str, user_id: str) -> dict[str, Any] | None:
        await self._slot(channel)
        try:
            return await self.api.profile(channel, user_id)
        except LineApiError as error:
            await self._answered(channel, error)
            raise

    async def rich_menus(self, channel: str) -> list[dict[str, Any]]:
        await self._slot(channel)
        try:
            return await self.api.rich_menus(channel)
        except LineApiError as error:
            await self._answered(channel, error)
            raise

    async def link_rich_menu(self, channel: str, user_id: str, menu_id: str) -> None:
        await self._slot(channel)
        try:
            await self.api.link_rich_menu(channel, user_id, menu_id)
        except LineApiError as error:
            await self._answered(channel, error)
            raise

    async def close(self) -> None:
        await self.api.close()
