"""How fast one dispatcher drains a burst of due queue cards into the LINE emulator.

    .venv/bin/python benchmarks/dispatch.py [--messages 50000] [--database sqlite|postgresql]
                                            [--database-url URL] [--runs 3] [--profile DIR]

For each run and scenario: a fresh database is seeded with N due queue cards (realistic Flex
payloads from `moph_connect.messages.queue_card`, 1,000 distinct ones in rotation) to 1,000
emulator users; the emulator runs as its own process (`moph-connect line-emulator`), and one
`moph-connect worker` process drains the outbox into it. Scenarios:

* limited:   emulator at LINE's 2,000 push/s, worker paced at 1,950/s (target: >= 1,900/s,
             no 429s);
* unlimited: emulator without a limit, worker paced at 100,000/s: the worker and the
             emulator sharing two cores (the emulator, a plain ASGI app validating every
             push, takes the larger share, so this is no measure of the worker alone);
* unlimited-sink: as unlimited, but LINE is `benchmarks/line_sink.py`,
             which answers pushes and counts them and nothing else: the worker's own rate
             when LINE's side does not share the benchmark's two cores, the throughput
             figure that must not be limited by the emulator (target: >= 4,000/s);
* limited-sink (on request): as limited, against the sink, whose bucket counts requests as
             they arrive (the emulator's counts them as it gets to them).

Measured: the send rate (deliveries between the first and the last one the emulator saw,
over that time), the drain time (worker start until every row is recorded as sent), the
emulator's 429s and 409s, peak RSS, and the CPU each process spent per message while
sending (worker, emulator, PostgreSQL; "background" is whatever else ran on the machine).
A run disturbed by background load above --max-background cores is repeated (up to
--attempts times). Progress goes to stderr; the last line on stdout is one JSON object of
figures (medians over the runs).

PostgreSQL: by default a throwaway server is started (tests/support/postgres.py); with
`--database-url` the given database is used and EMPTIED (every table is truncated), and its
CPU counts as background. Everything listens on 127.0.0.1 only, and every wait is bounded.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `tests.*` importable
    sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402
from benchmarks.measuring import (  # noqa: E402
    machine_busy_seconds,
    proc_cpu_seconds,
    proc_status_kb,
    process_tree_cpu_seconds,
    py_spy,
    say,
    wait_healthy,
    wait_quiet,
)
from sqlalchemy import text  # noqa: E402

from moph_connect.db.engine import make_engine  # noqa: E402
from moph_connect.db.migrate import upgrade  # noqa: E402
from moph_connect.db.models import Base  # noqa: E402
from moph_connect.db.uow import Database  # noqa: E402
from tests.delivery.harness import (  # noqa: E402
    EmulatorControl,
    ManagedProcess,
    bangkok_today,
    cli_command,
    insert_rows,
    open_count,
    outbox_row,
    queue_card_payload,
    service_env,
    worker_process,
)
from tests.support.net import free_port  # noqa: E402
from tests.support.postgres import PostgresServer  # noqa: E402

USERS = 1000
DISTINCT_PAYLOADS = 1000
LIMITED_RATE = 2000.0
# The worker's rate in the limited scenario, as an operator would set it: 2.5% under LINE's
# limit. Sent at exactly the limit, a token bucket refills exactly as fast as it is spent,
# so the burst allowance that one jitter (a stalled process catching up) uses is never
# regained, and the next jitter draws 429s (32-48 per 50,000 in runs at 2,000/s).
LIMITED_WORKER_RATE = 1950.0
UNLIMITED_WORKER_RATE = 100_000.0
POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Scenario:
    name: str
    emulator_limit: float  # 0: unlimited
    worker_rate: float
    # "emulator": `moph-connect line-emulator`; "sink": `benchmarks/line_sink.py`, a LINE
    # stand-in that only counts, so that the worker has the machine to itself as it would
    # with LINE on LINE's machines (the "receiver" CPU columns then are the sink's).
    receiver: str = "emulator"

    @property
    def key(self) -> str:
        return self.name.replace("-", "_")


SCENARIOS = {
    "limited": Scenario("limited", LIMITED_RATE, LIMITED_WORKER_RATE),
    "unlimited": Scenario("unlimited", 0.0, UNLIMITED_WORKER_RATE),
    "unlimited-sink": Scenario("unlimited-sink", 0.0, UNLIMITED_WORKER_RATE, receiver="sink"),
    "limited-sink": Scenario("limited-sink", LIMITED_RATE, LIMITED_WORKER_RATE, receiver="sink"),
}


@dataclass(frozen=True)
class Options:
    messages: int
    database: str
    database_url: str | None
    runs: int
    scenarios: list[Scenario]
    timeout: float
    profile: Path | None
    profile_seconds: float
    details: Path | None
    max_background: float
    wait_idle: float
    attempts: int


@dataclass(frozen=True)
class RunResult:
    scenario: str
    messages: int
    rate: float  # deliveries/s from the first to the last delivery the emulator saw
    send_seconds: float
    startup_seconds: float  # worker start → first delivery seen
    drain_seconds: float  # worker start → every row recorded as sent
    rate_limited: int
    conflicts: int
    requests: int
    worker_peak_rss_mb: float
    emulator_peak_rss_mb: float
    # CPU per delivered message while sending, in microseconds.
    worker_cpu_us: float
    emulator_cpu_us: float
    postgres_cpu_us: float  # 0 for SQLite (in the worker) or a server we did not start
    busy_cores: float  # of the machine's, on average while sending
    # Load from everything else on the machine (other users, the kernel's share not charged
    # to a process), in cores: just before the worker started, and while sending.
    background_before: float
    background_during: float
    attempt: int = 1

    def clean(self, max_background: float) -> bool:
        return self.background_during <= max_background


# --- processes ---------------------------------------------------------------------------


def emulator_process(port: int, scenario: Scenario, log_path: Path) -> ManagedProcess:
    if scenario.receiver == "sink":
        sink = [sys.executable, str(ROOT / "benchmarks" / "line_sink.py"), "--port", str(port)]
        sink += ["--rate-limit", str(scenario.emulator_limit)]
        return ManagedProcess(sink, service_env({}), log_path)
    limit = scenario.emulator_limit
    # Webhooks (the follow events of the users we create) go to a port nobody listens on.
    args = [
        *cli_command(),
        "line-emulator",
        "--port",
        str(port),
        "--rate-limit",
        str(limit),
        "--webhook-base",
        f"http://127.0.0.1:{free_port()}",
    ]
    return ManagedProcess(args, service_env({"log_level": "WARNING"}), log_path)


@dataclass(frozen=True)
class Snapshot:
    at: float
    delivered: int
    worker: float
    emulator: float
    postgres: float
    driver: float
    machine: float

    @classmethod
    def take(
        cls, delivered: int, worker: ManagedProcess, emulator: ManagedProcess, postgres: int | None
    ) -> Snapshot:
        return cls(
            at=time.monotonic(),
            delivered=delivered,
            worker=proc_cpu_seconds(worker.pid),
            emulator=proc_cpu_seconds(emulator.pid),
            postgres=0.0 if postgres is None else process_tree_cpu_seconds(postgres),
            driver=time.process_time(),
            machine=machine_busy_seconds(),
        )


# --- databases ----------------------------------------------------------------------------


class Databases:
    """A fresh, migrated, empty database per run."""

    def __init__(self, kind: str, url: str | None, workdir: Path) -> None:
        self.kind = kind
        self.workdir = workdir
        self._server: PostgresServer | None = None
        self._url = url
        self._runs = 0

    def __enter__(self) -> Databases:
        if self.kind == "postgresql" and self._url is None:
            say("starting a throwaway PostgreSQL server")
            self._server = PostgresServer()
            self._server.start()
            self._url = self._server.url
        if self._url is not None:
            upgrade(self._url)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.stop()

    @property
    def postmaster_pid(self) -> int | None:
        """The throwaway server's postmaster, whose CPU (and its backends') we count."""
        if self._server is None:
            return None
        return int((self._server.data / "postmaster.pid").read_text().split()[0])

    def fresh(self) -> str:
        self._runs += 1
        if self.kind == "sqlite":
            url = f"sqlite:///{self.workdir / f'run-{self._runs}.db'}"
            upgrade(url)
            return url
        assert self._url is not None
        engine = make_engine(self._url, pool_size=1)
        names = ", ".join(table.name for table in Base.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE TABLE {names} RESTART IDENTITY CASCADE"))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
        engine.dispose()
        return self._url


def seed(database: Database, users: list[str], messages: int) -> None:
    now = datetime.now(UTC)
    day = bangkok_today(now)
    payloads = [queue_card_payload(i, day) for i in range(DISTINCT_PAYLOADS)]
    rows = [
        outbox_row(
            line_user_id=users[i % len(users)],
            payload=payloads[i % len(payloads)],
            now=now,
            kind="queue_card",
            dedup_key=f"bench:{i}",
            appointment_date=day,
        )
        for i in range(messages)
    ]
    insert_rows(database, rows)
    if database.dialect == "postgresql":  # as a table in service would have statistics
        with database.transaction() as session:
            session.execute(text("ANALYZE outbox_messages"))


# --- one run ------------------------------------------------------------------------------


class Run:
    def __init__(self, options: Options, scenario: Scenario, databases: Databases) -> None:
        self.options = options
        self.scenario = scenario
        self.databases = databases
        self.tag = f"{scenario.name}-{time.time_ns()}"
        self.workdir = databases.workdir

    def execute(self) -> RunResult:
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        url = self.databases.fresh()
        database = Database(make_engine(url, pool_size=1))
        log = self.workdir / f"emulator-{self.tag}.log"
        try:
            with (
                emulator_process(port, self.scenario, log) as emulator,
                EmulatorControl(base_url) as control,
            ):
                wait_healthy(base_url, emulator)
                users = [control.create_user(f"ผู้ป่วย {i}") for i in range(USERS)]
                control.client.post("/control/reset")  # forget the follow events' counts
                seed(database, users, self.options.messages)
                say(f"  seeded {self.options.messages} messages to {len(users)} users")
                quiet = wait_quiet(self.options.max_background, self.options.wait_idle)
                worker = worker_process(
                    url,
                    base_url,
                    self.workdir / f"worker-{self.tag}.log",
                    rate_per_second=self.scenario.worker_rate,
                    poll_seconds=None,  # production defaults, but for the rate
                    log_level="WARNING",
                )
                with worker:
                    result = self._measure(control, database, worker, emulator, quiet)
                    code = worker.terminate()
                    if code != 0:
                        say(f"  the worker exited with {code}:\n{worker.log_tail()}")
                return result
        finally:
            database.dispose()

    def _measure(
        self,
        control: EmulatorControl,
        database: Database,
        worker: ManagedProcess,
        emulator: ManagedProcess,
        quiet: float,
    ) -> RunResult:
        messages = self.options.messages
        started = time.monotonic()
        deadline = started + self.options.timeout
        postgres = self.databases.postmaster_pid

        def delivered() -> int:
            return control.stats()["deliveries"]

        def check() -> None:
            if not worker.alive():
                raise RuntimeError(f"the worker exited:\n{worker.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"not drained within {self.options.timeout:.0f} s")

        while (count := delivered()) == 0:
            check()
            time.sleep(0.005)
        first = Snapshot.take(count, worker, emulator, postgres)
        with self._profiling(worker, emulator):
            while (count := delivered()) < messages:
                check()
                time.sleep(POLL_SECONDS)
            last = Snapshot.take(count, worker, emulator, postgres)
        while open_count(database) > 0:
            check()
            time.sleep(POLL_SECONDS)
        drained_at = time.monotonic()
        stats = control.stats()
        if stats["deliveries"] != messages:
            raise RuntimeError(f"{stats['deliveries']} deliveries for {messages} messages")

        seconds = last.at - first.at
        sent = last.delivered - first.delivered
        worker_cpu = last.worker - first.worker
        emulator_cpu = last.emulator - first.emulator
        postgres_cpu = last.postgres - first.postgres
        ours = worker_cpu + emulator_cpu + postgres_cpu + (last.driver - first.driver)
        busy = last.machine - first.machine
        return RunResult(
            scenario=self.scenario.name,
            messages=messages,
            rate=sent / seconds,
            send_seconds=seconds,
            startup_seconds=first.at - started,
            drain_seconds=drained_at - started,
            rate_limited=stats["rateLimited"],
            conflicts=stats["conflicts"],
            requests=stats["requests"],
            worker_peak_rss_mb=proc_status_kb(worker.pid, "VmHWM") / 1024,
            emulator_peak_rss_mb=proc_status_kb(emulator.pid, "VmHWM") / 1024,
            worker_cpu_us=worker_cpu / sent * 1e6,
            emulator_cpu_us=emulator_cpu / sent * 1e6,
            postgres_cpu_us=postgres_cpu / sent * 1e6,
            busy_cores=busy / seconds,
            background_before=quiet,
            background_during=max(0.0, busy - ours) / seconds,
        )

    def _profiling(
        self, worker: ManagedProcess, emulator: ManagedProcess
    ) -> contextlib.AbstractContextManager[Any]:
        directory = self.options.profile
        if directory is None:
            return contextlib.nullcontext()
        directory.mkdir(parents=True, exist_ok=True)
        seconds = self.options.profile_seconds
        stack = contextlib.ExitStack()
        stack.enter_context(py_spy(worker.pid, directory / f"worker-{self.tag}.txt", seconds))
        stack.enter_context(py_spy(emulator.pid, directory / f"emulator-{self.tag}.txt", seconds))
        return stack


def report(result: RunResult) -> None:
    say(
        f"  {result.scenario}: {result.rate:,.0f}/s over {result.send_seconds:.1f} s (drained "
        f"{result.drain_seconds:.1f} s after the worker started); 429s={result.rate_limited} "
        f"409s={result.conflicts}; worker peak RSS {result.worker_peak_rss_mb:.0f} MB; CPU per "
        f"message: worker {result.worker_cpu_us:.0f} µs, "
        f"{SCENARIOS[result.scenario].receiver} {result.emulator_cpu_us:.0f} "
        f"µs, PostgreSQL {result.postgres_cpu_us:.0f} µs; {result.busy_cores:.2f} cores busy, "
        f"{result.background_during:.2f} of them outside the benchmark"
    )


def measure_scenario(
    options: Options, scenario: Scenario, databases: Databases, run: int
) -> RunResult:
    """One run of `scenario`, repeated while background load disturbs it (up to
    `options.attempts` times); the least disturbed attempt counts."""
    attempts: list[RunResult] = []
    for attempt in range(1, options.attempts + 1):
        say(f"run {run}/{options.runs}, {scenario.name}, {options.database}, attempt {attempt}")
        result = Run(options, scenario, databases).execute()
        result = RunResult(**{**asdict(result), "attempt": attempt})
        report(result)
        attempts.append(result)
        if options.details is not None:
            with options.details.open("ab") as details:
                line = {"database": options.database, "run": run, **asdict(result)}
                details.write(orjson.dumps(line) + b"\n")
        if result.clean(options.max_background):
            return result
        say(f"  disturbed: {result.background_during:.2f} cores of background load")
    return min(attempts, key=lambda r: r.background_during)


# --- main ---------------------------------------------------------------------------------


def source_version() -> str:
    """The commit measured, with "+dirty" if src/ has uncommitted changes."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "src"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "unknown"
    return (commit or "unknown") + ("+dirty" if dirty else "")


