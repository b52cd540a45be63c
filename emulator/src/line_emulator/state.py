"""The emulator's memory: users, inboxes, reply tokens, retry keys, faults, limits, stats,
and what users said themselves (for the phone view).

Everything here is synchronous and runs on the server's event loop; a handler never awaits
between reading and updating it, so no lock is needed and no two requests interleave.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, NamedTuple

import orjson

from line_emulator.changes import Changes
from line_emulator.config import EmulatorConfig
from line_emulator.ids import new_reply_token, new_user_id

Via = Literal["push", "reply", "multicast"]
FaultKind = Literal["500", "timeout", "429"]
FAULT_KINDS: tuple[FaultKind, ...] = ("500", "timeout", "429")

# Expired reply tokens are swept once this many are outstanding, bounding memory; the
# threshold then doubles past what survived, so sweeping stays amortised O(1) per token.
_REPLY_TOKEN_SWEEP_AT = 10_000


def iso_utc(instant: datetime) -> str:
    """ISO-8601 in UTC with milliseconds and a `Z`, as `datetime.fromisoformat` reads."""
    return instant.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class InboxEntry(NamedTuple):
    # Kept as bytes and a tuple of atoms rather than parsed JSON: a benchmark leaves
    # hundreds of thousands of messages here, and the garbage collector would otherwise
    # rescan every one of their dicts and lists, slowing every later push.
    message: bytes  # the message object as the client sent it, serialised by orjson
    received_at: datetime  # formatted only when read: the push path is hot
    via: Via
    request_id: str
    retry_key: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "message": orjson.Fragment(self.message),
            "receivedAt": iso_utc(self.received_at),
            "via": self.via,
            "requestId": self.request_id,
            "retryKey": self.retry_key,
        }


class SaidEntry(NamedTuple):
    """A message the user sent (or a postback's `displayText`), as their chat shows it."""

    position: int  # how many inbox entries came before it: where it sits in the chat
    said_at: datetime
    message: dict[str, Any]


@dataclass
class User:
    user_id: str
    channel: str
    display_name: str
    language: str | None
    following: bool = True
    inbox: list[InboxEntry] = field(default_factory=list)
    # Accepted send requests that reached this user (one push of 3 messages counts once).
    deliveries: int = 0
    said: list[SaidEntry] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "userId": self.user_id,
            "displayName": self.display_name,
            "language": self.language,
            "following": self.following,
        }


@dataclass
class ChannelStats:
    requests: int = 0  # authenticated Messaging API requests, whatever their outcome
    accepted: int = 0  # send requests answered 200
    deliveries: int = 0  # (request, recipient) pairs that reached an inbox
    messages_delivered: int = 0  # message objects that reached an inbox
    rate_limited: int = 0  # 429s from the rate limiter (injected 429s count as faults)
    conflicts: int = 0  # 409s: retry key already accepted
    bad_requests: int = 0  # 400s of any cause
    faults_injected: int = 0

    def to_json(self) -> dict[str, int]:
        names = {"rate_limited": "rateLimited", "bad_requests": "badRequests"}
        names |= {"messages_delivered": "messagesDelivered", "faults_injected": "faultsInjected"}
        return {names.get(key, key): value for key, value in asdict(self).items()}


