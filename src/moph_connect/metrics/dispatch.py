"""The dispatcher's counts: what LINE answered and how late messages went out.

Each `Dispatcher` owns a `DispatchTally`. Its event loop adds to `responses` (a plain
dict: one thread writes it, so no lock is taken per message); its recording step adds a
whole batch's send delays under one lock, once per batch. `DispatchCollector`, registered
once in the process's default registry, sums every tally of the process when scraped.
Tallies are kept for the life of the process (a few hundred bytes each; one per process
in production), so counters never go down while it runs.
"""

from __future__ import annotations

import bisect
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from prometheus_client import REGISTRY
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

# From a message sent at once (tens of milliseconds) to one an hour late.
SEND_DELAY_BUCKETS: tuple[float, ...] = (
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
    120.0,
    300.0,
    600.0,
    1800.0,
    3600.0,
)


class DispatchTally:
    def __init__(self) -> None:
        # (channel, LINE's answer) → count; written by the dispatcher's loop only.
        self.responses: defaultdict[tuple[str, str], int] = defaultdict(int)
        self._lock = threading.Lock()
        self._buckets = [0] * (len(SEND_DELAY_BUCKETS) + 1)  # the last one: over 1 h
        self._delay_sum = 0.0

    def observe_send_delays(self, delays: Sequence[float]) -> None:
        """Seconds from due to sent, one per row recorded sent (a batch at a time: the
        recording threads may overlap when the dispatcher stops)."""
        if not delays:
            return
        counts = [0] * len(self._buckets)
        for delay in delays:
            counts[bisect.bisect_left(SEND_DELAY_BUCKETS, delay)] += 1
        total = sum(delays)
        with self._lock:
            for index, count in enumerate(counts):
                self._buckets[index] += count
            self._delay_sum += total

    def delays(self) -> tuple[list[int], float]:
        with self._lock:
            return list(self._buckets), self._delay_sum


class DispatchCollector(Collector):
    def __init__(self) -> None:
        self._tallies: list[DispatchTally] = []
        self._lock = threading.Lock()

    def tally(self) -> DispatchTally:
        """A new tally, counted from now on in this process's metrics."""
        tally = DispatchTally()
        with self._lock:
            self._tallies.append(tally)
        return tally

    def describe(self) -> Iterable[Metric]:
        return self._families([])

    def collect(self) -> Iterable[Metric]:
        with self._lock:
            tallies = list(self._tallies)
        return self._families(tallies)

    def _families(self, tallies: Sequence[DispatchTally]) -> Iterator[Metric]:
        responses = CounterMetricFamily(
            "moph_connect_line_responses",
            "Answers from LINE to this process's sends, by channel and HTTP status "
            "(timeout/error: no answer).",
            labels=["channel", "status"],
        )
        summed: defaultdict[tuple[str, str], int] = defaultdict(int)
        buckets = [0] * (len(SEND_DELAY_BUCKETS) + 1)
        delay_sum = 0.0
        for tally in tallies:
            # One C-level copy under the GIL: the loop may add a key meanwhile.
            for key, count in dict(tally.responses).items():
                summed[key] += count
            counts, total = tally.delays()
            buckets = [a + b for a, b in zip(buckets, counts, strict=True)]
            delay_sum += total
        for (channel, status), count in sorted(summed.items()):
            responses.add_metric([channel, status], count)
        yield responses
        cumulative, running = [], 0
        for bound, count in zip([*SEND_DELAY_BUCKETS, float("inf")], buckets, strict=True):
            running += count
            cumulative.append((_bound(bound), float(running)))
        yield HistogramMetricFamily(
            "moph_connect_send_delay_seconds",
            "Seconds from a message's due time to its being recorded sent, in this process.",
            buckets=cumulative,
            sum_value=delay_sum,
        )


def _bound(value: float) -> str:
    return "+Inf" if value == float("inf") else repr(value)


DISPATCH = DispatchCollector()
REGISTRY.register(DISPATCH)
