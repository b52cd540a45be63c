"""What one push costs the sending process: `LineSender` (pyreqwest) against aiohttp.

A minimal keep-alive HTTP server (a child process: uvloop + httptools, one canned 200
answer shaped like LINE's) takes the pushes, so the figure is the client's alone: CPU time
of this process (all its threads, `time.process_time`) over the pushes, with 64 in flight,
each a queue-card push (~2.6 KB) with its own `X-Line-Retry-Key`. Median of `--runs`.

    .venv/bin/python benchmarks/push_client.py --pushes 20000 --runs 3

Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

import aiohttp
import uvloop

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from moph_connect.line.sender import PUSH_PATH, LineSender  # noqa: E402
from tests.delivery.harness import queue_card_payload  # noqa: E402
from tests.support.net import free_port  # noqa: E402

CONCURRENCY = 64
TOKEN = "benchmark-token"

SERVER = """
import asyncio, sys, httptools, uvloop
BODY = b'{"sentMessages":[{"id":"593854712233457831"}]}'
ANSWER = (b"HTTP/1.1 200 OK\\r\\ncontent-type: application/json\\r\\n"
          b"x-line-request-id: 5f0d4bb6-7f07-4f37-a7e5-21d2bcd2b7a1\\r\\n"
          b"content-length: " + str(len(BODY)).encode() + b"\\r\\n\\r\\n" + BODY)
class Protocol(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        self.parser = httptools.HttpRequestParser(self)
    def data_received(self, data):
        self.parser.feed_data(data)
    def on_message_complete(self):
        self.transport.write(ANSWER)
async def main():
    server = await asyncio.get_running_loop().create_server(Protocol, "127.0.0.1", int(sys.argv[1]))
    print("ready", flush=True)
    await asyncio.sleep(float(sys.argv[2]))
    server.close()
uvloop.run(main())
"""

Push = Callable[[str], Awaitable[int]]


async def measure(push: Push, pushes: int) -> tuple[float, float]:
    """(pushes per second, client CPU µs per push) for `pushes` pushes, 64 in flight."""
    slots = asyncio.Semaphore(CONCURRENCY)

    async def one() -> None:
        async with slots:
            status = await push(str(uuid.uuid4()))
            if status != 200:
                raise RuntimeError(f"push answered {status}")

    await asyncio.gather(*(one() for _ in range(500)))  # connections open, code warm
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(one() for _ in range(pushes)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return pushes / wall, 1e6 * cpu / pushes


async def run_client(client: str, base_url: str, messages_json: str, pushes: int) -> float:
    to = "U" + "0" * 32
    if client == "LineSender (pyreqwest)":
        sender = LineSender(base_url, {"production": TOKEN}, max_connections=CONCURRENCY)

        async def push_sender(retry_key: str) -> int:
            outcome = await sender.push("production", to, messages_json, retry_key)
            return 200 if outcome.status == "sent" else 500

        try:
            rate, cpu = await measure(push_sender, pushes)
        finally:
            await sender.close()
    else:
        body = b'{"to":"' + to.encode() + b'","messages":' + messages_json.encode() + b"}"
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        async with aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=CONCURRENCY)
        ) as session:
            url = base_url + PUSH_PATH

            async def push_aiohttp(retry_key: str) -> int:
                async with session.post(
                    url, data=body, headers={**headers, "X-Line-Retry-Key": retry_key}
                ) as response:
                    await response.read()
                    return response.status

            rate, cpu = await measure(push_aiohttp, pushes)
    print(f"  {client}: {rate:,.0f} pushes/s, {cpu:.0f} µs of client CPU per push")
    return cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pushes", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(port), "600"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        server.stdout.readline()
        messages_json = queue_card_payload(0, date(2026, 5, 12))
        base_url = f"http://127.0.0.1:{port}"
        figures: dict[str, list[float]] = {"LineSender (pyreqwest)": [], "aiohttp": []}
        for run in range(args.runs):
            print(f"run {run + 1}/{args.runs}")
            for client, cpus in figures.items():
                cpus.append(uvloop.run(run_client(client, base_url, messages_json, args.pushes)))
    finally:
        server.terminate()
        server.wait(10)
    result = {
        "pushes": args.pushes,
        "runs": args.runs,
        "pyreqwest_cpu_us": round(statistics.median(figures["LineSender (pyreqwest)"])),
        "aiohttp_cpu_us": round(statistics.median(figures["aiohttp"])),
    }
    print(json.dumps(result, separators=(",", ":")))


if __name__ == "__main__":
    main()
