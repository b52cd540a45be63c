"""What the benchmark scripts share: reading CPU from /proc, waiting for a quiet machine
and a healthy server, and sampling a process with py-spy."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.delivery.harness import ManagedProcess


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def clock_ticks() -> int:
    return os.sysconf("SC_CLK_TCK")


def proc_status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def _stat_fields(pid: int) -> list[str]:
    # After the `comm` field, which may hold spaces: state is fields[0], ppid fields[1],
    # utime fields[11], stime fields[12].
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def proc_cpu_times(pid: int) -> tuple[float, float]:
    """User and system CPU seconds of a process (all its threads) so far."""
    fields = _stat_fields(pid)
    return int(fields[11]) / clock_ticks(), int(fields[12]) / clock_ticks()


def proc_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far; 0 if it is gone."""
    try:
        return sum(proc_cpu_times(pid))
    except (FileNotFoundError, ProcessLookupError):
        return 0.0


def process_tree_cpu_seconds(root: int) -> float:
    """CPU of `root` and its direct children (a PostgreSQL postmaster and its backends)."""
    total = proc_cpu_seconds(root)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(FileNotFoundError, ProcessLookupError, IndexError):
            if int(_stat_fields(int(entry.name))[1]) == root:
                total += proc_cpu_seconds(int(entry.name))
    return total


def process_tree_peak_rss_kb(root: int) -> int:
    """Peak RSS (VmHWM) of `root` plus its direct children's (`serve --workers`: the
    supervisor and its worker processes)."""
    total = proc_status_kb(root, "VmHWM")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(FileNotFoundError, ProcessLookupError, IndexError, LookupError):
            if int(_stat_fields(int(entry.name))[1]) == root:
                total += proc_status_kb(int(entry.name), "VmHWM")
    return total


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (all cores), from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / clock_ticks()


def idle_load(seconds: float = 1.0) -> float:
    """Cores busy over `seconds` while the caller does nothing: the background load."""
    before = machine_busy_seconds()
    time.sleep(seconds)
    return (machine_busy_seconds() - before) / seconds


def wait_quiet(max_background: float, wait_idle: float) -> float:
    """Wait (at most `wait_idle` seconds) until the machine's load from other processes is
    below `max_background` cores, measured over one second; return the last measurement."""
    deadline = time.monotonic() + wait_idle
    while True:
        load = idle_load()
        if load <= max_background:
            return load
        if time.monotonic() > deadline:
            say(f"  WARNING: {load:.2f} cores busy outside the benchmark; measuring anyway")
            return load
        say(f"  waiting for the machine to be quiet ({load:.2f} cores busy elsewhere)")
        time.sleep(4.0)


def wait_healthy(
    base_url: str,
    process: ManagedProcess,
    timeout: float = 30.0,
    *,
    path: str = "/control/health",
    what: str = "the emulator",
) -> None:
    """Until the server at `base_url` (the emulator or sink by default) answers 200 at
    `path`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive():
            raise RuntimeError(f"{what} exited:\n{process.log_tail()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}{path}", timeout=1).status_code == 200:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not start in {timeout:.0f} s")


@contextlib.contextmanager
def py_spy(pid: int, output: Path, seconds: float, fmt: str = "raw") -> Iterator[None]:
    """Sample `pid` with py-spy (if installed in the venv) while the block runs."""
    binary = Path(sys.executable).with_name("py-spy")
    if not binary.exists():
        say("py-spy is not installed in the venv: no profile")
        yield
        return
    args = [str(binary), "record", "--pid", str(pid), "--duration", str(max(1, int(seconds)))]
    args += ["--rate", "200", "--format", fmt, "--output", str(output), "--nonblocking"]
    spy = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        try:
            spy.wait(timeout=seconds + 30)
        except subprocess.TimeoutExpired:
            spy.kill()
            spy.wait(timeout=10)