def summarise(options: Options, results: list[RunResult]) -> dict[str, Any]:
    """Medians over the runs (429s and 409s: the most any run saw; RSS: the peak)."""
    figures: dict[str, Any] = {
        "database": options.database,
        "messages": options.messages,
        "source": source_version(),
        "runs": options.runs,
    }

    def median(values: list[float], digits: int = 0) -> float:
        return round(statistics.median(values), digits)

    for scenario in SCENARIOS.values():
        runs = [r for r in results if r.scenario == scenario.name]
        if not runs:
            continue
        name = scenario.key
        figures[f"{name}_rate"] = round(median([r.rate for r in runs]))
        figures[f"{name}_rates"] = [round(r.rate) for r in runs]
        figures[f"{name}_429"] = max(r.rate_limited for r in runs)
        figures[f"{name}_409"] = max(r.conflicts for r in runs)
        figures[f"{name}_drain_s"] = median([r.drain_seconds for r in runs], 1)
        figures[f"{name}_worker_peak_rss_mb"] = round(max(r.worker_peak_rss_mb for r in runs))
        figures[f"{name}_worker_cpu_us"] = round(median([r.worker_cpu_us for r in runs]))
        figures[f"{name}_emulator_cpu_us"] = round(median([r.emulator_cpu_us for r in runs]))
        figures[f"{name}_postgres_cpu_us"] = round(median([r.postgres_cpu_us for r in runs]))
        figures[f"{name}_background_cores"] = round(max(r.background_during for r in runs), 2)
        figures[f"{name}_clean_runs"] = sum(r.clean(options.max_background) for r in runs)
    return figures