class TokenBucket:
    """A refilling allowance of requests: `rate` per second, bursts up to `capacity`."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        # A tenth of a second's worth, at least one request, mirrors a limit counted over
        # short windows: a client pacing itself at the rate never sees 429.
        self.capacity = max(1.0, rate / 10)
        self._tokens = self.capacity
        self._last = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False


@dataclass
class Fault:
    channel: str | None  # None: any channel
    kind: FaultKind
    remaining: int
    timeout_seconds: float

    def to_json(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "kind": self.kind,
            "remaining": self.remaining,
            "timeoutSeconds": self.timeout_seconds,
        }


class AcceptedRequest(NamedTuple):
    """What a retry key points at: the first accepted request made with it."""

    request_id: str
    # The serialised `sentMessages` array (bytes, like inbox messages, to spare the GC);
    # None for multicast, which answers `{}`.
    sent_messages: bytes | None


@dataclass(frozen=True)
class _ReplyGrant:
    user_id: str
    channel: str
    expires_at: datetime


class EmulatorState:
    def __init__(self, config: EmulatorConfig) -> None:
        self._config = config
        self._clock = config.clock
        self.users: dict[str, User] = {}
        self.stats: dict[str, ChannelStats] = {}
        self.faults: list[Fault] = []
        self._reply_tokens: dict[str, _ReplyGrant] = {}
        self._sweep_reply_tokens_at = _REPLY_TOKEN_SWEEP_AT
        self._accepted: dict[tuple[str, str], AcceptedRequest] = {}
        self._buckets: dict[str, TokenBucket] = {}
        self.unauthorized = 0
        self.changes = Changes()
        # Bumped by every reset, so that a chat view knows its sequence numbers restarted.
        self.generation = 0
        self.reset()

    def now(self) -> datetime:
        return self._clock.now()

    def reset(self) -> None:
        """Forget inboxes, stats, retry keys, reply tokens and faults; keep users."""
        for user in self.users.values():
            user.inbox = []
            user.deliveries = 0
            user.said = []
        self.stats = {name: ChannelStats() for name in self._config.channels}
        self.faults = []
        self._reply_tokens = {}
        self._sweep_reply_tokens_at = _REPLY_TOKEN_SWEEP_AT
        self._accepted = {}
        rate = self._config.rate_limit_per_second
        self._buckets = {} if rate is None else {n: TokenBucket(rate) for n in self.stats}
        self.unauthorized = 0
        self.generation += 1
        self.changes.notify_all()

    # Users

    def create_user(self, channel: str, display_name: str, language: str | None) -> User:
        user = User(new_user_id(), channel, display_name, language)
        self.users[user.user_id] = user
        return user

    def channel_user(self, channel: str, user_id: str) -> User | None:
        """The user as this channel knows them: user IDs are per channel (per provider)."""
        user = self.users.get(user_id)
        return user if user is not None and user.channel == channel else None

    def channel_users(self, channel: str) -> list[User]:
        return [user for user in self.users.values() if user.channel == channel]

    def record_said(self, user: User, message: dict[str, Any]) -> None:
        """Show `message` in the user's chat as theirs (a webhook is sent separately)."""
        user.said.append(SaidEntry(len(user.inbox), self.now(), message))
        self.changes.notify(user.user_id)

    # Reply tokens

    def issue_reply_token(self, user: User) -> str:
        if len(self._reply_tokens) >= self._sweep_reply_tokens_at:
            now = self.now()
            self._reply_tokens = {
                token: grant
                for token, grant in self._reply_tokens.items()
                if grant.expires_at >= now
            }
            self._sweep_reply_tokens_at = max(_REPLY_TOKEN_SWEEP_AT, 2 * len(self._reply_tokens))
        token = new_reply_token()
        expires_at = self.now() + timedelta(seconds=self._config.reply_token_ttl_seconds)
        self._reply_tokens[token] = _ReplyGrant(user.user_id, user.channel, expires_at)
        return token

    def redeem_reply_token(self, channel: str, token: str) -> User | None:
        """The user a token replies to, using it up; None if unknown, used or expired."""
        grant = self._reply_tokens.get(token)
        if grant is None or grant.channel != channel:
            return None
        del self._reply_tokens[token]
        if self.now() > grant.expires_at:
            return None
        return self.users.get(grant.user_id)

    # Retry keys, faults, rate limit

    def accepted_request(self, channel: str, retry_key: str) -> AcceptedRequest | None:
        # A UUID is the same whatever the case of its hex digits.
        return self._accepted.get((channel, retry_key.lower()))

    def accept_retry_key(self, channel: str, retry_key: str, accepted: AcceptedRequest) -> None:
        self._accepted[(channel, retry_key.lower())] = accepted

    def add_fault(self, fault: Fault) -> None:
        self.faults.append(fault)

    def take_fault(self, channel: str) -> Fault | None:
        """The first pending fault for this channel, counting one use of it."""
        for fault in self.faults:
            if fault.channel is None or fault.channel == channel:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def allow_request(self, channel: str) -> bool:
        bucket = self._buckets.get(channel)
        return bucket is None or bucket.take()

    # Delivery

    def deliver(
        self,
        users: Iterable[User],
        messages: list[Any],
        via: Via,
        request_id: str,
        retry_key: str | None,
    ) -> int:
        """Put the messages in each following user's inbox; returns how many users got them.

        A user who blocked the channel silently gets nothing, as at LINE.
        """
        received_at = self.now()
        reached = 0
        serialised: list[bytes] | None = None
        for user in users:
            if not user.following:
                continue
            if serialised is None:
                serialised = [orjson.dumps(message) for message in messages]
            user.inbox.extend(
                InboxEntry(message, received_at, via, request_id, retry_key)
                for message in serialised
            )
            user.deliveries += 1
            self.changes.notify(user.user_id)
            stats = self.stats[user.channel]
            stats.deliveries += 1
            stats.messages_delivered += len(messages)
            reached += 1
        return reached

    def stats_json(self) -> dict[str, Any]:
        return {
            "channels": {name: stats.to_json() for name, stats in self.stats.items()},
            "unauthorized": self.unauthorized,
        }
