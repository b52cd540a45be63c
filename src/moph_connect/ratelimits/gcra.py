"""The generic cell rate algorithm, as pure arithmetic (no I/O).

A limit of `rate` per second with bursts of `burst` keeps one number per key, the
theoretical arrival time (TAT) of the next request. A request at `now` would move it to
`max(tat, now) + 1/rate`; it may go once that is no more than `burst/rate` seconds ahead
of `now`. Ours also lets a request *wait* up to `max_wait` seconds for its turn, so a
client that calls one at a time, faster than the limit, is paced instead of refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    rate: float  # requests per second, sustained
    burst: int  # requests at once after a quiet spell
    max_wait: float = 0.0  # seconds a request may be held for its turn

    @property
    def interval(self) -> float:
        return 1.0 / self.rate

    @property
    def tolerance(self) -> float:
        """How far ahead of now the TAT may run: the burst's worth of intervals."""
        return self.burst * self.interval


@dataclass(frozen=True)
class Decision:
    allowed: bool
    # Allowed: how long to hold the request first. Refused: when to come back.
    wait: float
    new_tat: float | None  # what to store (None: refused, store nothing)

    @property
    def retry_after(self) -> int:
        """Whole seconds for a `Retry-After` header (never 0: clients would spin)."""
        return max(1, math.ceil(self.wait))


def decide(tat: float | None, now: float, limit: Limit) -> Decision:
    new_tat = max(tat if tat is not None else now, now) + limit.interval
    wait = new_tat - limit.tolerance - now
    if wait <= 0:
        return Decision(True, 0.0, new_tat)
    if wait <= limit.max_wait:
        return Decision(True, wait, new_tat)
    return Decision(False, wait - limit.max_wait, None)
