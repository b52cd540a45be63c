"""The ports to LINE: what the service needs of it, and what it gets back.

- `MessageSender`: what the dispatcher needs (push, reply); `line/sender.py` implements it.
- `FollowerApi`: what the chatbot asks LINE about a new follower (her profile, linking
  her rich menu); `line/api.py` implements it, `ratelimits/line.py` paces it.

Plain data and protocols, no HTTP: the pure outcome rules (`outbox/outcomes.py`), the
chatbot and test doubles depend on this, never on an adapter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

OutcomeStatus = Literal["sent", "duplicate", "retry", "rate_limited", "unauthorized", "rejected"]


@dataclass(frozen=True)
class SendOutcome:
    status: OutcomeStatus
    request_id: str | None = None
    detail: str = ""
    retry_after: float | None = None
    # What LINE answered, as `moph_connect_line_responses_total` labels it: the HTTP
    # status ("200", "429"), "timeout", or "error" (no answer: connection refused or
    # reset, no token). None: the sender does not say (test doubles); not counted.
    answer: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status in ("sent", "duplicate")


class MessageSender(Protocol):
    async def push(
        self, channel: str, to: str, messages_json: str, retry_key: str
    ) -> SendOutcome: ...

    async def reply(self, channel: str, reply_token: str, messages_json: str) -> SendOutcome: ...

    async def close(self) -> None: ...


class LineApiError(Exception):
    """LINE answered a call with an error (or could not be reached: `status` 0)."""

    def __init__(self, status: int, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(f"LINE API: HTTP {status}: {message}" if status else message)
        self.status = status
        self.message = message
        self.retry_after = retry_after  # seconds, from a 429's Retry-After


class FollowerApi(Protocol):
    """LINE's calls about one follower, other than sending her messages."""

    async def profile(self, channel: str, user_id: str) -> dict[str, Any] | None:
        """Her profile, or None if LINE has none for us (she is no longer a friend)."""
        ...

    async def rich_menus(self, channel: str) -> list[dict[str, Any]]: ...

    async def link_rich_menu(self, channel: str, user_id: str, menu_id: str) -> None: ...

    async def close(self) -> None: ...
