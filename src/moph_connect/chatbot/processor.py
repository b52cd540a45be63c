"""Stored LINE webhook events processed, after LINE has had its answer.

`chatbot/intake.py` stores each event and answers LINE; `WebhookProcessor` then handles
the stored events one transaction each, in the order they happened; events left
unprocessed by a crash are picked up at the next start. What it needs of LINE (a new
follower's profile) comes through the injected `FollowerLookup`; the queries are
`chatbot/repository.py`'s.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from moph_connect.chatbot.config import ChatbotConfig
from moph_connect.chatbot.events import parse_event
from moph_connect.chatbot.followers import FollowerLookup, look_up_all
from moph_connect.chatbot.repository import WebhookEventRepository
from moph_connect.chatbot.service import ChatbotService, Profile
from moph_connect.clock import Clock
from moph_connect.db.uow import Database

log = logging.getLogger(__name__)

BATCH_SIZE: Final = 1000


@dataclass(frozen=True)
class _Pending:
    environment: str
    event_id: str
    follower: str | None  # the user id of a follow event, whose profile we look up first
    order: tuple[datetime, int]


class WebhookProcessor:
    """Processes stored webhook events, one transaction each, in the order they happened.

    For a follow, her LINE profile is read first, on the event loop and outside any
    transaction (`followers`); then the events are handled in a worker thread.
    """

    def __init__(
        self,
        database: Database,
        clock: Clock,
        on_planned: Callable[[], None] | None = None,
        *,
        config: ChatbotConfig | None = None,
        followers: FollowerLookup | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.on_planned = on_planned
        self.config = config or ChatbotConfig()
        self.followers = followers
        self._lock = asyncio.Lock()

    async def close(self) -> None:
        if self.followers is not None:
            await self.followers.close()

    async def process_pending(self) -> int:
        async with self._lock:  # one pass at a time keeps per-user order
            done = 0
            while batch := await asyncio.to_thread(self._pending):
                profiles = await self._profiles(batch)
                await asyncio.to_thread(self._process_batch, batch, profiles)
                done += len(batch)
        if done and self.on_planned is not None:
            self.on_planned()
        return done

    def _pending(self) -> list[_Pending]:
        with self.database.transaction() as session:
            stored = WebhookEventRepository(session).unprocessed(BATCH_SIZE)
        pending = []
        for row in stored:
            incoming = parse_event(row.event if isinstance(row.event, dict) else {})
            follower = incoming.user_id if incoming.kind == "follow" else None
            stamp = int(incoming.at.timestamp() * 1000) if incoming.at is not None else 0
            order = (row.received_at, stamp)
            pending.append(_Pending(row.environment, row.webhook_event_id, follower, order))
        # Events of one delivery share `received_at`: LINE's timestamps order them.
        return sorted(pending, key=lambda p: p.order)

    async def _profiles(self, batch: list[_Pending]) -> dict[str, Profile]:
        if self.followers is None:
            return {}
        follows = [(p.event_id, p.environment, p.follower) for p in batch if p.follower is not None]
        return await look_up_all(self.followers, follows)

    def _process_batch(self, batch: list[_Pending], profiles: dict[str, Profile]) -> None:
        for pending in batch:
            self._process_one(pending.environment, pending.event_id, profiles.get(pending.event_id))

    def _process_one(self, environment: str, event_id: str, profile: Profile | None = None) -> None:
        now = self.clock.now()
        try:
            with self.database.transaction() as session:
                events = WebhookEventRepository(session)
                stored = events.to_process(environment, event_id)
                if stored is None:
                    return
                ChatbotService(session, environment, self.config).handle(
                    stored.event, now, profile=profile
                )
                events.mark_processed(stored, now)
        except Exception as error:
            # Record the failure so one poisonous event cannot block the rest: its class
            # only, since a message may quote what she wrote.
            log.error("webhook event %s could not be processed: %s", event_id, type(error).__name__)
            with self.database.transaction() as session:
                WebhookEventRepository(session).mark_failed(
                    environment, event_id, now, type(error).__name__
                )
