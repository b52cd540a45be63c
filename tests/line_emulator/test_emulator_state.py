"""State rules that HTTP tests cannot reach cheaply: sweeping, the bucket, fault order."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from line_emulator import EmulatorConfig
from line_emulator import state as state_module
from line_emulator.state import EmulatorState, Fault, TokenBucket
from moph_connect.clock import SimulatedClock
from tests.line_emulator.conftest import START


def test_expired_reply_tokens_are_swept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(state_module, "_REPLY_TOKEN_SWEEP_AT", 4)
    clock = SimulatedClock(START)
    state = EmulatorState(EmulatorConfig.default(None, clock=clock))
    user = state.create_user("production", "ก", "th")
    old = [state.issue_reply_token(user) for _ in range(4)]
    clock.advance(timedelta(minutes=2))
    fresh = state.issue_reply_token(user)  # sweeps the four expired ones first
    assert len(state._reply_tokens) == 1
    assert state.redeem_reply_token("production", old[0]) is None
    assert state.redeem_reply_token("production", fresh) is user


def test_a_bucket_allows_its_burst_then_its_rate() -> None:
    bucket = TokenBucket(100.0)  # burst of 10
    emptied = time.monotonic()
    assert sum(bucket.take() for _ in range(50)) in (10, 11)
    time.sleep(0.05)
    refilled = sum(bucket.take() for _ in range(50))
    elapsed = time.monotonic() - emptied
    assert 4 <= refilled <= min(10, elapsed * 100 + 1)
    assert TokenBucket(0.5).capacity == 1.0


def test_faults_apply_in_order_and_per_channel() -> None:
    state = EmulatorState(EmulatorConfig.default(None))
    state.add_fault(Fault("test", "500", 1, 30.0))
    state.add_fault(Fault(None, "429", 2, 30.0))
    kinds = [getattr(state.take_fault("production"), "kind", None) for _ in range(3)]
    assert kinds == ["429", "429", None]
    taken = state.take_fault("test")
    assert taken is not None
    assert taken.kind == "500"
    assert state.faults == []
