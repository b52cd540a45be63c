"""The national midnight run, simulated: every hospital schedules tomorrow's appointments.

    .venv/bin/python benchmarks/midnight.py [--hospitals 1000] [--calls 200000]
        [--mode batch|single] [--batch-size 200] [--concurrency 4]
        [--database sqlite|postgresql] [--workers 1]

A fresh, migrated database is seeded (Core bulk inserts, not timed) with --hospitals
hospitals and --calls patients spread evenly over them, each with a MOPH Connect ID at
her hospital. `moph-connect serve --no-worker` (or `serve --workers N` on PostgreSQL, with
benchmarks/line_sink.py as its LINE target) runs as its own process. Then every hospital
sends its share of the night's schedule calls, one appointment per patient, the day after
tomorrow (both reminders ahead):

- `--mode batch`: `POST /api/queue/schedule/batch` with --batch-size items, --concurrency
  batches in flight (hospital systems running at the same time);
- `--mode single`: one `POST /api/queue/schedule` per appointment, --concurrency in flight.

Every item must be accepted (202) and the database must hold one appointment and two
planned reminders per call afterwards, or the run fails. Reported (last stdout line, JSON):
the calls' wall time, calls/s, the server's CPU per call, and the projected time for
1,000,000 calls (the country's night) at that rate on this machine; issue 12's goal is
at most 10 minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `benchmarks.*`, `tests.*` importable
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import orjson  # noqa: E402
import uvloop  # noqa: E402
from benchmarks.api import Snapshot, _exit_on_sigterm, session_at  # noqa: E402
from benchmarks.dispatch import Databases, source_version  # noqa: E402
from benchmarks.measuring import say, wait_healthy  # noqa: E402
from benchmarks.servers import line_sink, server_process  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from moph_connect.appointments.schemas import SEED_EXAMPLE  # noqa: E402
from moph_connect.clock import BANGKOK  # noqa: E402
from moph_connect.db.models import Appointment, LineUser, OutboxMessage, Registration  # noqa: E402
from moph_connect.hospitals.service import register_hospital  # noqa: E402
from moph_connect.messages import NOTICE_VERSION  # noqa: E402
from moph_connect.patients.repository import new_regist_id  # noqa: E402
from tests.support.net import free_port  # noqa: E402

NATION = 1_000_000
GOAL_SECONDS = 600.0
BOOKING_URL = "http://hospital.example/queue?regist={regist}"


def seed(url: str, hospitals: int, patients: int) -> list[tuple[str, list[str]]]:
    """Each hospital's production key and its patients' MOPH Connect IDs."""
    now = datetime.now(UTC)
    seeded: list[tuple[str, list[str]]] = []
    with session_at(url) as session:
        new = [
            register_hospital(session, f"โรงพยาบาล {n}", BOOKING_URL, now) for n in range(hospitals)
        ]
        users = [
            {
                "environment": "production",
                "line_user_id": f"U{n:032x}",
                "following": True,
                "followed_at": now,
                "consent_version": NOTICE_VERSION,
            }
            for n in range(patients)
        ]
        ids = list(session.scalars(insert(LineUser).returning(LineUser.id), users))
        registrations = []
        for index, hospital in enumerate(new):
            mine = ids[index::hospitals]
            rows = [
                {
                    "regist_id": new_regist_id(),
                    "environment": "production",
                    "line_user_pk": pk,
                    "hospital_id": hospital.hospital_id,
                    "created_at": now,
                }
                for pk in mine
            ]
            registrations.extend(rows)
            seeded.append((hospital.production_key, [row["regist_id"] for row in rows]))
        session.execute(insert(Registration), registrations)
    return seeded


def schedule_bodies(regists: list[str]) -> list[dict[str, Any]]:
    day = (datetime.now(BANGKOK).date() + timedelta(days=2)).isoformat()
    return [
        {**SEED_EXAMPLE, "userId": regist, "queueNumber": f"คิวที่ {n}", "appointmentDate": day}
        for n, regist in enumerate(regists)
    ]


async def drive(
    args: argparse.Namespace, base_url: str, night: list[tuple[str, list[str]]]
) -> Counter[int]:
    """Every hospital's calls, --concurrency requests in flight: item statuses."""
    requests: list[tuple[str, str, bytes]] = []
    for key, regists in night:
        calls = schedule_bodies(regists)
        if args.mode == "batch":
            for start in range(0, len(calls), args.batch_size):
                chunk = calls[start : start + args.batch_size]
                requests.append((key, "/api/queue/schedule/batch", orjson.dumps(chunk)))
        else:
            requests.extend((key, "/api/queue/schedule", orjson.dumps(c)) for c in calls)
    # Hospitals interleaved, as a whole country's nightly jobs run side by side.
    requests.sort(key=lambda request: hash(request[2]))
    statuses: Counter[int] = Counter()
    pending = iter(requests)
    connector = aiohttp.TCPConnector(limit=args.concurrency)
    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def sender() -> None:
            for key, path, body in pending:
                headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
                async with session.post(base_url + path, data=body, headers=headers) as answer:
                    payload = await answer.read()
                if path.endswith("/batch") and answer.status == 200:
                    for item in orjson.loads(payload)["results"]:
                        statuses[item["status"]] += 1
                else:
                    statuses[answer.status] += 1

        await asyncio.gather(*(sender() for _ in range(args.concurrency)))
    return statuses


