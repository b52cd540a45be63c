"""The three limits, as the settings tune them (README, "Rate limits").

- A hospital's calls, per environment: held for their turn up to a few seconds (paced),
  refused with 429 beyond that. Checked after authentication, in a short transaction of
  its own, so that the wait holds no database connection or lock.
- Failed authentications per source address: a 401 (or an unissued ID's 404) beyond ten
  a minute becomes a 429, so that keys and IDs cannot be probed at speed. A call that
  authenticates is never counted, so a hospital behind the same NAT is not shut out.
- Messages per patient per day from one hospital: enforced where messages are planned
  (`appointments/service.py`), with the limit from here.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from sqlalchemy.orm import Session

from moph_connect.errors import TooManyRequests
from moph_connect.networks import IPAddress
from moph_connect.ratelimits.gcra import Limit
from moph_connect.ratelimits.repository import RateLimitRepository
from moph_connect.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RateLimits:
    hospital: Limit | None
    failures: Limit | None

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        hospital = (
            Limit(
                settings.api_rate_per_second,
                settings.api_rate_burst,
                settings.api_rate_max_wait_seconds,
            )
            if settings.api_rate_per_second > 0
            else None
        )
        per_minute = settings.auth_failures_per_minute
        failures = Limit(per_minute / 60.0, per_minute) if per_minute > 0 else None
        return cls(hospital, failures)

    def admit_hospital(self, session: Session, hospital_id: str, environment: str) -> float:
        """Seconds to hold this call before serving it; TooManyRequests if too many."""
        if self.hospital is None:
            return 0.0
        decision = RateLimitRepository(session).charge(
            f"api:{hospital_id}:{environment}", self.hospital, time.time()
        )
        if not decision.allowed:
            log.warning(
                "hospital %s over its %s call rate (%s/s)",
                hospital_id,
                environment,
                self.hospital.rate,
            )
            raise TooManyRequests(
                f"This hospital's system sends more than {self.hospital.rate:g} calls a "
                f"second to this environment (bursts of {self.hospital.burst}); calls are "
                f"held up to {self.hospital.max_wait:g} s for their turn, and more are "
                "refused. Send fewer at once, or retry after Retry-After seconds.",
                retry_after=decision.retry_after,
            )
        return decision.wait

    def failed_authentication(self, session: Session, client: IPAddress | None) -> None:
        """Count a failed authentication; TooManyRequests once the source is over."""
        if self.failures is None or client is None:
            return
        decision = RateLimitRepository(session).charge(
            f"authfail:{client}", self.failures, time.time()
        )
        if not decision.allowed:
            log.warning("too many failed authentications from %s", client)
            raise TooManyRequests(
                f"Too many failed authentications from {client}: check the key (or the "
                "MOPH Connect ID) and retry after Retry-After seconds.",
                retry_after=decision.retry_after,
            )
