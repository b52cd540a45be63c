"""The rate-limit arithmetic, table-driven (no I/O)."""

from __future__ import annotations

import pytest

from moph_connect.ratelimits.gcra import Decision, Limit, decide

TEN_A_SECOND_BURST_3 = Limit(rate=10, burst=3)
PACED = Limit(rate=10, burst=3, max_wait=0.5)


@pytest.mark.parametrize(
    ("tat", "now", "limit", "expected"),
    [
        # A new key: allowed, its TAT one interval ahead.
        (None, 100.0, TEN_A_SECOND_BURST_3, Decision(True, 0.0, 100.1)),
        # A TAT in the past counts from now: no credit banked while idle.
        (50.0, 100.0, TEN_A_SECOND_BURST_3, Decision(True, 0.0, 100.1)),
        # Within the burst: still at once.
        (100.2, 100.0, TEN_A_SECOND_BURST_3, Decision(True, 0.0, 100.3)),
        # The burst spent: refused, and told when to come back.
        (100.3, 100.0, TEN_A_SECOND_BURST_3, Decision(False, pytest.approx(0.1), None)),
        # Paced: held for its turn rather than refused...
        (100.3, 100.0, PACED, Decision(True, pytest.approx(0.1), pytest.approx(100.4))),
        (100.7, 100.0, PACED, Decision(True, pytest.approx(0.5), pytest.approx(100.8))),
        # ...up to max_wait, then refused.
        (100.8, 100.0, PACED, Decision(False, pytest.approx(0.1), None)),
    ],
)
def test_decide(tat: float | None, now: float, limit: Limit, expected: Decision) -> None:
    assert decide(tat, now, limit) == expected


@pytest.mark.parametrize(("wait", "header"), [(0.01, 1), (1.0, 1), (1.2, 2), (59.5, 60)])
def test_retry_after_is_whole_seconds_never_zero(wait: float, header: int) -> None:
    assert Decision(False, wait, None).retry_after == header


def test_a_sequential_client_faster_than_the_limit_is_paced_never_refused() -> None:
    limit = Limit(rate=50, burst=5, max_wait=0.1)
    tat: float | None = None
    now = 0.0
    for _ in range(1000):  # answers take 5 ms: 200 calls/s if nothing held them
        decision = decide(tat, now, limit)
        assert decision.allowed
        tat = decision.new_tat
        now += decision.wait + 0.005
    assert now >= (1000 - limit.burst) / limit.rate  # never faster than the rate
