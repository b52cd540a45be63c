"""A plain `pip install .` (no extras) into a fresh venv runs `--help`, `demo` and `serve`
(with the embedded LINE emulator, which comes from ./emulator as a declared dependency).

Every other test runs in the dev venv, which has the `dev` extra, an editable install and
whatever was installed by hand; a missing run-time dependency or data file passes there and
breaks for a newcomer. Here the wheel is built from the checkout and installed alone, and its
commands run with an environment that cannot reach the dev venv or the source tree.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.net import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]

# Building pulls hatchling and installing pulls every dependency from the package index:
# a minute or two on a warm cache, more on a cold one. pytest-timeout's 300 s default also
# counts the module fixture's setup in the first test, hence the wider limit here.
PIP_TIMEOUT = 480.0
pytestmark = [pytest.mark.slow, pytest.mark.timeout(2 * PIP_TIMEOUT + 120)]

# Variables that would make the fresh venv's Python see the checkout or the dev venv, or
# point the service at another database (CI may export a PostgreSQL URL).
_LEAKY = {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "VIRTUAL_ENV"}


@dataclass(frozen=True)
class Venv:
    root: Path

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    def env(self, **extra: str) -> dict[str, str]:
        """The caller's environment without any way back to the dev venv or the source."""
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in _LEAKY and not key.startswith("MOPH_CONNECT_")
        }
        kept = [entry for entry in env.get("PATH", "").split(os.pathsep) if not _in_a_venv(entry)]
        env["PATH"] = os.pathsep.join([str(self.bin), *kept])
        env["PYTHONNOUSERSITE"] = "1"  # ~/.local's packages are not the wheel's either
        env["COLUMNS"] = "200"  # rich wraps at 80 columns without a terminal
        env.update(extra)
        return env


def _in_a_venv(path_entry: str) -> bool:
    """Whether a PATH entry is some venv's bin/ (the dev venv's, whatever its name)."""
    if not path_entry:
        return False
    entry = Path(path_entry).resolve()
    return (entry.parent / "pyvenv.cfg").is_file() or entry == Path(sys.prefix).resolve() / "bin"


