"""A message's delivery story, from its row and its recorded steps: pure, no I/O.

Planned (the row was written), due, then each step the dispatcher recorded (a send with
LINE's status and request id, a hold by the timing rules and why), then where it is now:
sent, failed, dropped (the timing rules gave up on it: too late to be of use), cancelled
(and why), or still waiting (until when).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

# How the dispatcher words a failure that the timing rules decided (outbox/outcomes.py).
DROPPED_PREFIX: Final = "not sent: "


@dataclass(frozen=True)
class Step:
    at: datetime
    attempt: int | None
    outcome: str
    line_status: str | None
    request_id: str | None
    detail: str | None


@dataclass(frozen=True)
class MessageState:
    status: str
    created_at: datetime
    due_at: datetime
    available_at: datetime
    sent_at: datetime | None
    last_error: str | None
    line_request_id: str | None


@dataclass(frozen=True)
class Event:
    at: datetime | None  # None: no time is known (a cancellation is not timed)
    kind: str  # planned, due, a step's outcome, sent, failed, dropped, cancelled, waiting
    detail: str = ""
    attempt: int | None = None
    line_status: str | None = None
    request_id: str | None = None


def final_state(state: MessageState) -> Event:
    if state.status == "sent":
        return Event(state.sent_at, "sent", request_id=state.line_request_id)
    if state.status == "failed":
        error = state.last_error or ""
        if error.startswith(DROPPED_PREFIX):
            return Event(None, "dropped", error.removeprefix(DROPPED_PREFIX))
        return Event(None, "failed", error)
    if state.status == "cancelled":
        return Event(None, "cancelled", state.last_error or "")
    if state.status == "sending":
        return Event(None, "sending")
    # Pending: it goes (again) at `available_at`, the due time or the next retry.
    return Event(state.available_at, "waiting", state.last_error or "")


def timeline(state: MessageState, steps: list[Step]) -> list[Event]:
    events = [Event(state.created_at, "planned"), Event(state.due_at, "due")]
    events.sort(key=lambda event: event.at or state.created_at)
    for step in sorted(steps, key=lambda s: s.at):
        events.append(
            Event(
                step.at,
                step.outcome,
                step.detail or "",
                attempt=step.attempt,
                line_status=step.line_status,
                request_id=step.request_id,
            )
        )
    events.append(final_state(state))
    return events
