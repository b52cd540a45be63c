"""`line-emulator`, the emulator distribution's own command: a process of its own with the
built-in credentials, answering pushes and stopping on SIGINT."""

from __future__ import annotations

import os
import signal
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from line_contract.credentials import EMULATOR_CREDENTIALS
from tests.delivery.harness import ManagedProcess
from tests.support.net import free_port

pytestmark = pytest.mark.slow


def test_line_emulator_serves_pushes_and_stops_on_sigint(tmp_path: Path) -> None:
    port = free_port()
    binary = Path(sys.executable).with_name("line-emulator")
    args = [
        str(binary),
        "--port",
        str(port),
        "--rate-limit",
        "0",
        "--webhook-base",
        "http://127.0.0.1:9",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOPH_CONNECT_")}
    base = f"http://127.0.0.1:{port}"
    with ManagedProcess(args, env, tmp_path / "emulator.log") as process:
        deadline = time.monotonic() + 30
        while True:
            assert process.alive(), process.log_tail()
            try:
                if httpx.get(f"{base}/control/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, process.log_tail()
            time.sleep(0.1)
        created = httpx.post(
            f"{base}/control/channels/production/users", json={"displayName": "ครูเพ็ญศรี"}
        )
        user = created.json()["userId"]
        token = EMULATOR_CREDENTIALS["production"].access_token
        headers = {"Authorization": f"Bearer {token}", "X-Line-Retry-Key": str(uuid.uuid4())}
        push = {"to": user, "messages": [{"type": "text", "text": "คิวที่ 1221"}]}
        answer = httpx.post(f"{base}/v2/bot/message/push", json=push, headers=headers)
        assert answer.status_code == 200, answer.text
        bad = httpx.post(
            f"{base}/v2/bot/message/push",
            json={"to": user, "messages": [{"type": "telegram"}]},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert bad.status_code == 400
        assert bad.json()["details"][0]["property"] == "messages[0].type"
        inbox = httpx.get(f"{base}/control/users/{user}/inbox").json()["messages"]
        assert [m["message"]["text"] for m in inbox] == ["คิวที่ 1221"]
        process.process.send_signal(signal.SIGINT)
        assert process.process.wait(timeout=20) == 0, process.log_tail()
    assert f"LINE emulator on {base}" in (tmp_path / "emulator.log").read_text()
