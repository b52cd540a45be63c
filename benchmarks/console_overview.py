"""The console overview's queries, the /metrics database gauges' and the dispatcher's claim
over a large outbox, timed and EXPLAINed, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/console_overview.py [--rows 1000000] [--runs 5]
        [--database sqlite|postgresql|both] [--revision head] [--plans]

A fresh database (SQLite in a temporary folder; PostgreSQL: a throwaway server, as the
tests start one) migrated to `--revision`, then filled with `--rows` outbox rows in one
INSERT ... SELECT: 30 days of traffic before "now" (10:00 in Bangkok) and 3 days of
planned messages after it; kinds as a day's mix (queue cards 25 %, the two reminders
20 % each, surveys 20 %, near-queue alerts 10 %, alerts 2 %, chat replies 3 %), 90 %
production; of the past rows 1 % failed (LINE's 400), 2 % cancelled, 0.3 % of the last
two days waiting for a retry (429 or 5xx), 30 % of the last ten minutes' still due (the
backlog), the rest sent a few seconds after their due time. PostgreSQL is then VACUUM
ANALYZEd, as autovacuum would; SQLite is not ANALYZEd (the service never runs it).

Timed, each the median of `--runs` (after one warm-up): the national overview as
`console/overview.py` asks for it (every `OverviewRepository` query, production), each
of its queries alone, the two outbox gauges of `metrics/repository.py`, and one claim of
400 rows by `OutboxRepository.claim` (rolled back). With `--plans`, every statement those
ran is captured as sent to the database and EXPLAINed (SQLite: EXPLAIN QUERY PLAN;
PostgreSQL: EXPLAIN). The last line on stdout is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `tests.*` importable
    sys.path.insert(0, str(ROOT))

from benchmarks.measuring import say  # noqa: E402
from sqlalchemy import Engine, event, text  # noqa: E402

from moph_connect.console.overview_repository import OverviewRepository  # noqa: E402
from moph_connect.console.scoping import Scope  # noqa: E402
from moph_connect.db.engine import make_engine  # noqa: E402
from moph_connect.db.migrate import upgrade  # noqa: E402
from moph_connect.metrics.repository import due_backlog, outbox_counts  # noqa: E402
from moph_connect.outbox.repository import OutboxRepository  # noqa: E402
from tests.support.postgres import PostgresServer  # noqa: E402

NOW = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)  # 10:00 in Bangkok
TODAY = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)  # 00:00 in Bangkok
DAY = 86_400

# The rows' columns from one pseudo-random 32-bit number per row (Knuth's multiplicative
# hash of its index): `off` seconds from now, kind, environment and fate drawn from it.
_DRAWS = f"""
  n AS (SELECT i, (i * 2654435761) % 4294967296 AS a FROM series),
  d AS (SELECT i, a % ({33 * DAY}) - {30 * DAY} AS off, (a / 7) % 100 AS k,
               (a / 701) % 10 AS e, (a / 70001) % 1000 AS s FROM n),
  f AS (SELECT i, off, e,
    CASE WHEN k < 25 THEN 'queue_card' WHEN k < 45 THEN 'reminder_day_before'
         WHEN k < 65 THEN 'reminder_same_day' WHEN k < 75 THEN 'queue_near'
         WHEN k < 77 THEN 'alert' WHEN k < 80 THEN 'chat' ELSE 'survey' END AS kind,
    CASE WHEN off > 0 THEN 'due' WHEN off > -600 AND s < 300 THEN 'due'
         WHEN s < 10 THEN 'failed' WHEN s < 30 THEN 'cancelled'
         WHEN s < 33 AND off > {-2 * DAY} THEN 'retry' ELSE 'sent' END AS fate,
    s FROM d)
