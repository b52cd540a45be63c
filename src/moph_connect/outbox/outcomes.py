"""What each send's outcome means for its outbox row: pure rules, no I/O.

The dispatcher gathers the results of a batch and `sort_outcomes` turns them into the
updates one transaction then applies: sent (LINE's request id kept), retry later (with
exponential backoff and jitter, at least as long as LINE's Retry-After), failed for good,
or released unsent (held by the timing rules, or the channel paused), plus which channels
to slow down (429) or pause (401/403) and which reply tokens LINE refused.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from moph_connect.line.port import SendOutcome
from moph_connect.outbox.types import ClaimedMessage, Failure, Retry, Step
from moph_connect.scheduling.rules import PRIORITY, Delivery, deliverable_now


@dataclass(frozen=True)
class Backoff:
    base_seconds: float = 1.0
    cap_seconds: float = 300.0

    def seconds(self, attempts: int) -> float:
        """Exponential backoff with jitter in [half, full] of the step, capped."""
        step = min(self.cap_seconds, self.base_seconds * 2.0 ** (attempts - 1))
        return step * (0.5 + random.random() / 2)


@dataclass(frozen=True)
class Result:
    message: ClaimedMessage
    outcome: SendOutcome | None  # None: held back by the timing rules, see `verdict`
    verdict: Delivery | None = None
    # LINE refused the row's reply token (used or expired): later attempts must push.
    reply_token_spent: bool = False


@dataclass
class Outcomes:
    sent: list[tuple[int, str | None]] = field(default_factory=list)
    # Seconds from due to now for each of `sent` (moph_connect_send_delay_seconds).
    sent_delays: list[float] = field(default_factory=list)
    retries: list[Retry] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    released: list[Retry] = field(default_factory=list)
    rate_limited: set[str] = field(default_factory=set)  # channels LINE answered 429
    unauthorized: dict[str, str] = field(default_factory=dict)  # channel → LINE's words
    spent_reply_tokens: list[int] = field(default_factory=list)  # row ids
    steps: list[Step] = field(default_factory=list)  # the timeline's lines, one per result


def delivery_verdict(message: ClaimedMessage, now: datetime) -> Delivery | None:
    """The timing rules' word on a due message (None: chat replies, always sent)."""
    if message.kind not in PRIORITY or message.appointment_date is None:
        return None
    return deliverable_now(message.kind, message.due_at, now, message.appointment_date)


def sort_outcomes(
    results: list[Result], now: datetime, max_attempts: int, backoff: Backoff
) -> Outcomes:
    out = Outcomes()
    for result in results:
        message, outcome = result.message, result.outcome
        if outcome is None:
            verdict = result.verdict
            assert verdict is not None
            if verdict.action == "drop":
                out.failures.append(Failure(message.id, f"not sent: {verdict.reason}"))
                out.steps.append(Step(message.id, None, "dropped", detail=verdict.reason))
            else:  # hold: back to pending until it may go, the attempt not counted
                out.released.append(Retry(message.id, verdict.hold_until or now, verdict.reason))
                out.steps.append(Step(message.id, None, "held", detail=verdict.reason))
            continue
        out.steps.append(_step(message, outcome, max_attempts))
        if result.reply_token_spent and not outcome.delivered:
            out.spent_reply_tokens.append(message.id)
        if outcome.delivered:
            out.sent.append((message.id, outcome.request_id))
            out.sent_delays.append(max(0.0, (now - message.due_at).total_seconds()))
        elif outcome.status == "rejected":
            out.failures.append(Failure(message.id, outcome.detail))
        elif outcome.status == "unauthorized":
            out.released.append(Retry(message.id, now, "LINE channel paused: token refused"))
            out.unauthorized[message.environment] = outcome.detail
        elif message.attempts >= max_attempts:
            error = f"gave up after {message.attempts} attempts: {outcome.detail}"
            out.failures.append(Failure(message.id, error))
        else:
            delay = backoff.seconds(message.attempts)
            if outcome.status == "rate_limited":
                out.rate_limited.add(message.environment)
                delay = max(delay, outcome.retry_after or 0.0)
            out.retries.append(Retry(message.id, now + timedelta(seconds=delay), outcome.detail))
    return out


def _step(message: ClaimedMessage, outcome: SendOutcome, max_attempts: int) -> Step:
    """The timeline's line for one send: what became of the row, in the words above."""
    kind: str
    if outcome.delivered:
        kind = outcome.status  # sent, or duplicate (LINE had it from an earlier attempt)
    elif outcome.status == "rejected":
        kind = "failed"
    elif outcome.status == "unauthorized":
        kind = "paused"
    elif message.attempts >= max_attempts:
        kind = "failed"
    elif outcome.status == "rate_limited":
        kind = "rate_limited"
    else:
        kind = "retry"
    return Step(
        message.id,
        message.attempts,
        kind,
        line_status=outcome.answer,
        request_id=outcome.request_id,
        detail=outcome.detail,
    )
