"""What a running service holds: settings, database, clock, and hooks between its parts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from moph_connect.clock import Clock
from moph_connect.db.uow import Database
from moph_connect.networks import IPNetwork
from moph_connect.ratelimits.service import RateLimits
from moph_connect.settings import Settings

if TYPE_CHECKING:  # it imports this module
    from moph_connect.appointments.group_commit import GroupCommit


@dataclass
class Runtime:
    settings: Settings
    database: Database
    clock: Clock
    # Called after a transaction planned messages, to wake an in-process dispatcher.
    wake_dispatcher: Callable[[], None] = field(default=lambda: None)
    # Concurrent single hospital calls served in shared transactions (set by api/app.py);
    # None: each call in its own.
    group_commit: GroupCommit | None = None

    @cached_property
    def trusted_proxies(self) -> list[IPNetwork]:
        return self.settings.trusted_proxy_networks()

    @cached_property
    def rate_limits(self) -> RateLimits:
        return RateLimits.from_settings(self.settings)
