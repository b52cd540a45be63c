"""README's "parts as separate processes" with the operator's own channel credentials:
`moph-connect line-emulator` signs webhooks and accepts tokens exactly as configured, so
the service (given the same settings) accepts its webhooks and the bot answers."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from line_contract.credentials import EMULATOR_CREDENTIALS
from tests.cli.test_commands import COMMAND
from tests.support.emulated import EmulatedPatient
from tests.support.net import free_port
from tests.support.stack import wait_for

pytestmark = pytest.mark.slow

CREDENTIALS = {
    "MOPH_CONNECT_LINE_CHANNEL_ACCESS_TOKEN": "operator-production-token-8f2c",
    "MOPH_CONNECT_LINE_CHANNEL_SECRET": "operator-production-secret-51d0",
    "MOPH_CONNECT_TEST_LINE_CHANNEL_ACCESS_TOKEN": "operator-test-token-77aa",
    "MOPH_CONNECT_TEST_LINE_CHANNEL_SECRET": "operator-test-secret-c3e9",
}


def _started(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*COMMAND, *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _stopped(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def separate(tmp_path: Path) -> Iterator[tuple[str, str]]:
    service_port, emulator_port = free_port(), free_port()
    service, emulator = f"http://127.0.0.1:{service_port}", f"http://127.0.0.1:{emulator_port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOPH_CONNECT_")}
    env.update(CREDENTIALS)
    env["MOPH_CONNECT_LINE_API_BASE_URL"] = emulator
    env["MOPH_CONNECT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'moph.db'}"
    processes = [
        _started(
            ["line-emulator", "--port", str(emulator_port), "--webhook-base", service],
            tmp_path,
            env,
        ),
        _started(["serve", "--port", str(service_port)], tmp_path, env),
    ]
    outputs: list[str] = []

    def up(process: subprocess.Popen[str], url: str) -> bool:
        if process.poll() is not None:  # it stopped: say why, not "timed out"
            output = process.stdout.read() if process.stdout else ""
            raise AssertionError(f"{process.args} exited {process.returncode}: {output}")
        return _answers(url)

    try:
        wait_for(lambda: up(processes[0], emulator + "/control/health"), 60, "emulator")
        wait_for(lambda: up(processes[1], service + "/healthz"), 60, "serve")
        yield service, emulator
    finally:
        outputs = [_stopped(process) for process in processes]
    assert "production channel: configured credentials" in outputs[0], outputs[0]
    assert "test channel: configured credentials" in outputs[0], outputs[0]


@pytest.mark.parametrize("channel", ["production", "test"])
def test_the_bot_answers_through_a_standalone_emulator_with_configured_channels(
    separate: tuple[str, str], channel: str
) -> None:
    _service, emulator = separate
    with httpx.Client(timeout=10) as http:
        # The built-in token no longer opens a configured channel.
        refused = http.post(
            f"{emulator}/v2/bot/message/push",
            headers={"Authorization": f"Bearer {EMULATOR_CREDENTIALS[channel].access_token}"},
            json={"to": "U" + "0" * 32, "messages": [{"type": "text", "text": "hi"}]},
        )
        assert refused.status_code == 401
        inbox = EmulatedPatient(http, emulator, channel, "ทดสอบ").inbox
        # The follow webhook was signed with the configured secret and accepted: the bot
        # greeted her through the emulator with the configured token.
        wait_for(lambda: len(inbox()) >= 1, what="the greeting")
        assert inbox()[0]["via"] in ("reply", "push")
