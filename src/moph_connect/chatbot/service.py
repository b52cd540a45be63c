"""The conversation's front door: one LINE event in, the user's state updated and at
most one reply (up to five messages) planned in the outbox.

Who the event is from decides what happens before any flow runs:

- follow: she is (again) a follower; her LINE language is kept; the greeting is the
  privacy notice until she accepts it, then a plain welcome;
- unfollow: she blocked us; her pending messages are cancelled;
- an event older than her last follow or block (LINE redelivers late, and in any order)
  changes nothing and gets no answer;
- a message or tap from someone we have no follow for (the follow was lost, or she chats
  without adding us) is answered, and she becomes a follower;
- the first message or tap of a patient loaded from the MOPH Connect that ran before,
  with no consent (`registrations import`), is answered with the privacy notice first;
- events from groups and rooms, and events in standby mode, are not ours to answer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from moph_connect import messages
from moph_connect.chatbot.config import ChatbotConfig
from moph_connect.chatbot.consent_rules import greeting, notice_first
from moph_connect.chatbot.conversation import notice_owed
from moph_connect.chatbot.events import Incoming, parse_event
from moph_connect.chatbot.finder import DirectoryFinder, HospitalFinder
from moph_connect.chatbot.replies import MAX_MESSAGES_PER_REPLY, add_reply
from moph_connect.chatbot.router import route
from moph_connect.chatbot.turn import Message, Turn
from moph_connect.db.models import LineUser
from moph_connect.outbox.repository import OutboxRepository
from moph_connect.patients.repository import PatientRepository

log = logging.getLogger(__name__)

_CONVERSATIONAL = frozenset({"message", "postback"})


@dataclass(frozen=True)
class Profile:
    """What we keep from her LINE profile: only its language."""

    language: str | None


class ChatbotService:
    def __init__(
        self,
        session: Session,
        environment: str,
        config: ChatbotConfig | None = None,
        finder: HospitalFinder | None = None,
    ) -> None:
        self.session = session
        self.environment = environment
        self.finder: HospitalFinder = finder or DirectoryFinder(session)
        self.config = config or ChatbotConfig()
        self.patients = PatientRepository(session)
        self.outbox = OutboxRepository(session)

    def handle(
        self, event: Mapping[str, Any], now: datetime, *, profile: Profile | None = None
    ) -> None:
        incoming = parse_event(event)
        if incoming.user_id is None or incoming.standby:
            return
        at = incoming.happened_at(now)
        if incoming.kind == "unfollow":
            self._unfollow(incoming.user_id, at)
            return
        if incoming.kind == "follow":
            user = self._follow(incoming.user_id, at, profile)
            if user is None:
                return
            answer = self._greeting(user, now, incoming)
        elif incoming.kind in _CONVERSATIONAL:
            user = self._speaker(incoming.user_id, at)
            if user is None:
                return
            owed = notice_owed(user.conversation)
            if owed:  # taken before the flow runs: it may ask a question of its own
                self.patients.set_conversation(user, None)
            turn = self._turn(user, now, incoming)
            answer = route(turn, incoming)
            if notice_first(
                answer, self.config.notice_version, owed=owed, consented=turn.consented
            ):
                answer = _with_notice(answer, turn)
        else:
            return  # read receipts, unsends, video views, ...
        add_reply(
            self.outbox,
            environment=self.environment,
            event_id=incoming.event_id,
            line_user_id=user.line_user_id,
            reply_token=incoming.reply_token,
            messages=answer,
            now=now,
        )

    def _turn(self, user: LineUser, now: datetime, incoming: Incoming) -> Turn:
        return Turn(
            session=self.session,
            environment=self.environment,
            event_id=incoming.event_id,
            user=user,
            now=now,
            config=self.config,
            finder=self.finder,
        )

    def _follow(self, user_id: str, at: datetime, profile: Profile | None) -> LineUser | None:
        existing = self.patients.line_user(self.environment, user_id)
        if existing is not None and _stale_follow(existing, at):
            if existing.following and profile is not None:
                self.patients.set_language(existing, profile.language)  # still current
            return None
        user = self.patients.follow(self.environment, user_id, at)
        if profile is not None:
            self.patients.set_language(user, profile.language)
        return user

    def _greeting(self, user: LineUser, now: datetime, incoming: Incoming) -> list[Message]:
        turn = self._turn(user, now, incoming)
        name = self.config.bot_name(self.environment)
        if notice_owed(user.conversation):
            self.patients.set_conversation(user, None)  # shown now, whichever greeting
        if greeting(has_consented=turn.consented) == "welcome":
            return [messages.welcome(name, turn.lang)]
        return [
            messages.privacy_notice(
                turn.lang,
                version=self.config.notice_version,
                welcome_to=name,
                retention_days=self.config.retention_days,
            )
        ]

    def _speaker(self, user_id: str, at: datetime) -> LineUser | None:
        """Who sent a message or tapped a button; None if the event is stale."""
        user = self.patients.line_user(self.environment, user_id)
        blocked_at = None if user is None or user.following else user.unfollowed_at
        if blocked_at is not None and at <= blocked_at:
            return None  # sent before she blocked us: delivered late, no answer
        return self.patients.follow(self.environment, user_id, at)

    def _unfollow(self, user_id: str, at: datetime) -> None:
        user = self.patients.line_user(self.environment, user_id)
        if user is None or at < user.followed_at:
            return  # never known, or a block from before her latest follow
        self.patients.unfollow(self.environment, user_id, at)
        cancelled = self.outbox.cancel_open_for_user(
            self.environment, user_id, "the patient blocked MOPH Connect"
        )
        if cancelled:
            log.info("unfollow cancelled %d pending message(s)", cancelled)


def _with_notice(answer: list[Message], turn: Turn) -> list[Message]:
    """The privacy notice first (`consent_rules.notice_first` says when)."""
    notice = messages.privacy_notice(
        turn.lang, version=turn.config.notice_version, retention_days=turn.config.retention_days
    )
    return [notice, *answer][:MAX_MESSAGES_PER_REPLY]


def _stale_follow(user: LineUser, at: datetime) -> bool:
    """A follow from before her latest block, or from before the follow we know of:
    delivered late, out of order."""
    if user.unfollowed_at is not None and at < user.unfollowed_at:
        return True
    return user.following and at < user.followed_at
