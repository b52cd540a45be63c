"""The `MessageSender` port: what the dispatcher needs of LINE, and what it gets back.

Plain data and a protocol, no HTTP: the pure outcome rules (`outbox/outcomes.py`) and
test fakes depend on this, the LINE adapter (`line/sender.py`) implements it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

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
