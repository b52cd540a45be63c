"""A message's delivery story from its row and steps (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from moph_connect.deliveries.timeline import Event, MessageState, Step, timeline

T0 = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


def state(status: str, last_error: str | None = None, **changes: object) -> MessageState:
    values: dict[str, object] = {
        "status": status,
        "created_at": T0,
        "due_at": T0 + timedelta(hours=1),
        "available_at": T0 + timedelta(hours=2),
        "sent_at": None,
        "last_error": last_error,
        "line_request_id": None,
    }
    values.update(changes)
    return MessageState(**values)  # type: ignore[arg-type]


def test_a_retried_then_sent_message_tells_each_attempt() -> None:
    due = T0 + timedelta(hours=1)
    steps = [
        Step(due + timedelta(seconds=3), 2, "sent", "200", "req-2", None),
        Step(due, 1, "retry", "500", None, "HTTP 500"),
    ]
    sent = state("sent", sent_at=due + timedelta(seconds=3), line_request_id="req-2")
    assert timeline(sent, steps) == [
        Event(T0, "planned"),
        Event(due, "due"),
        Event(due, "retry", "HTTP 500", attempt=1, line_status="500"),
        Event(due + timedelta(seconds=3), "sent", attempt=2, line_status="200", request_id="req-2"),
        Event(due + timedelta(seconds=3), "sent", request_id="req-2"),
    ]


@pytest.mark.parametrize(
    ("row", "last"),
    [
        (state("failed", "HTTP 400: bad"), Event(None, "failed", "HTTP 400: bad")),
        (
            state("failed", "not sent: the appointment is over"),
            Event(None, "dropped", "the appointment is over"),
        ),
        (
            state("cancelled", "moved to 2026-12-02"),
            Event(None, "cancelled", "moved to 2026-12-02"),
        ),
        (
            state("pending", "held until 06:00"),
            Event(T0 + timedelta(hours=2), "waiting", "held until 06:00"),
        ),
        (state("sending"), Event(None, "sending")),
    ],
    ids=lambda value: value.status if isinstance(value, MessageState) else None,
)
def test_where_the_message_is_now(row: MessageState, last: Event) -> None:
    events = timeline(row, [])
    assert events[-1] == last
    assert [e.kind for e in events[:2]] == ["planned", "due"]


def test_a_message_planned_after_it_was_due_starts_with_due() -> None:
    late = state("pending", created_at=T0 + timedelta(hours=3))
    assert [e.kind for e in timeline(late, [])] == ["due", "planned", "waiting"]
