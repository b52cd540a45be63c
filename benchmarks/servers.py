"""The processes the hospital-API benchmarks start (benchmarks/api.py, midnight.py): the
service, the bare-Starlette reference, and a LINE target for `serve --workers`."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

from benchmarks.measuring import wait_healthy

from tests.delivery.harness import ManagedProcess, cli_command, service_env
from tests.support.net import free_port

HERE = Path(__file__).resolve().parent


def line_target_settings(base_url: str) -> dict[str, str]:
    """A LINE target at `base_url` with credentials for both channels, as production
    has them (the sink takes any bearer token; on loopback, `serve` allows made-up
    ones)."""
    settings = {"line_api_base_url": base_url}
    for prefix in ("", "test_"):
        settings[f"{prefix}line_channel_access_token"] = f"bench-{prefix}token"
        settings[f"{prefix}line_channel_secret"] = f"bench-{prefix}secret"
    return settings


@contextlib.contextmanager
def line_sink(log: Path) -> Iterator[str]:
    """benchmarks/line_sink.py on a free loopback port, for as long as the block runs:
    its base URL."""
    port = free_port()
    command = [sys.executable, str(HERE / "line_sink.py"), "--port", str(port)]
    with ManagedProcess(command, service_env({}), log) as sink:
        base_url = f"http://127.0.0.1:{port}"
        wait_healthy(base_url, sink, 30.0, what="the LINE sink")
        yield base_url


def server_process(
    url: str,
    port: int,
    log: Path,
    threads: int | None,
    workers: int = 1,
    line_api: str | None = None,
) -> ManagedProcess:
    """`moph-connect serve --no-worker` (with `workers` > 1: `serve --workers N`, N
    processes on one port, PostgreSQL only; CPU is then measured over the process tree).
    `line_api`: the LINE target's base URL (needed with `workers` > 1), else the
    embedded emulator."""
    settings = {"database_url": url, "host": "127.0.0.1", "port": str(port)}
    if line_api is not None:
        settings.update(line_target_settings(line_api))
    # One hospital at full speed, many calls per patient: the API's own cost is measured,
    # so its rate limits (README, "Rate limits") are off.
    settings.update(api_rate_per_second="0", patient_messages_per_day="0")
    if threads is not None:
        settings["api_threads"] = str(threads)
    env = service_env({**settings, "log_level": "WARNING"})
    command = [*cli_command(), "serve", "--no-worker"]
    if workers > 1:
        command += ["--workers", str(workers)]
    return ManagedProcess(command, env, log)


def reference_process(path: Path, port: int, log: Path) -> ManagedProcess:
    script = HERE / "reference_api.py"
    return ManagedProcess([sys.executable, str(script), str(path), str(port)], service_env({}), log)
