"""Pacing one channel's sends in this process: booked slots, spaced an interval apart.

Slots are booked for a whole claimed batch from the GCRA row every worker shares
(`RateLimitRepository.reserve`), so the rate holds across processes. A slot is a wall-clock
instant (epoch seconds) at or after which the message may go. On top of that, each process
keeps its own sends an interval apart: slots that passed while this event loop was stalled
(a GC pause, a slow call, CPU starvation) then go out one interval apart, not as one burst
that LINE would refuse with 429.

One `Lane` per channel holds the claimed messages in slot order and releases each when both
its slot and the spacing allow; one timer serves the whole lane (the one for its head),
instead of one per message. The lane wakes at most once per `tick` (5 ms) and then
releases everything due by then: at 2,000/s that is 10 messages per wake-up instead of one
timer, one wake-up and one round of thread hand-offs each. A message leaves at most a
tick late; the rate over any window longer than a tick is unchanged.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")


class Lane(Generic[Item]):
    """Releases items in slot order, no closer than `interval` seconds apart.

    The spacing keeps its schedule: a timer that fires late does not slow the rate (the
    next item is due an interval after the previous one was *due*, not after it went).
    After a stall longer than `catch_up` the schedule restarts from now, so what a stall
    delayed is never made up by a burst above the rate.
    """

    def __init__(
        self,
        interval: float,
        release: Callable[[Item], None],
        *,
        catch_up: float = 0.02,
        tick: float = 0.005,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.interval = interval
        self.catch_up = catch_up
        self.tick = tick
        self._release = release
        self._clock = clock
        self._waiting: deque[tuple[float, Item]] = deque()
        self._added = asyncio.Event()
        self._next = 0.0

    def __len__(self) -> int:
        return len(self._waiting)

    def add(self, slot: float, item: Item) -> None:
        """Queue `item` for `slot`; slots must come in non-decreasing order, as the shared
        rate row hands them out."""
        self._waiting.append((slot, item))
        self._added.set()

    def release_due(self) -> float | None:
        """Release every item that may go now; return how long until the next one may
        (None: nothing is waiting)."""
        while self._waiting:
            slot, item = self._waiting[0]
            now = self._clock()
            if self._next < now - self.catch_up:
                self._next = now
            due = max(slot, self._next)
            if due > now:
                return due - now
            self._waiting.popleft()
            self._next = due + self.interval
            self._release(item)
        return None

    async def run(self) -> None:
        """Release items as they become due, until cancelled."""
        while True:
            wait = self.release_due()
            if wait is None:
                self._added.clear()
                await self._added.wait()
            else:
                await asyncio.sleep(max(wait, self.tick))