def parse(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL database to use instead of a throwaway server: it is EMPTIED",
    )
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument(
        "--scenarios", default="limited,unlimited,unlimited-sink", help="comma-separated"
    )
    parser.add_argument("--timeout", type=float, default=600.0, help="per run, seconds")
    parser.add_argument("--profile", type=Path, help="write py-spy samples (raw) here")
    parser.add_argument(
        "--profile-seconds", type=float, default=5.0, help="how long to sample while sending"
    )
    parser.add_argument("--details", type=Path, help="append every attempt's figures here")
    parser.add_argument(
        "--max-background",
        type=float,
        default=0.25,
        help="cores of other load that make a run count as disturbed (default 0.25)",
    )
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=120.0,
        help="before each run, wait at most this long for the machine to be that quiet",
    )
    parser.add_argument(
        "--attempts", type=int, default=3, help="runs repeated while disturbed, at most"
    )
    args = parser.parse_args(argv)
    if args.database_url and args.database != "postgresql":
        parser.error("--database-url is for --database postgresql")
    try:
        scenarios = [SCENARIOS[name] for name in args.scenarios.split(",")]
    except KeyError as error:
        parser.error(f"unknown scenario {error}; choose from {', '.join(SCENARIOS)}")
    return Options(
        messages=args.messages,
        database=args.database,
        database_url=args.database_url,
        runs=args.runs,
        scenarios=scenarios,
        timeout=args.timeout,
        profile=args.profile,
        profile_seconds=args.profile_seconds,
        details=args.details,
        max_background=args.max_background,
        wait_idle=args.wait_idle,
        attempts=max(1, args.attempts),
    )


def _exit_on_sigterm(signum: int, frame: object) -> NoReturn:
    # SystemExit unwinds the `with` blocks, which stop the worker, emulator and server.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    workdir = Path(tempfile.mkdtemp(prefix="moph-bench-"))
    results: list[RunResult] = []
    try:
        with Databases(options.database, options.database_url, workdir) as databases:
            for run in range(1, options.runs + 1):
                for scenario in options.scenarios:
                    results.append(measure_scenario(options, scenario, databases, run))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(orjson.dumps(summarise(options, results)).decode(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
