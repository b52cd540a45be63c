"""How much CPU the standalone LINE emulator spends per push request.

    .venv/bin/python benchmarks/emulator_push.py [--pushes 30000] [--users 1000]
        [--concurrency 64] [--runs 3] [--profile DIR]

Each run starts a fresh `moph-connect line-emulator --rate-limit 0` on a free 127.0.0.1
port, creates the users through its control API, warms it up, then drives `--pushes`
queue-card pushes (the real Flex bodies of `tests.delivery.harness.queue_card_payload`,
a fresh `X-Line-Retry-Key` each) from `--concurrency` keep-alive aiohttp connections.
Measured: the emulator process's CPU (utime + stime from /proc/<pid>/stat) over the pushes,
divided by their number, and pushes/s; the client's own CPU is not counted. The machine's
load outside this script is reported too (a busy machine slows, but should not inflate,
the per-push figure). Progress goes to stderr; the last line on stdout is one JSON object
(medians over the runs).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `tests.*` importable
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import httpx  # noqa: E402
import orjson  # noqa: E402
from benchmarks.measuring import (  # noqa: E402
    idle_load,
    machine_busy_seconds,
    proc_cpu_times,
    py_spy,
    say,
    wait_healthy,
    wait_quiet,
)

from line_contract.credentials import EMULATOR_CREDENTIALS  # noqa: E402
from tests.delivery.harness import ManagedProcess, queue_card_payload, service_env  # noqa: E402
from tests.support.net import free_port  # noqa: E402

CHANNEL = "production"
TOKEN = EMULATOR_CREDENTIALS[CHANNEL].access_token
PUSH_PATH = "/v2/bot/message/push"


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def emulator_args(port: int) -> list[str]:
    binary = Path(sys.executable).with_name("moph-connect")
    # Webhooks (the follow events of the users we create) go to a port nobody listens on.
    return [
        str(binary),
        "line-emulator",
        "--port",
        str(port),
        "--rate-limit",
        "0",
        "--webhook-base",
        f"http://127.0.0.1:{free_port()}",
    ]


def create_users(base_url: str, count: int) -> list[str]:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        users = []
        for index in range(count):
            response = client.post(
                f"/control/channels/{CHANNEL}/users", json={"displayName": f"ผู้ป่วย {index}"}
            )
            response.raise_for_status()
            users.append(response.json()["userId"])
        return users


def push_bodies(users: list[str], count: int, start: int) -> list[bytes]:
    """Push bodies for `count` pushes, round-robin over users, texts varying by index."""
    day = date(2026, 1, 15)
    bodies = []
    for index in range(start, start + count):
        messages = queue_card_payload(index, day).encode()
        to = users[index % len(users)].encode()
        bodies.append(b'{"to":"' + to + b'","messages":' + messages + b"}")
    return bodies


class _RawConnection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection answering one request at a time: just enough
    client to read the emulator's `Content-Length` responses."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._answer: asyncio.Future[bytes] | None = None
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        if self._answer is not None and not self._answer.done():
            self._answer.set_exception(ConnectionError("the emulator closed the connection"))
        if not self.lost.done():
            self.lost.set_result(None)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0 or self._answer is None:
            return
        head = bytes(self._buffer[:end]).lower()
        start = head.index(b"content-length:") + len(b"content-length:")
        length = int(head[start : head.index(b"\r\n", start)])
        if len(self._buffer) >= end + 4 + length:
            response = bytes(self._buffer[: end + 4 + length])
            del self._buffer[: end + 4 + length]
            self._answer.set_result(response)

    async def request(self, data: bytes) -> bytes:
        assert self.transport is not None
        self._answer = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return await self._answer


async def drive_raw(base_url: str, bodies: list[bytes], concurrency: int) -> None:
    """As `drive`, over bare asyncio connections: a client cheap enough that the emulator,
    not the client, sets the pace (so the emulator runs saturated, as a busy LINE would)."""
    host, port = base_url.removeprefix("http://").split(":")
    head = (
        f"POST {PUSH_PATH} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n"
        "Accept: */*\r\nAccept-Encoding: gzip, deflate\r\nUser-Agent: emulator-push\r\n"
    ).encode()
    pending = iter(bodies)
    loop = asyncio.get_running_loop()

    async def sender() -> None:
        _, connection = await loop.create_connection(_RawConnection, host, int(port))
        try:
            for body in pending:
                key = str(uuid.uuid4()).encode()
                request = b"%sX-Line-Retry-Key: %s\r\nContent-Length: %d\r\n\r\n%s" % (
                    head,
                    key,
                    len(body),
                    body,
                )
                response = await connection.request(request)
                if not response.startswith(b"HTTP/1.1 200 "):
                    raise RuntimeError(f"push answered {response[:200]!r}")
        finally:
            if connection.transport is not None:
                connection.transport.close()
            await connection.lost

    await asyncio.gather(*(sender() for _ in range(concurrency)))


async def drive(base_url: str, bodies: list[bytes], concurrency: int) -> None:
    """Send every body once, `concurrency` at a time; any answer but 200 is an error."""
    url = base_url + PUSH_PATH
    pending = iter(bodies)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def sender() -> None:
            for body in pending:
                headers = {
                    "Authorization": f"Bearer {TOKEN}",
                    "Content-Type": "application/json",
                    "X-Line-Retry-Key": str(uuid.uuid4()),
                }
                async with session.post(url, data=body, headers=headers) as response:
                    answer = await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"push answered {response.status}: {answer!r}")

        await asyncio.gather(*(sender() for _ in range(concurrency)))


@dataclass(frozen=True)
class RunResult:
    cpu_us_per_push: float
    system_us_per_push: float  # the part of it spent in the kernel (socket I/O)
    pushes_per_s: float
    background_cores: float  # other processes, measured just before the pushes
    background_cores_during: float  # machine busy minus emulator and client, during them


def one_run(args: argparse.Namespace, workdir: Path, run: int) -> RunResult:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = workdir / f"emulator-{run}.log"
    env = service_env({"log_level": "WARNING"})
    with ManagedProcess(emulator_args(port), env, log) as emulator:
        try:
            wait_healthy(base_url, emulator)
            if args.pin:
                # One core each: the emulator's cost then depends less on how the kernel
                # happens to interleave it with the client (much less run-to-run spread).
                os.sched_setaffinity(emulator.pid, {1})
                os.sched_setaffinity(0, {0})
            users = create_users(base_url, args.users)
            warmup = push_bodies(users, args.warmup, 0)
            bodies = push_bodies(users, args.pushes, args.warmup)
            driver = drive_raw if args.client == "raw" else drive
            asyncio.run(driver(base_url, warmup, args.concurrency))
            background = wait_quiet(args.max_background, args.max_wait)
            profile: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
            if args.profile is not None:
                output = Path(args.profile) / f"emulator-push-{run}.speedscope.json"
                profile = py_spy(emulator.pid, output, args.profile_seconds, "speedscope")
            (before_user, before_system), before = (
                proc_cpu_times(emulator.pid),
                time.perf_counter(),
            )
            before_machine, before_own = machine_busy_seconds(), own_cpu_seconds()
            with profile:
                asyncio.run(driver(base_url, bodies, args.concurrency))
                (after_user, after_system), after = (
                    proc_cpu_times(emulator.pid),
                    time.perf_counter(),
                )
                after_machine, after_own = machine_busy_seconds(), own_cpu_seconds()
            stats: dict[str, Any] = httpx.get(f"{base_url}/control/stats").json()
            accepted = stats["channels"][CHANNEL]["accepted"]
            if accepted != args.warmup + args.pushes:
                raise RuntimeError(f"{accepted} accepted for {args.warmup + args.pushes} pushes")
        finally:
            emulator.terminate()
    user, system = after_user - before_user, after_system - before_system
    # Whatever the machine did besides the emulator and this client, during the pushes.
    others = (after_machine - before_machine) - (user + system)
    others -= after_own - before_own
    result = RunResult(
        cpu_us_per_push=(user + system) / args.pushes * 1e6,
        system_us_per_push=system / args.pushes * 1e6,
        pushes_per_s=args.pushes / (after - before),
        background_cores=background,
        background_cores_during=max(0.0, others / (after - before)),
    )
    say(
        f"run {run + 1}: {result.cpu_us_per_push:.0f} µs emulator CPU/push "
        f"({result.system_us_per_push:.0f} in the kernel), "
        f"{result.pushes_per_s:.0f} pushes/s ({background:.2f} cores busy elsewhere before, "
        f"{result.background_cores_during:.2f} during)"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pushes", type=int, default=30_000)
    parser.add_argument("--warmup", type=int, default=2_000)
    parser.add_argument("--users", type=int, default=1_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", help="directory for py-spy speedscope profiles")
    parser.add_argument("--profile-seconds", type=float, default=8.0)
    parser.add_argument("--max-background", type=float, default=0.25, help="cores")
    parser.add_argument(
        "--client",
        choices=["aiohttp", "raw"],
        default="aiohttp",
        help="aiohttp (as our sender) or a bare asyncio client that saturates the emulator",
    )
    parser.add_argument(
        "--no-pin", dest="pin", action="store_false", help="do not pin emulator and client"
    )
    parser.add_argument("--max-wait", type=float, default=120.0, help="seconds")
    args = parser.parse_args()
    if args.profile is not None:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    say(f"machine before: {idle_load():.2f} cores busy of {os.cpu_count()}")
    with tempfile.TemporaryDirectory(prefix="emulator-push-") as tmp:
        runs = [one_run(args, Path(tmp), run) for run in range(args.runs)]
    figures = {
        "pushes": args.pushes,
        "users": args.users,
        "concurrency": args.concurrency,
        "client": args.client,
        "runs": args.runs,
        "emulator_cpu_us_per_push": round(statistics.median(r.cpu_us_per_push for r in runs), 1),
        "emulator_system_us_per_push": round(
            statistics.median(r.system_us_per_push for r in runs), 1
        ),
        "pushes_per_s": round(statistics.median(r.pushes_per_s for r in runs)),
        "background_cores_max": round(max(r.background_cores for r in runs), 2),
        "background_cores_during_max": round(max(r.background_cores_during for r in runs), 2),
        "all": [asdict(r) for r in runs],
    }
    print(orjson.dumps(figures).decode())


if __name__ == "__main__":
    main()
