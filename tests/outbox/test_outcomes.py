"""`sort_outcomes`: what each LINE answer means for its row (pure, table-driven)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from moph_connect.line.port import SendOutcome
from moph_connect.outbox.outcomes import Backoff, Outcomes, Result, sort_outcomes
from moph_connect.outbox.types import ClaimedMessage, Failure, Retry, Step
from moph_connect.scheduling.rules import Delivery

NOW = datetime(2026, 5, 12, 3, 0, tzinfo=UTC)
FIXED = Backoff(base_seconds=2.0, cap_seconds=300.0)


def claimed(attempts: int = 1, environment: str = "production") -> ClaimedMessage:
    return ClaimedMessage(
        id=7,
        environment=environment,
        line_user_id="U" + "0" * 32,
        kind="queue_card",
        payload="[]",
        retry_key="k",
        reply_token=None,
        attempts=attempts,
        due_at=NOW,
        appointment_date=date(2026, 5, 12),
        created_at=NOW,
    )


def sort(result: Result, max_attempts: int = 25) -> Outcomes:
    return sort_outcomes([result], NOW, max_attempts, FIXED)


@pytest.mark.parametrize(
    ("outcome", "expected_sent"),
    [
        (SendOutcome("sent", request_id="r1"), [(7, "r1")]),
        (SendOutcome("duplicate", request_id="r0"), [(7, "r0")]),  # 409: LINE had it
    ],
)
def test_delivered_is_sent(outcome: SendOutcome, expected_sent: list[tuple[int, str]]) -> None:
    out = sort(Result(claimed(), outcome))
    assert (out.sent, out.retries, out.failures) == (expected_sent, [], [])


def test_a_rejected_message_fails_with_lines_reason() -> None:
    out = sort(Result(claimed(), SendOutcome("rejected", detail="HTTP 400: bad")))
    assert out.failures == [Failure(7, "HTTP 400: bad")]


def test_a_refused_token_pauses_the_channel_and_gives_the_row_back() -> None:
    out = sort(Result(claimed(), SendOutcome("unauthorized", detail="HTTP 401")))
    assert out.released == [Retry(7, NOW, "LINE channel paused: token refused")]
    assert out.unauthorized == {"production": "HTTP 401"}


@pytest.mark.parametrize(("attempts", "low", "high"), [(1, 1.0, 2.0), (3, 4.0, 8.0)])
def test_a_server_error_retries_after_backoff(attempts: int, low: float, high: float) -> None:
    out = sort(Result(claimed(attempts), SendOutcome("retry", detail="HTTP 500")))
    [retry] = out.retries
    assert NOW + timedelta(seconds=low) <= retry.available_at <= NOW + timedelta(seconds=high)


def test_429_slows_the_channel_and_waits_at_least_retry_after() -> None:
    outcome = SendOutcome("rate_limited", detail="HTTP 429", retry_after=30.0)
    out = sort(Result(claimed(), outcome))
    assert out.rate_limited == {"production"}
    assert out.retries[0].available_at >= NOW + timedelta(seconds=30)


def test_after_the_last_attempt_it_gives_up() -> None:
    out = sort(Result(claimed(attempts=25), SendOutcome("retry", detail="timeout")))
    assert out.failures == [Failure(7, "gave up after 25 attempts: timeout")]


@pytest.mark.parametrize(
    ("verdict", "released", "failed"),
    [
        (Delivery("hold", "quiet hours", NOW + timedelta(hours=3)), True, False),
        (Delivery("drop", "the appointment has passed"), False, True),
    ],
)
def test_timing_rules_hold_or_drop(verdict: Delivery, released: bool, failed: bool) -> None:
    out = sort(Result(claimed(), None, verdict))
    assert (bool(out.released), bool(out.failures)) == (released, failed)


def test_a_spent_reply_token_is_forgotten_only_if_the_push_did_not_deliver() -> None:
    spent = [
        Result(claimed(), SendOutcome("retry", detail="HTTP 500"), reply_token_spent=True),
        Result(claimed(), SendOutcome("sent", request_id="r"), reply_token_spent=True),
    ]
    out = sort_outcomes(spent, NOW, 25, FIXED)
    assert out.spent_reply_tokens == [7]


@pytest.mark.parametrize(
    ("result", "max_attempts", "step"),
    [
        (
            Result(claimed(), SendOutcome("sent", request_id="r1", answer="200")),
            25,
            Step(7, 1, "sent", "200", "r1"),
        ),
        (
            Result(claimed(2), SendOutcome("duplicate", request_id="r0", answer="409")),
            25,
            Step(7, 2, "duplicate", "409", "r0"),
        ),
        (
            Result(claimed(), SendOutcome("rejected", detail="HTTP 400: bad", answer="400")),
            25,
            Step(7, 1, "failed", "400", detail="HTTP 400: bad"),
        ),
        (
            Result(claimed(3), SendOutcome("retry", detail="HTTP 500", answer="500")),
            25,
            Step(7, 3, "retry", "500", detail="HTTP 500"),
        ),
        (
            Result(claimed(3), SendOutcome("retry", detail="HTTP 500", answer="500")),
            3,
            Step(7, 3, "failed", "500", detail="HTTP 500"),
        ),
        (
            Result(claimed(), SendOutcome("rate_limited", detail="HTTP 429", answer="429")),
            25,
            Step(7, 1, "rate_limited", "429", detail="HTTP 429"),
        ),
        (
            Result(claimed(), SendOutcome("unauthorized", detail="HTTP 401", answer="401")),
            25,
            Step(7, 1, "paused", "401", detail="HTTP 401"),
        ),
        (
            Result(claimed(), None, Delivery("hold", "held until 06:00", NOW)),
            25,
            Step(7, None, "held", detail="held until 06:00"),
        ),
        (
            Result(claimed(), None, Delivery("drop", "too late")),
            25,
            Step(7, None, "dropped", detail="too late"),
        ),
    ],
    ids=lambda value: value.outcome if isinstance(value, Step) else None,
)
def test_every_result_is_one_timeline_step(result: Result, max_attempts: int, step: Step) -> None:
    assert sort(result, max_attempts).steps == [step]
