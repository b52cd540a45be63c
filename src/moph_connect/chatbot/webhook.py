"""LINE webhooks: verified, stored, answered at once, processed after the answer.

LINE waits for our 200 and redelivers on failure, so the endpoint does the least it can:
check the signature over the raw body (constant time), store each event keyed by its
`webhookEventId` (a redelivery or replay is ignored), and return. `WebhookProcessor` then
handles stored events one transaction each; events left unprocessed by a crash are picked
up at the next start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import orjson

from line_contract.signature import matches as signature_matches
from moph_connect.chatbot.config import ChatbotConfig
from moph_connect.chatbot.events import parse_event
from moph_connect.chatbot.followers import FollowerLookup, LineFollowerLookup
from moph_connect.chatbot.line_api import LineApi
from moph_connect.chatbot.repository import WebhookEventRepository
from moph_connect.chatbot.service import ChatbotService, Profile
from moph_connect.clock import Clock
from moph_connect.db.uow import Database
from moph_connect.errors import BadRequest, Unauthorized
from moph_connect.runtime import Runtime

log = logging.getLogger(__name__)

BATCH_SIZE: Final = 1000
PROFILE_CONCURRENCY: Final = 16
# A follower's profile is worth waiting this long for, not more: the greeting waits on it.
PROFILE_TIMEOUT_SECONDS: Final = 3.0


def verify_signature(secret: str, body: bytes, signature: str | None) -> None:
    if not signature:
        raise Unauthorized("Missing x-line-signature header.")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("The webhook body is not UTF-8.") from None
    if not signature_matches(secret, body, signature):
        raise Unauthorized("The x-line-signature does not match the body.")


def parse_events(body: bytes) -> list[dict[str, Any]]:
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise BadRequest("The webhook body is not JSON.") from None
    events = parsed.get("events") if isinstance(parsed, dict) else None
    if not isinstance(events, list):
        raise BadRequest("The webhook body has no 'events' array.")
    return [e for e in events if isinstance(e, dict) and isinstance(e.get("webhookEventId"), str)]


@dataclass(frozen=True)
class _Pending:
    environment: str
    event_id: str
    follower: str | None  # the user id of a follow event, whose profile we look up first
    order: tuple[datetime, int]


class WebhookProcessor:
    """Processes stored webhook events, one transaction each, in the order they happened.

    For a follow, her LINE profile is read first, on the event loop and outside any
    transaction (`FollowerLookup`); then the events are handled in a worker thread.
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
        self._given = (config is not None, followers is not None)
        self._lock = asyncio.Lock()

    @classmethod
    def for_runtime(cls, runtime: Runtime) -> WebhookProcessor:
        """The processor of a running service: its settings, LINE channels and clock."""
        processor = cls(runtime.database, runtime.clock, runtime.wake_dispatcher)
        processor.adopt(runtime)
        return processor

    def adopt(self, runtime: Runtime) -> None:
        """Take the service's settings (survey expiry) and LINE channels (profiles, menus),
        unless given when it was made."""
        config_given, followers_given = self._given
        if not config_given:
            self.config = ChatbotConfig.from_settings(runtime.settings)
            self._given = (True, followers_given)
        if not followers_given and self.followers is None:
            api = LineApi.from_settings(
                runtime.settings,
                timeout_seconds=min(
                    PROFILE_TIMEOUT_SECONDS, runtime.settings.line_request_timeout_seconds
                ),
            )
            self.followers = LineFollowerLookup(api)

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
        followers = self.followers
        if followers is None:
            return {}
        wanted = [p for p in batch if p.follower is not None]
        slots = asyncio.Semaphore(PROFILE_CONCURRENCY)

        async def look_up(pending: _Pending) -> tuple[str, Profile | None]:
            assert pending.follower is not None
            async with slots:
                try:
                    return pending.event_id, await followers.on_follow(
                        pending.environment, pending.follower
                    )
                except Exception:  # a lookup must never stop event processing
                    log.exception("looking up a follower failed")
                    return pending.event_id, None

        found = await asyncio.gather(*(look_up(p) for p in wanted))
        return {event_id: profile for event_id, profile in found if profile is not None}

    def _process_batch(self, batch: list[_Pending], profiles: dict[str, Profile]) -> None:
        for pending in batch:
            self._process_one(pending.environment, pending.event_id, profiles.get(pending.event_id))

    def _process_one(self, environment: str, event_id: str, profile: Profile | None = None) -> None:
        now = self.clock.now()
        try:
            with self.database.transaction() as session:
                stored = WebhookEventRepository(session).get(environment, event_id)
                if stored is None or stored.processed_at is not None:
                    return
                ChatbotService(session, environment, self.config).handle(
                    stored.event, now, profile=profile
                )
                stored.processed_at = now
        except Exception as error:
            # Record the failure so one poisonous event cannot block the rest: its class
            # only, since a message may quote what she wrote.
            log.error("webhook event %s could not be processed: %s", event_id, type(error).__name__)
            with self.database.transaction() as session:
                stored = WebhookEventRepository(session).get(environment, event_id)
                if stored is not None:
                    stored.processed_at = now
                    stored.error = type(error).__name__
