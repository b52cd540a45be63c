"""Configuration that cannot be half right (issue 11): with any LINE credential given,
both channels need a token and a secret, and the emulator's published credentials open
only an emulator. `serve` and `worker` refuse to start otherwise, in one line."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from line_contract.credentials import EMULATOR_CREDENTIALS
from moph_connect.settings import Settings, is_loopback_url
from tests.cli.test_commands import COMMAND

TOKEN, SECRET = "MOPH_CONNECT_LINE_CHANNEL_ACCESS_TOKEN", "MOPH_CONNECT_LINE_CHANNEL_SECRET"
TEST_TOKEN = "MOPH_CONNECT_TEST_LINE_CHANNEL_ACCESS_TOKEN"
TEST_SECRET = "MOPH_CONNECT_TEST_LINE_CHANNEL_SECRET"
BASE = "MOPH_CONNECT_LINE_API_BASE_URL"
ALL = {TOKEN: "t-prod", SECRET: "s-prod", TEST_TOKEN: "t-test", TEST_SECRET: "s-test"}
PUBLISHED = EMULATOR_CREDENTIALS["test"].secret

CASES: list[tuple[dict[str, str], str | None]] = [
    ({}, None),  # the embedded emulator
    ({BASE: "http://127.0.0.1:9090"}, None),  # the standalone emulator on loopback
    ({BASE: "http://localhost:9090"}, None),
    (ALL, None),  # LINE itself, fully configured
    ({**ALL, BASE: "http://127.0.0.1:9090"}, None),
    ({BASE: "https://line-proxy.example.go.th"}, "no LINE channel credentials"),
    ({TOKEN: "t-prod", SECRET: "s-prod"}, TEST_TOKEN),  # only the production channel
    ({TOKEN: "t-prod"}, SECRET),  # a token without its secret
    ({**ALL, TEST_SECRET: ""}, TEST_SECRET),
    ({**ALL, TEST_SECRET: PUBLISHED}, "published credentials"),
    ({**ALL, TEST_SECRET: PUBLISHED, BASE: "http://127.0.0.1:9090"}, None),
]


@pytest.mark.parametrize(("env", "problem"), CASES)
def test_which_line_settings_may_start(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], problem: str | None
) -> None:
    for name in [*ALL, BASE]:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    found = Settings().line_configuration_problem()
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:9090", True),
        ("http://127.8.9.10/", True),
        ("http://[::1]:80/", True),
        ("http://localhost/", True),
        ("https://api.line.me", False),
        ("http://10.0.0.1/", False),
        ("http://localhost.example.com/", False),
        ("not a url", False),
    ],
)
def test_loopback_urls(url: str, loopback: bool) -> None:
    assert is_loopback_url(url) is loopback


def _start(
    args: list[str], tmp_path: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MOPH_CONNECT_")}
    clean["MOPH_CONNECT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'moph.db'}"
    return subprocess.run(
        [*COMMAND, *args],
        cwd=tmp_path,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("command", [["serve", "--port", "1"], ["worker"]])
@pytest.mark.parametrize(
    "env", [{TOKEN: "t-prod", SECRET: "s-prod"}, {BASE: "https://line-proxy.example.go.th"}]
)
def test_serve_and_worker_refuse_half_a_line_configuration(
    tmp_path: Path, command: list[str], env: dict[str, str]
) -> None:
    result = _start(command, tmp_path, env)
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: ")


def test_the_embedded_emulator_stays_on_loopback(tmp_path: Path) -> None:
    result = _start(["serve", "--host", "0.0.0.0", "--port", "1"], tmp_path, {})
    assert result.returncode == 2
    assert "--emulator-public" in result.stderr