def stored(url: str) -> tuple[int, int]:
    count = select(func.count())
    with session_at(url) as session:
        appointments = session.scalar(count.select_from(Appointment)) or 0
        reminders = session.scalar(count.select_from(OutboxMessage)) or 0
    return appointments, reminders


def run(args: argparse.Namespace, databases: Databases) -> dict[str, Any]:
    url = databases.fresh()
    began = time.perf_counter()
    night = seed(url, args.hospitals, args.calls)
    say(
        f"seeded {args.hospitals} hospitals, {args.calls} patients in "
        f"{time.perf_counter() - began:.0f} s"
    )
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = databases.workdir / "serve.log"
    with contextlib.ExitStack() as stack:
        line_api = None
        if args.workers > 1:  # serve --workers needs a LINE target; --no-worker pushes none
            line_api = stack.enter_context(line_sink(databases.workdir / "line-sink.log"))
        server = stack.enter_context(server_process(url, port, log, None, args.workers, line_api))
        wait_healthy(base_url, server, 120.0, path="/healthz", what="the server")
        probe = functools.partial(Snapshot.take, server.pid, databases.postmaster_pid)
        first = probe()
        statuses = uvloop.run(drive(args, base_url, night))
        last = probe()
        server.terminate()
    seconds = last.at - first.at
    if set(statuses) != {202} or statuses[202] != args.calls:
        raise RuntimeError(f"not every call accepted: {dict(statuses)}")
    appointments, planned = stored(url)
    if (appointments, planned) != (args.calls, 2 * args.calls):
        raise RuntimeError(f"{args.calls} calls: {appointments} appointments, {planned} planned")
    rate = args.calls / seconds
    result = {
        "database": args.database,
        "mode": args.mode,
        "workers": args.workers,
        "hospitals": args.hospitals,
        "calls": args.calls,
        "batch_size": args.batch_size if args.mode == "batch" else None,
        "concurrency": args.concurrency,
        "source": source_version(),
        "seconds": round(seconds, 1),
        "rate": round(rate),
        "server_cpu_us": round((last.server - first.server) / args.calls * 1e6),
        "postgres_cpu_us": round((last.postgres - first.postgres) / args.calls * 1e6),
        "projected_nation_seconds": round(NATION / rate),
        "meets_goal": NATION / rate <= GOAL_SECONDS,
    }
    say(
        f"{args.calls:,} schedule calls ({args.mode}) from {args.hospitals:,} hospitals in "
        f"{seconds:.0f} s: {rate:,.0f} calls/s; 1,000,000 would take {NATION / rate / 60:.0f} min"
    )
    return result


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--hospitals", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--mode", choices=("batch", "single"), default="batch")
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--concurrency", type=int, help="requests in flight (4 batches / 64)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--workers", type=int, default=1, help="serve --workers (PostgreSQL)")
    args = parser.parse_args(argv)
    if args.concurrency is None:
        args.concurrency = 4 if args.mode == "batch" else 64
    if not 1 <= args.batch_size <= 1000 or min(args.hospitals, args.calls, args.workers) < 1:
        parser.error("--batch-size 1-1000; --hospitals, --calls and --workers positive")
    if args.calls < args.hospitals:
        parser.error("--calls must be at least --hospitals (one patient per hospital)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    workdir = Path(tempfile.mkdtemp(prefix="moph-bench-midnight-"))
    try:
        with Databases(args.database, None, workdir) as databases:
            result = run(args, databases)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(orjson.dumps(result).decode(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