def _run(
    args: Sequence[str | Path], *, env: dict[str, str], cwd: Path, timeout: float
) -> subprocess.CompletedProcess[str]:
    """Run to completion; on timeout kill the whole process group and fail with its output."""
    process = subprocess.Popen(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own group, so that children die with it
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(
            f"{' '.join(map(str, args))} ran over {timeout:.0f} s\n"
            f"--- stdout\n{stdout}\n--- stderr\n{stderr}"
        )
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, (
        f"{' '.join(result.args)} exited {result.returncode}\n"
        f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    )
    return result


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    """A fresh venv of this Python holding only the wheel and its declared dependencies."""
    work = tmp_path_factory.mktemp("plain-install")
    venv = Venv(work / "venv")
    env = venv.env()
    # `-m venv` from inside the dev venv makes a venv of its base interpreter, without
    # the dev venv's site-packages.
    _ok(_run([sys.executable, "-m", "venv", venv.root], env=env, cwd=work, timeout=120))
    pip = [venv.bin / "python", "-m", "pip", "--quiet", "--disable-pip-version-check"]
    # The fresh venv's own pip builds the wheel, so nothing of the dev venv takes part.
    wheels = work / "wheels"
    _ok(
        _run(
            [*pip, "wheel", "--no-deps", "-w", wheels, REPO_ROOT],
            env=env,
            cwd=work,
            timeout=PIP_TIMEOUT,
        )
    )
    (wheel,) = wheels.glob("moph_connect-*.whl")
    _ok(_run([*pip, "install", wheel], env=env, cwd=work, timeout=PIP_TIMEOUT))
    return venv


def test_the_venv_runs_the_installed_wheel_without_dev_extras(venv: Venv, tmp_path: Path) -> None:
    # Without this the other checks could pass by importing the checkout or the dev venv.
    probe = (
        "import importlib.util, moph_connect; print(moph_connect.__file__); "
        "print(importlib.util.find_spec('pytest') is None)"
    )
    result = _ok(_run([venv.bin / "python", "-c", probe], env=venv.env(), cwd=tmp_path, timeout=60))
    location, no_pytest = result.stdout.split()
    assert Path(location).is_relative_to(venv.root), location
    assert no_pytest == "True", "the dev extra's pytest is importable from the fresh venv"


# Run by alembic only, which provides the `context` it reads at import.
_NOT_IMPORTABLE_ALONE = ["moph_connect.db.migrations.env"]

_IMPORT_EVERY_MODULE = f"""
import importlib, pkgutil, traceback, moph_connect
for module in pkgutil.walk_packages(moph_connect.__path__, "moph_connect."):
    if module.name not in {_NOT_IMPORTABLE_ALONE!r}:
        try:
            importlib.import_module(module.name)
        except Exception:
            print(module.name, traceback.format_exc(limit=1))
"""


def test_every_module_imports(venv: Venv, tmp_path: Path) -> None:
    # demo and serve import only what they use (commands import on use); this reaches the
    # rest (worker, rich menu drawing, the LINE client) without running each command.
    args = [venv.bin / "python", "-c", _IMPORT_EVERY_MODULE]
    result = _ok(_run(args, env=venv.env(), cwd=tmp_path, timeout=120))
    assert not result.stdout.strip(), result.stdout


def test_the_emulator_is_installed_from_its_own_distribution(venv: Venv, tmp_path: Path) -> None:
    probe = (
        "import importlib.metadata, line_emulator, line_contract; "
        "print(line_emulator.__file__); print(line_contract.__file__); "
        "print(importlib.metadata.version('moph-connect-line-emulator'))"
    )
    result = _ok(_run([venv.bin / "python", "-c", probe], env=venv.env(), cwd=tmp_path, timeout=60))
    emulator, contract, version = result.stdout.split()
    assert Path(emulator).is_relative_to(venv.root), emulator
    assert Path(contract).is_relative_to(venv.root), contract
    assert version == "0.1.0"
    # Its phone view and LINE's OpenAPI files are in the wheel, beside the code.
    assert (Path(emulator).parent / "phone" / "index.html").is_file()
    assert (Path(contract).parent / "openapi" / "messaging-api.yml").is_file()
    usage = _ok(
        _run([venv.bin / "line-emulator", "--help"], env=venv.env(), cwd=tmp_path, timeout=60)
    )
    assert "--webhook-base" in usage.stdout, usage.stdout


def test_help_lists_the_commands(venv: Venv, tmp_path: Path) -> None:
    result = _ok(
        _run([venv.bin / "moph-connect", "--help"], env=venv.env(), cwd=tmp_path, timeout=60)
    )
    for command in ("serve", "worker", "line-emulator", "db", "hospital", "line", "demo"):
        assert command in result.stdout, result.stdout


def test_demo_plays_the_whole_story(venv: Venv, tmp_path: Path) -> None:
    # --step-delay 0: the whole story without the pauses meant for a watching human.
    args = [venv.bin / "moph-connect", "demo", "--port", str(free_port()), "--step-delay", "0"]
    env = venv.env(TMPDIR=str(tmp_path))  # the demo keeps its database in a temporary folder
    result = _ok(_run(args, env=env, cwd=tmp_path, timeout=180))
    assert "The story is complete" in result.stdout, result.stdout + result.stderr


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback http)
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _stop(process: subprocess.Popen[bytes]) -> bool:
    """SIGINT (what Ctrl-C sends; uvicorn shuts down cleanly on it), then SIGKILL if need be.

    True if it exited on SIGINT alone.
    """
    if process.poll() is not None:
        return True
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        return False
    return True


def test_serve_answers_healthz_and_stops_on_sigint(venv: Venv, tmp_path: Path) -> None:
    port = free_port()
    database = tmp_path / "serve.db"
    env = venv.env(MOPH_CONNECT_DATABASE_URL=f"sqlite:///{database}")
    # Files rather than pipes: nobody reads them while it runs, and a full pipe would block it.
    stdout_path, stderr_path = tmp_path / "serve.out", tmp_path / "serve.err"
    with stdout_path.open("w") as stdout, stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            [str(venv.bin / "moph-connect"), "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )

    def output() -> str:
        return f"--- stdout\n{stdout_path.read_text()}\n--- stderr\n{stderr_path.read_text()}"

    try:
        deadline = time.monotonic() + 30
        healthy = False
        while time.monotonic() < deadline and process.poll() is None:
            healthy = _healthy(f"http://127.0.0.1:{port}/healthz")
            if healthy:
                break
            time.sleep(0.2)
        assert healthy, f"no 200 from /healthz (exit code {process.poll()})\n{output()}"
        assert database.is_file(), "serve did not create its SQLite database"
        # The embedded default: the emulator distribution, installed as a dependency.
        assert _healthy(f"http://127.0.0.1:{port}/line-emulator/control/health"), output()
    finally:
        stopped_by_sigint = _stop(process)
    assert stopped_by_sigint, (
        f"serve was still running 20 s after SIGINT, so was killed\n{output()}"
    )