"""  # noqa: S608 (constants only)
_SELECT = """
SELECT CASE WHEN e = 0 THEN 'test' ELSE 'production' END,
  'U' || (i % 50000), kind,
  CASE WHEN kind IN ('reminder_day_before', 'reminder_same_day') THEN 1
       WHEN kind = 'survey' THEN 2 ELSE 0 END,
  'bench-' || i,
  CASE WHEN fate IN ('due', 'retry') THEN 'pending' ELSE fate END,
  {due}, CASE WHEN fate = 'retry' THEN {retry_at} ELSE {due} END,
  CASE WHEN fate = 'due' OR fate = 'cancelled' THEN 0 WHEN fate = 'retry' THEN 3 ELSE 1 END,
  'bench-retry-' || i,
  CASE WHEN fate = 'failed' THEN 'HTTP 400: The request body has 1 error(s)'
       WHEN fate = 'retry' AND s < 32 THEN 'HTTP 429: Too Many Requests'
       WHEN fate = 'retry' THEN 'HTTP 500: Internal Server Error' END,
  {created}, CASE WHEN fate = 'sent' THEN {sent} END
FROM f
"""
_COLUMNS = (
    "environment, line_user_id, kind, priority, dedup_key, status, due_at, available_at, "
    "attempts, retry_key, last_error, created_at, sent_at"
)


def _fill_sql(dialect: str, rows: int) -> str:
    if dialect == "sqlite":

        def at(seconds: str) -> str:  # the text SQLAlchemy stores for a UTC datetime
            start = "'2026-12-03 03:00:00'"
            moved = f"strftime('%Y-%m-%d %H:%M:%S', {start}, ({seconds}) || ' seconds')"
            return f"{moved} || '.000000'"

        series = f"series(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM series WHERE i < {rows})"  # noqa: S608
        prefix = "WITH RECURSIVE "
    else:

        def at(seconds: str) -> str:
            return f"(TIMESTAMPTZ '2026-12-03 03:00:00+00' + make_interval(secs => {seconds}))"

        series = f"series(i) AS (SELECT generate_series(1, {rows})::bigint)"
        prefix = "WITH "
    select = _SELECT.format(
        due=at("off"), retry_at=at("60"), created=at(f"off - {DAY}"), sent=at("off + 5")
    )
    return f"INSERT INTO outbox_messages ({_COLUMNS}) {prefix}{series}, {_DRAWS} {select}"


@contextmanager
def fresh_database(kind: str, revision: str) -> Iterator[Engine]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="moph-bench-") as folder:
            url = f"sqlite:///{folder}/overview.db"
            upgrade(url, revision)
            engine = make_engine(url)
            try:
                yield engine
            finally:
                engine.dispose()
        return
    server = PostgresServer()
    server.start()
    try:
        upgrade(server.url, revision)
        engine = make_engine(server.url)
        try:
            yield engine
        finally:
            engine.dispose()
    finally:
        server.stop()


def fill(engine: Engine, rows: int) -> float:
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(text(_fill_sql(engine.dialect.name, rows)))
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE outbox_messages")
    return time.perf_counter() - started


def overview(session: Any) -> None:
    """What `console/overview.py` asks of the repository for one page (national)."""
    found = OverviewRepository(session, Scope(None), "production")
    end = TODAY + timedelta(days=1)
    found.by_kind_and_status(TODAY, end)
    found.sent_since(NOW - timedelta(hours=1), NOW)
    found.due_backlog(NOW)
    found.retrying(NOW)
    found.rate_limited(NOW)
    found.failure_reasons(TODAY, end)
    found.latest_failures(TODAY, end)
    found.paused_channels(NOW)


def _parts() -> dict[str, Callable[[Any], object]]:
    end = TODAY + timedelta(days=1)

    def repo(session: Any) -> OverviewRepository:
        return OverviewRepository(session, Scope(None), "production")

    return {
        "overview.by_kind_and_status": lambda s: repo(s).by_kind_and_status(TODAY, end),
        "overview.sent_last_hour": lambda s: repo(s).sent_since(NOW - timedelta(hours=1), NOW),
        "overview.due_backlog": lambda s: repo(s).due_backlog(NOW),
        "overview.retrying": lambda s: repo(s).retrying(NOW),
        "overview.rate_limited": lambda s: repo(s).rate_limited(NOW),
        "overview.failure_reasons": lambda s: repo(s).failure_reasons(TODAY, end),
        "overview.latest_failures": lambda s: repo(s).latest_failures(TODAY, end),
    }


def _claim(session: Any) -> None:
    OutboxRepository(session).claim("bench", NOW, timedelta(seconds=60), 400)


def _measurements() -> dict[str, tuple[str, Callable[[Any], object]]]:
    """Name → (what it runs on: "session" or "connection", the work)."""
    found: dict[str, tuple[str, Callable[[Any], object]]] = {"overview": ("session", overview)}
    found.update({name: ("session", work) for name, work in _parts().items()})
    found["metrics.outbox_counts"] = ("connection", outbox_counts)
    found["metrics.due_backlog"] = ("connection", lambda c: due_backlog(c, NOW))
    found["dispatcher.claim"] = ("session", _claim)
    return found


def _run_once(engine: Engine, on: str, work: Callable[[Any], object]) -> float:
    from sqlalchemy.orm import Session

    with engine.connect() as connection:
        started = time.perf_counter()
        if on == "session":
            with Session(bind=connection) as session:
                work(session)
                elapsed = time.perf_counter() - started
                session.rollback()  # the claim leases rows: leave them as they were
        else:
            work(connection)
            elapsed = time.perf_counter() - started
            connection.rollback()
    return elapsed


def time_all(engine: Engine, runs: int) -> dict[str, float]:
    medians: dict[str, float] = {}
    for name, (on, work) in _measurements().items():
        _run_once(engine, on, work)  # warm the cache
        samples = [_run_once(engine, on, work) for _ in range(runs)]
        medians[name] = round(statistics.median(samples) * 1000, 1)
        say(f"  {name:32} {medians[name]:9.1f} ms")
    return medians


def plans(engine: Engine) -> dict[str, list[str]]:
    """Each measured statement, captured as sent, with its plan."""
    found: dict[str, list[str]] = {}
    for name, (on, work) in _measurements().items():
        if name == "overview":
            continue  # its parts are listed one by one
        captured: list[tuple[str, Any]] = []

        def capture(
            _conn: Any,
            _cursor: Any,
            statement: str,
            parameters: Any,
            *_: Any,
            into: list[tuple[str, Any]] = captured,
        ) -> None:
            if not statement.lstrip().upper().startswith("EXPLAIN"):
                into.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", capture)
        try:
            _run_once(engine, on, work)
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        lines: list[str] = []
        explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
        with engine.connect() as connection:
            for statement, parameters in captured:
                rows = connection.exec_driver_sql(explain + statement, parameters).all()
                if not rows:
                    continue
                if engine.dialect.name == "sqlite":
                    lines.extend(f"{row[3]}" for row in rows)
                else:
                    lines.extend(str(row[0]) for row in rows)
                lines.append("--")
            connection.rollback()
        found[name] = lines
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--revision", default="head", help="migrate to this (e.g. 0010: before)")
    parser.add_argument("--plans", action="store_true", help="EXPLAIN every statement too")
    args = parser.parse_args()
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    result: dict[str, Any] = {"rows": args.rows, "runs": args.runs, "revision": args.revision}
    for kind in kinds:
        with fresh_database(kind, args.revision) as engine:
            seconds = fill(engine, args.rows)
            say(f"{kind}: {args.rows:,} rows in {seconds:.0f} s (migrated to {args.revision})")
            result[kind] = {"fill_seconds": round(seconds, 1), "ms": time_all(engine, args.runs)}
            if args.plans:
                result[kind]["plans"] = plans(engine)
                for name, lines in result[kind]["plans"].items():
                    say(f"  plan {name}:")
                    for line in lines:
                        say(f"      {line}")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
