"""The hospital guide's examples, run as a hospital developer runs them: real PHP, Python,
curl, Node, C# (Mono) and Chromium, against a live service and the LINE emulator.

One stack per module (SQLite: what is tested here is how clients write their calls, not
storage), with a wire tap in front of it that records each request as the client sent it.
The stack's clock stands at 2018-04-27 10:00 Bangkok time, three days before the seed's
appointment (2018-04-30). The examples get the service's URL, the key and the patient's
MOPH Connect ID from environment variables, so the guide shows them as they run here.

A runtime that is missing FAILS, with the Debian package to install (scripts/system-deps
installs them for `make test`): an example that did not run is not a pass.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from moph_connect.environments import Environment
from moph_connect.hospitals.access import update_access
from moph_connect.hospitals.service import NewHospital
from tests.conftest import fresh_database_url
from tests.guide.wire import WireTap, wire_tap
from tests.support.stack import Stack, find_uri, running_stack

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
# 2018-04-27 10:00 in Bangkok: three days before the seed's appointment (2018-04-30).
START = datetime(2018, 4, 27, 3, 0, tzinfo=UTC)
APPOINTMENT_DATE = "2018-04-30"
TIMEOUT_SECONDS = 60

# name: (a command that succeeds when the runtime is usable, the Debian packages it needs)
RUNTIMES: dict[str, tuple[list[str], str]] = {
    "php": (["php", "-r", "exit(function_exists('curl_init') ? 0 : 1);"], "php-cli php-curl"),
    "node": (["node", "-e", "process.exit(typeof fetch === 'function' ? 0 : 1)"], "nodejs"),
    "curl": (["curl", "--version"], "curl"),
    "mcs": (["mcs", "--version"], "mono-mcs"),
    "mono": (["mono", "--version"], "mono-runtime"),
}
MONO_HTTP = Path("/usr/lib/mono/4.5/System.Net.Http.dll")
_usable: dict[str, bool] = {}


def require(name: str) -> None:
    """Fail (never skip) when a runtime an example needs is not installed."""
    if name not in _usable:
        probe, _ = RUNTIMES[name]
        try:
            done = subprocess.run(probe, capture_output=True, timeout=TIMEOUT_SECONDS)
            _usable[name] = done.returncode == 0
        except FileNotFoundError:
            _usable[name] = False
    if not _usable[name]:
        pytest.fail(f"{name} is missing or unusable: apt-get install -y {RUNTIMES[name][1]}")


def require_requests() -> None:
    """The Python examples use requests (in the dev extra, for these tests only)."""
    if importlib.util.find_spec("requests") is None:
        pytest.fail("requests is missing: .venv/bin/pip install -e '.[dev]'")


def require_mono_http() -> None:
    require("mcs")
    require("mono")
    if not MONO_HTTP.exists():
        pytest.fail(f"{MONO_HTTP} is missing: apt-get install -y libmono-system-net-http4.0-cil")


def run_example(
    command: list[str], env: dict[str, str], cwd: Path = EXAMPLES
) -> subprocess.CompletedProcess[str]:
    """Run an example with only the variables the guide names (and PATH, HOME, a UTF-8
    locale), never this process's MOPH_CONNECT_* settings."""
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        **env,
    }
    return subprocess.run(
        command,
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT_SECONDS,
    )


@dataclass(frozen=True)
class Patient:
    """A patient who picked `hospital` in MOPH Connect, in one environment."""

    hospital: NewHospital
    user: str  # her LINE user id (in the emulator)
    regist: str  # her MOPH Connect ID, as the booking link carries it
    booking_link: str  # the link the bot sent her
    environment: Environment

    @property
    def key(self) -> str:
        return (
            self.hospital.production_key
            if self.environment == "production"
            else self.hospital.test_key
        )

    def env(self, tap: WireTap, *, with_key: bool) -> dict[str, str]:
        """The variables the guide's examples read."""
        path = "/api" if self.environment == "production" else "/test/api"
        variables = {
            "MOPH_CONNECT_URL": tap.base_url + path,
            "MOPH_CONNECT_USER_ID": self.regist,
            "APPOINTMENT_DATE": APPOINTMENT_DATE,
        }
        if with_key:
            variables["MOPH_CONNECT_KEY"] = self.key
        return variables


NewPatient = Callable[..., Patient]


def make_legacy(stack: Stack, hospital: NewHospital) -> None:
    """What `moph-connect hospital update HOSPITAL_ID --auth legacy` does."""
    with stack.database.transaction() as session:
        update_access(
            session,
            hospital.hospital_id,
            auth="legacy",
            allowed_networks=None,
            cors_origins=None,
            actor="test",
            now=stack.clock.now(),
        )


@pytest.fixture(scope="module")
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    url = fresh_database_url(request, "sqlite", tmp_path_factory.mktemp("db"))
    with running_stack(url, START) as running:
        yield running


@pytest.fixture(scope="module")
def tap(stack: Stack) -> Iterator[WireTap]:
    port = urlsplit(stack.base_url).port
    assert port is not None
    with wire_tap(port) as tapped:
        yield tapped


@pytest.fixture
def new_patient(stack: Stack) -> NewPatient:
    def make(
        environment: Environment = "test",
        *,
        legacy: bool = False,
        booking_url: str | None = None,
        hospital: NewHospital | None = None,
    ) -> Patient:
        if hospital is None:
            hospital = stack.register_hospital(booking_url=booking_url)
            if legacy:
                make_legacy(stack, hospital)
        user = stack.follow(channel=environment)
        regist = stack.pick_hospital(user, hospital.hospital_id)
        link = find_uri(stack.inbox(user)[-1]["message"], "regist=")
        return Patient(hospital, user, regist, link, environment)

    return make
