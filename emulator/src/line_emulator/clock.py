"""The emulator's time: webhook timestamps, inbox times and reply-token expiry.

Anything with `now()` (an aware datetime) will do, so a host that runs a simulated clock
(the service's tests and demo) hands the emulator that same clock and both move together.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)
