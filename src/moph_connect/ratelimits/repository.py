"""One GCRA row per key in `api_rate_limits`, so a limit holds across every `serve`
process on PostgreSQL. Each charge is one statement: the row is locked only for it."""

from __future__ import annotations

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from moph_connect.db.models import ApiRateLimit
from moph_connect.ratelimits.gcra import Decision, Limit, decide

_TAT = select(ApiRateLimit.tat).where(ApiRateLimit.key == bindparam("key"))


class RateLimitRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def charge(self, key: str, limit: Limit, now: float) -> Decision:
        """Count one request against `key`. Read, decide (`gcra.decide`), then store the
        new TAT only if the stored one is still what was read (else decide again): no
        lock is held between the statements, and two processes never both take the
        last slot."""
        for _ in range(10):
            tat = self.session.execute(_TAT, {"key": key}).scalar_one_or_none()
            decision = decide(tat, now, limit)
            if decision.new_tat is None:
                return decision
            if tat is None:
                dialect = self.session.get_bind().dialect.name
                insert = pg_insert if dialect == "postgresql" else sqlite_insert
                stored = self.session.execute(
                    insert(ApiRateLimit)
                    .values(key=key, tat=decision.new_tat)
                    .on_conflict_do_nothing()
                    .returning(ApiRateLimit.key)
                ).first()
            else:
                stored = self.session.execute(
                    update(ApiRateLimit)
                    .where(ApiRateLimit.key == key, ApiRateLimit.tat == tat)
                    .values(tat=decision.new_tat)
                    .returning(ApiRateLimit.key)
                ).first()
            if stored is not None:
                return decision
        return decide(now + limit.tolerance + limit.max_wait + limit.interval, now, limit)
