"""`Lane`: booked slots, kept an interval apart, without bursts after a stall (a clock
under the test's control; no event loop needed for `release_due`)."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from moph_connect.outbox.pacing import Lane

INTERVAL = 0.01  # 100/s


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def lane_with(clock: Clock, released: list[str], catch_up: float = 0.02) -> Lane[str]:
    return Lane(INTERVAL, released.append, catch_up=catch_up, clock=clock)


def test_nothing_waiting_means_nothing_to_wait_for() -> None:
    released: list[str] = []
    lane = lane_with(Clock(), released)
    assert lane.release_due() is None
    assert released == []


def test_items_go_at_their_slots_in_order() -> None:
    clock = Clock()
    released: list[str] = []
    lane = lane_with(clock, released)
    lane.add(1000.00, "a")
    lane.add(1000.05, "b")
    assert lane.release_due() == pytest.approx(0.05)
    assert released == ["a"]
    clock.now = 1000.05
    assert lane.release_due() is None
    assert released == ["a", "b"]


def test_slots_already_passed_go_one_interval_apart() -> None:
    clock = Clock()
    released: list[str] = []
    lane = lane_with(clock, released)
    for name in "abc":
        lane.add(999.0, name)  # all booked in the past: one may go now
    assert lane.release_due() == pytest.approx(INTERVAL)
    assert released == ["a"]
    clock.now += INTERVAL
    assert lane.release_due() == pytest.approx(INTERVAL)
    assert released == ["a", "b"]


def test_a_late_timer_keeps_the_schedule() -> None:
    """Woken 5 ms late, the next item is still due one interval after the previous one
    was due: over many late timers the rate holds instead of drifting lower."""
    clock = Clock()
    released: list[str] = []
    lane = lane_with(clock, released)
    for name in "abc":
        lane.add(1000.0, name)
    lane.release_due()  # a goes at 1000.000; b is due at 1000.010
    clock.now = 1000.015  # the timer fires 5 ms late
    assert lane.release_due() == pytest.approx(0.005)  # c due at 1000.020, not 1000.025
    assert released == ["a", "b"]


def test_after_a_stall_the_schedule_restarts_instead_of_bursting() -> None:
    clock = Clock()
    released: list[str] = []
    lane = lane_with(clock, released, catch_up=0.02)
    for index in range(50):
        lane.add(1000.0 + index * INTERVAL, f"m{index}")
    lane.release_due()
    clock.now = 1000.3  # stalled for 0.3 s: 30 slots passed
    lane.release_due()
    # Not 30 at once: one goes now, the rest an interval apart from now.
    assert len(released) == 2
    assert lane.release_due() == pytest.approx(INTERVAL)


def test_run_releases_in_real_time() -> None:
    released: list[str] = []

    async def scenario() -> float:
        done = asyncio.Event()

        def release(item: str) -> None:
            released.append(item)
            if len(released) == 20:
                done.set()

        lane: Lane[str] = Lane(0.005, release)
        runner = asyncio.create_task(lane.run())
        start = time.time()
        for index in range(20):
            lane.add(start, str(index))
        await asyncio.wait_for(done.wait(), 5)
        runner.cancel()
        return time.time() - start

    elapsed = asyncio.run(scenario())
    assert released == [str(index) for index in range(20)]
    assert elapsed >= 19 * 0.005  # never faster than the interval allows


def test_run_wakes_once_per_tick_and_releases_what_is_due_by_then() -> None:
    """40 items 1 ms apart with a 20 ms tick: a handful of wake-ups, not 40, and never an
    item before it is due."""
    released_at: list[float] = []

    async def scenario() -> float:
        done = asyncio.Event()

        def release(_: int) -> None:
            released_at.append(time.monotonic())
            if len(released_at) == 40:
                done.set()

        lane: Lane[int] = Lane(0.001, release, tick=0.02)
        runner = asyncio.create_task(lane.run())
        start = time.monotonic()
        for index in range(40):
            lane.add(time.time(), index)
        await asyncio.wait_for(done.wait(), 5)
        runner.cancel()
        return start

    start = asyncio.run(scenario())
    wake_ups = 1 + sum(1 for a, b in itertools.pairwise(released_at) if b - a > 0.005)
    assert wake_ups <= 6
    assert released_at[-1] - start >= 0.039  # the last was due 39 ms after the first
