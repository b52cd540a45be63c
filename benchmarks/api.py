"""How many `POST /api/queue` calls per second one `moph-connect serve --no-worker` accepts.

    .venv/bin/python benchmarks/api.py [--calls 20000] [--concurrency 64] [--users 1000]
                                       [--database sqlite|postgresql] [--runs 3]
                                       [--call queue|schedule] [--reference]
                                       [--serve-workers 1,2]

Each run gets a fresh, migrated database (a SQLite file, or a throwaway PostgreSQL server
started once and emptied per run: `Databases` of benchmarks/dispatch.py), seeded with one
hospital and --users production LINE users who accepted the privacy notice and picked that
hospital (each has a MOPH Connect ID). `moph-connect serve --no-worker` then runs as its own
process on a free 127.0.0.1 port, and one aiohttp session on uvloop keeps --concurrency
calls in flight: a warm-up of --warmup calls, then --calls measured ones. Every call books
a new appointment (patient i % users, queue number i, a date 1 to 365 days ahead), so each
one writes an appointment and plans a queue card, as a hospital's booking does.

`--environment test` calls the test environment (`/test/api/...`, its key and LINE
channel) instead, where each call is also recorded for the console's test sandbox (one
statement more per call): against a production run it measures what that costs.

`--call schedule` posts `/api/queue/schedule` instead (each a new appointment too, planning
its reminders). `--reference` also measures, run for run alternating with the service, the
bare validated insert of benchmarks/reference_api.py driven the same way, and reports the
service's rate as a share of it (issue 12: at least 25 %).

`--serve-workers 1,2` (PostgreSQL) measures `moph-connect serve --workers N` for each N
listed, run for run alternating, alike in every other respect: each server is given the
same LINE target (`serve --workers` refuses to start without one), the counting stand-in
of benchmarks/line_sink.py, with credentials for both channels; `--no-worker` pushes
nothing to it. The server's CPU is then summed over the supervisor and its worker
processes (its children, found by parent pid). `--workers N` is `--serve-workers N`.

Measured over the measured calls: calls/s, latency p50/p99, the server process's CPU per
call (utime + stime from /proc/<pid>/stat; for PostgreSQL also the postmaster's and its
backends'), the server's peak RSS (VmHWM, its processes' summed), and the machine's load
outside the benchmark. Any answer but 2xx fails the run, as does a database afterwards
holding other than one appointment and one queue card per call made. Progress goes to
stderr; the last line on stdout is one JSON object of figures (medians over the runs).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `tests.*` importable
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import orjson  # noqa: E402
import uvloop  # noqa: E402
from benchmarks.dispatch import Databases, source_version  # noqa: E402
from benchmarks.measuring import (  # noqa: E402
    machine_busy_seconds,
    process_tree_cpu_seconds,
    process_tree_peak_rss_kb,
    say,
    wait_healthy,
    wait_quiet,
)
from benchmarks.servers import line_sink, reference_process, server_process  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from moph_connect.appointments.schemas import SEED_EXAMPLE  # noqa: E402
from moph_connect.clock import BANGKOK  # noqa: E402
from moph_connect.db.engine import make_engine  # noqa: E402
from moph_connect.db.models import Appointment, OutboxMessage  # noqa: E402
from moph_connect.db.uow import Database  # noqa: E402
from moph_connect.hospitals.service import register_hospital  # noqa: E402
from moph_connect.messages import NOTICE_VERSION  # noqa: E402
from moph_connect.patients.repository import PatientRepository  # noqa: E402
from tests.support.net import free_port  # noqa: E402

CHANNEL = "production"
BOOKING_URL = "http://pth.ddns.net/queue/que_register.php?regist={regist}"


@dataclass(frozen=True)
class RunResult:
    rate: float  # measured calls / their wall time
    seconds: float
    p50_ms: float
    p99_ms: float
    server_cpu_us: float  # per measured call
    postgres_cpu_us: float  # postmaster + backends, per call; 0 on SQLite
    server_peak_rss_mb: float
    busy_cores: float  # of the machine's, on average while measuring
    background_before: float  # cores busy elsewhere just before the run
    background_during: float  # machine busy minus server, PostgreSQL and this client


@dataclass(frozen=True)
class Snapshot:
    at: float
    server: float
    postgres: float
    client: float
    machine: float

    @classmethod
    def take(cls, server: int, postmaster: int | None) -> Snapshot:
        return cls(
            at=time.perf_counter(),
            server=process_tree_cpu_seconds(server),  # with --workers: every process
            postgres=0.0 if postmaster is None else process_tree_cpu_seconds(postmaster),
            client=time.process_time(),
            machine=machine_busy_seconds(),
        )


@contextlib.contextmanager
def session_at(url: str) -> Iterator[Session]:
    """One transaction on the database at `url`, with an engine of its own."""
    database = Database(make_engine(url, pool_size=1))
    try:
        with database.transaction() as session:
            yield session
    finally:
        database.dispose()


def seed(url: str, users: int, environment: str = CHANNEL) -> tuple[str, list[str]]:
    """One hospital and `users` consenting patients of it in `environment`: its key
    there, their IDs."""
    now = datetime.now(UTC)
    with session_at(url) as session:
        hospital = register_hospital(session, SEED_EXAMPLE["hospitalName"], BOOKING_URL, now)
        patients = PatientRepository(session)
        regists = []
        for index in range(users):
            user = patients.follow(environment, f"U{index:032x}", now)
            patients.record_consent(user, NOTICE_VERSION, now)
            regists.append(patients.registration_for(user, hospital.hospital_id, now).regist_id)
        if session.get_bind().dialect.name == "postgresql":  # statistics, as in service
            session.flush()
            session.execute(text("ANALYZE"))
    key = hospital.production_key if environment == CHANNEL else hospital.test_key
    return key, regists


def stored(url: str, call: str) -> tuple[int, int]:
    """Appointments, and the messages each call plans (`queue`: its queue card;
    `schedule`: its two reminders)."""
    kinds = ("queue_card",) if call == "queue" else ("reminder_day_before", "reminder_same_day")
    count = select(func.count())
    with session_at(url) as session:
        appointments = session.scalar(count.select_from(Appointment))
        planned = session.scalar(
            count.select_from(OutboxMessage).where(OutboxMessage.kind.in_(kinds))
        )
    return appointments or 0, planned or 0


def bodies(regists: list[str], count: int) -> list[bytes]:
    """`count` calls, each a new appointment."""
    # From the day after tomorrow: both reminders of every appointment are still ahead.
    first = datetime.now(BANGKOK).date() + timedelta(days=2)
    calls = []
    for index in range(count):
        day = (first + timedelta(days=index % 365)).isoformat()
        user, queue = regists[index % len(regists)], f"จุดคัดกรอง คิวที่ {index}"
        call = {**SEED_EXAMPLE, "userId": user, "queueNumber": queue, "appointmentDate": day}
        calls.append(orjson.dumps(call))
    return calls


async def drive(
    args: argparse.Namespace, url: str, key: str, calls: list[bytes], probe: Callable[[], Snapshot]
) -> tuple[Counter[int], list[str], list[float], Snapshot, Snapshot]:
    """The first --warmup calls, then the rest measured (`probe()` snapshots around them),
    --concurrency at a time over one session: statuses, failures, measured latencies."""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=args.concurrency)
    timeout = aiohttp.ClientTimeout(total=60)
    async with (
        asyncio.timeout(args.timeout),
        aiohttp.ClientSession(connector=connector, timeout=timeout) as session,
    ):

        async def batch(pending: Iterator[bytes], timings: list[float] | None) -> None:
            async def sender() -> None:
                for body in pending:
                    began = time.perf_counter()
                    async with session.post(url, data=body, headers=headers) as response:
                        answer = await response.read()
                    if timings is not None:
                        timings.append(time.perf_counter() - began)
                    statuses[response.status] += 1
                    if not 200 <= response.status < 300 and len(failures) < 5:
                        failures.append(f"{response.status} {answer[:300].decode()}")

            await asyncio.gather(*(sender() for _ in range(args.concurrency)))

        await batch(iter(calls[: args.warmup]), None)
        first = probe()
        await batch(iter(calls[args.warmup :]), latencies)
        last = probe()
    return statuses, failures, latencies, first, last


def reference_stored(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT count(*) FROM calls").fetchone()[0])


def one_run(
    args: argparse.Namespace,
    databases: Databases,
    run: int,
    reference: bool = False,
    workers: int = 1,
    line_api: str | None = None,
) -> RunResult:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    if reference:
        url = ""
        reference_db = databases.workdir / f"reference-{run}.sqlite"
        key, regists = "reference", [f"{n:024x}" for n in range(args.users)]
        postmaster = None
        process = reference_process(reference_db, port, databases.workdir / f"ref-{run}.log")
    else:
        url = databases.fresh()
        key, regists = seed(url, args.users, args.environment)
        postmaster = databases.postmaster_pid
        log = databases.workdir / f"serve-{run}.log"
        process = server_process(url, port, log, args.api_threads, workers, line_api)
    calls = bodies(regists, args.warmup + args.calls)
    with process as server:
        # N processes importing the app on a busy machine: give them time.
        wait_healthy(base_url, server, 180.0, path="/healthz", what="the server")
        quiet = wait_quiet(args.max_background, args.wait_idle)
        probe = functools.partial(Snapshot.take, server.pid, postmaster)
        path = "/api/queue" if args.call == "queue" else "/api/queue/schedule"
        if args.environment == "test" and not reference:
            path = "/test" + path
        outcome = uvloop.run(drive(args, base_url + path, key, calls, probe))
        statuses, failures, latencies, first, last = outcome
        peak_rss_mb = process_tree_peak_rss_kb(server.pid) / 1024  # with its workers
        code = server.terminate()
        if code not in (0, -signal.SIGTERM):  # uvicorn re-raises SIGTERM once shut down
            say(f"  the server exited with {code}:\n{server.log_tail()}")
    answered = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
    if failures:
        raise RuntimeError(f"answers other than 2xx ({answered}), e.g.:\n" + "\n".join(failures))
    made = args.warmup + args.calls
    if reference:
        appointments = cards = reference_stored(reference_db)
    else:
        appointments, cards = stored(url, args.call)
    planned = made if args.call == "queue" or reference else 2 * made
    if (appointments, cards) != (made, planned):
        raise RuntimeError(
            f"{made} calls accepted; {appointments} appointments, {cards} messages planned"
        )
    seconds = last.at - first.at
    server_cpu, postgres_cpu = last.server - first.server, last.postgres - first.postgres
    ours = server_cpu + postgres_cpu + last.client - first.client
    busy = last.machine - first.machine
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")  # percentiles 1-99
    result = RunResult(
        rate=args.calls / seconds,
        seconds=seconds,
        p50_ms=cuts[49] * 1e3,
        p99_ms=cuts[98] * 1e3,
        server_cpu_us=server_cpu / args.calls * 1e6,
        postgres_cpu_us=postgres_cpu / args.calls * 1e6,
        server_peak_rss_mb=peak_rss_mb,
        busy_cores=busy / seconds,
        background_before=quiet,
        background_during=max(0.0, busy - ours) / seconds,
    )
    what = "reference, SQLite" if reference else f"{args.database}, {workers} process(es)"
    say(
        f"run {run}/{args.runs} ({what}): {result.rate:,.0f} calls/s over "
        f"{seconds:.1f} s ({answered}); latency p50 {result.p50_ms:.1f} ms, p99 "
        f"{result.p99_ms:.1f} ms; CPU per call: server {result.server_cpu_us:.0f} µs, "
        f"PostgreSQL {result.postgres_cpu_us:.0f} µs; server peak RSS "
        f"{peak_rss_mb:.0f} MB; {result.busy_cores:.2f} cores busy, "
        f"{result.background_during:.2f} of them outside the benchmark; stored "
        f"{appointments} appointments and {cards} queue cards for {made} calls"
    )
    return result


def _median(values: list[float], digits: int = 0) -> float:
    return round(statistics.median(values), digits)


def _figures(results: list[RunResult], references: list[RunResult]) -> dict[str, Any]:
    median = _median
    figures = {
        "rate": round(median([r.rate for r in results])),
        "rates": [round(r.rate) for r in results],
        "p50_ms": median([r.p50_ms for r in results], 1),
        "p99_ms": median([r.p99_ms for r in results], 1),
        "p99s_ms": [round(r.p99_ms, 1) for r in results],
        "server_cpu_us": round(median([r.server_cpu_us for r in results])),
        "server_cpu_us_runs": [round(r.server_cpu_us) for r in results],
        "postgres_cpu_us": round(median([r.postgres_cpu_us for r in results])),
        "server_peak_rss_mb": round(max(r.server_peak_rss_mb for r in results)),
        "background_cores": round(max(r.background_during for r in results), 2),
    }
    if references:
        rate = statistics.median([r.rate for r in references])
        figures["share_of_reference"] = round(figures["rate"] / rate, 3)
    return figures


def summarise(
    args: argparse.Namespace, results: dict[int, list[RunResult]], references: list[RunResult]
) -> dict[str, Any]:
    """The medians over the runs; with several `--serve-workers` counts, those of each
    under `by_workers`."""
    summary: dict[str, Any] = {
        "database": args.database,
        "call": args.call,
        "environment": args.environment,
        "calls": args.calls,
        "concurrency": args.concurrency,
        "users": args.users,
        "runs": args.runs,
        "source": source_version(),
    }
    if len(results) == 1:
        ((workers, runs),) = results.items()
        summary.update(workers=workers, **_figures(runs, references))
    else:
        summary["by_workers"] = {
            str(workers): _figures(runs, references) for workers, runs in results.items()
        }
    if references:
        summary.update(
            reference_rate=round(statistics.median([r.rate for r in references])),
            reference_rates=[round(r.rate) for r in references],
            reference_server_cpu_us=round(_median([r.server_cpu_us for r in references])),
            reference_p99_ms=_median([r.p99_ms for r in references], 1),
        )
    return summary


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--call", choices=("queue", "schedule"), default="queue")
    parser.add_argument("--environment", choices=("production", "test"), default="production")
    parser.add_argument("--workers", type=int, help="serve --workers (PostgreSQL)")
    parser.add_argument(
        "--serve-workers",
        type=_counts,
        help="serve --workers N for each N of a comma-separated list (PostgreSQL), "
        "alternating run for run, each against a LINE sink",
    )
    parser.add_argument(
        "--reference",
        action="store_true",
        help="also measure benchmarks/reference_api.py, alternating runs with the service",
    )
    parser.add_argument(
        "--api-threads", type=int, help="the server's MOPH_CONNECT_API_THREADS (default: its own)"
    )
    parser.add_argument("--warmup", type=int, default=200, help="calls before measuring")
    parser.add_argument("--timeout", type=float, default=600.0, help="per run's calls, s")
    parser.add_argument("--max-background", type=float, default=0.25, help="cores: quiet")
    parser.add_argument("--wait-idle", type=float, default=120.0, help="s to wait for quiet")
    args = parser.parse_args(argv)
    if min(args.calls - 1, args.concurrency, args.runs, args.users) < 1 or args.warmup < 0:
        parser.error("--calls must be 2 or more, --concurrency, --runs and --users positive")
    if args.workers is not None and args.serve_workers is not None:
        parser.error("--workers N is --serve-workers N: give one of them")
    if args.serve_workers is None:
        args.serve_workers = [args.workers or 1]
    if min(args.serve_workers) < 1:
        parser.error("--workers and --serve-workers take positive counts")
    if max(args.serve_workers) > 1 and args.database != "postgresql":
        parser.error("serve --workers needs PostgreSQL (--database postgresql)")
    return args


def _counts(text: str) -> list[int]:
    return [int(part) for part in text.split(",")]


def _exit_on_sigterm(signum: int, frame: object) -> NoReturn:
    raise SystemExit(128 + signum)  # unwinds the `with` blocks: the server stops


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    workdir = Path(tempfile.mkdtemp(prefix="moph-bench-api-"))
    try:
        with contextlib.ExitStack() as stack:
            databases = stack.enter_context(Databases(args.database, None, workdir))
            # Every server alike when their process counts are compared (`serve
            # --workers` needs a LINE target): the sink, which --no-worker never calls.
            line_api = None
            if max(args.serve_workers) > 1:
                line_api = stack.enter_context(line_sink(workdir / "line-sink.log"))
            results: dict[int, list[RunResult]] = {n: [] for n in args.serve_workers}
            references = []
            for run in range(1, args.runs + 1):
                for workers in args.serve_workers:
                    results[workers].append(
                        one_run(args, databases, run, workers=workers, line_api=line_api)
                    )
                if args.reference:
                    references.append(one_run(args, databases, run, reference=True))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(orjson.dumps(summarise(args, results, references)).decode(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
