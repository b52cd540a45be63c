"""The overview's, the /metrics gauges' and the claim's statements read the indexes they
were written for, as SQLite plans them (EXPLAIN QUERY PLAN). SQLite has no statistics
here (the service never runs ANALYZE), so its plan is a property of the schema and the
statement, not of the data: a schema change that turns one of them into a scan of the
outbox fails here. The figures at scale, on both databases: benchmarks/console_overview.py
and BENCHMARKS.md ("Console overview at scale")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from moph_connect.console.overview_repository import OverviewRepository
from moph_connect.console.scoping import Scope
from moph_connect.db.uow import Database
from moph_connect.metrics.repository import due_backlog
from moph_connect.outbox.repository import OutboxRepository

NOW = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)
TODAY = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)
TOMORROW = TODAY + timedelta(days=1)


def _overview(work: Callable[[OverviewRepository], object]) -> Callable[[Session], object]:
    return lambda session: work(OverviewRepository(session, Scope(None), "production"))


DUE_RANGE = (
    "SEARCH outbox_messages USING INDEX ix_outbox_due (environment=? AND due_at>? AND due_at<?)"
)
CLAIM_INDEX = "SEARCH outbox_messages USING INDEX ix_outbox_claim (priority=? AND available_at<?)"

CASES: dict[str, tuple[Callable[[Session], object], str]] = {
    "by_kind_and_status": (_overview(lambda r: r.by_kind_and_status(TODAY, TOMORROW)), DUE_RANGE),
    "sent_last_hour": (
        _overview(lambda r: r.sent_since(NOW - timedelta(hours=1), NOW)),
        DUE_RANGE,
    ),
    "retrying": (_overview(lambda r: r.retrying(NOW)), DUE_RANGE),
    "rate_limited": (_overview(lambda r: r.rate_limited(NOW)), DUE_RANGE),
    "failure_reasons": (_overview(lambda r: r.failure_reasons(TODAY, TOMORROW)), DUE_RANGE),
    "latest_failures": (_overview(lambda r: r.latest_failures(TODAY, TOMORROW)), DUE_RANGE),
    "overview_backlog": (_overview(lambda r: r.due_backlog(NOW)), CLAIM_INDEX),
    "metrics_backlog": (lambda s: due_backlog(s.connection(), NOW), CLAIM_INDEX),
    "claim": (
        lambda s: OutboxRepository(s).claim("plans", NOW, timedelta(seconds=60), 400),
        CLAIM_INDEX,
    ),
}


def _plans(database: Database, work: Callable[[Session], object]) -> list[list[str]]:
    captured: list[tuple[str, Any]] = []

    def capture(_c: Any, _k: Any, statement: str, parameters: Any, *_: Any) -> None:
        captured.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", capture)
    try:
        with database.transaction() as session:
            work(session)
    finally:
        event.remove(database.engine, "before_cursor_execute", capture)
    with database.engine.connect() as connection:
        return [
            [row[3] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)]
            for sql, params in captured
            if sql.lstrip().upper().startswith(("SELECT", "UPDATE"))
        ]


@pytest.mark.parametrize("name", list(CASES))
def test_each_statement_reads_its_index(sqlite_database: Database, name: str) -> None:
    work, expected = CASES[name]
    plans = _plans(sqlite_database, work)
    assert plans, "nothing was asked of the database"
    for plan in plans:
        outbox_steps = [step for step in plan if "outbox_messages" in step]
        assert expected in outbox_steps or (
            # The claim's UPDATE finds its rows by id from the claim index's subquery.
            name == "claim" and expected in plan
        ), plan
        assert not any(step.startswith("SCAN outbox_messages") for step in plan), plan
