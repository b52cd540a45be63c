"""The `moph-connect` command as an operator and a newcomer use it: real processes."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from moph_connect.appointments.schemas import SEED_EXAMPLE
from moph_connect.messages import NOTICE_VERSION
from tests.support.emulated import EmulatedPatient
from tests.support.net import free_port
from tests.support.stack import find_uri, wait_for

COMMAND = [str(Path(sys.executable).with_name("moph-connect"))]


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **env}
    environment.pop("MOPH_CONNECT_DATABASE_URL", None)
    environment.update(env)
    return subprocess.run(
        COMMAND + args, cwd=cwd, env=environment, capture_output=True, text=True, timeout=60
    )


def test_hospital_add_prints_keys_once_and_list_shows_it(tmp_path: Path) -> None:
    added = run(
        [
            "hospital",
            "add",
            "--name",
            "โรงพยาบาลปทุมธานี",
            "--booking-url",
            "http://pth.ddns.net/queue/que_register.php?regist={regist}",
            "--json",
        ],
        tmp_path,
    )
    assert added.returncode == 0, added.stderr
    created = json.loads(added.stdout)
    assert set(created) == {"hospitalId", "productionKey", "testKey", "auth"}
    assert created["auth"] == "key"  # the default for every hospital registered now
    assert created["productionKey"].startswith("mcp_live_")
    assert created["testKey"].startswith("mcp_test_")
    assert (tmp_path / "var" / "moph-connect.db").exists()  # the embedded default

    listed = run(["hospital", "list", "--json"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    hospitals = json.loads(listed.stdout)
    assert [h["hospitalId"] for h in hospitals] == [created["hospitalId"]]
    assert created["productionKey"] not in listed.stdout  # keys are never shown again
    database = (tmp_path / "var" / "moph-connect.db").read_bytes()
    assert created["productionKey"].encode() not in database  # only hashes are stored


@pytest.mark.parametrize("url", ["pth.ddns.net/queue", "ftp://x/", "http://a/{regist}{regist}"])
def test_hospital_add_refuses_a_bad_booking_url(tmp_path: Path, url: str) -> None:
    result = run(["hospital", "add", "--name", "x", "--booking-url", url], tmp_path)
    assert result.returncode == 2
    assert "booking-url" in result.stderr


def test_db_upgrade_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    result = run(["db", "upgrade"], tmp_path, MOPH_CONNECT_DATABASE_URL=postgres_url)
    assert result.returncode == 0, result.stderr


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`moph-connect serve` exactly as README's quick start runs it, on a free port."""
    port = free_port()
    process = subprocess.Popen(
        [*COMMAND, "serve", "--port", str(port)],
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if not k.startswith("MOPH_CONNECT_")},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # A deadline, not a wait (beside the other pytest-xdist worker, a busy machine
        # took over 30 s to start it).
        wait_for(lambda: _healthy(base), timeout=90, what="serve to start")
        yield base, tmp_path
    finally:
        process.send_signal(signal.SIGINT)
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        assert "built-in LINE emulator" in output, output
        # One line per thing a newcomer needs, no third-party chatter (alembic's plugins).
        assert "Database: sqlite:///./var/moph-connect.db" in output, output
        assert "alembic" not in output, output


def _healthy(base: str) -> bool:
    try:
        return httpx.get(base + "/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_serve_on_the_embedded_default_delivers_a_queue_card(served: tuple[str, Path]) -> None:
    base, cwd = served
    added = run(
        [
            "hospital",
            "add",
            "--name",
            "โรงพยาบาลปทุมธานี",
            "--booking-url",
            "http://pth.ddns.net/queue/que_register.php?regist={regist}",
            "--json",
        ],
        cwd,
    )
    hospital = json.loads(added.stdout)
    emulator = f"{base}/line-emulator"
    with httpx.Client(timeout=10) as http:
        patient = EmulatedPatient(http, emulator)
        inbox = patient.inbox

        wait_for(lambda: len(inbox()) >= 1, what="the greeting (privacy notice)")
        patient.postback(f"action=pick&hospital={hospital['hospitalId']}")
        wait_for(lambda: len(inbox()) >= 2, what="the privacy notice: no link before consent")
        patient.postback(f"action=consent&version={NOTICE_VERSION}")
        wait_for(lambda: len(inbox()) >= 4, what="thanks, and the booking link")
        link = find_uri(inbox()[3]["message"], "regist=")
        regist = link.rsplit("regist=", 1)[1]
        response = http.post(
            f"{base}/api/queue",
            json={**SEED_EXAMPLE, "appointmentDate": "2099-01-01", "userId": regist},
            headers={"Authorization": f"Bearer {hospital['productionKey']}"},
        )
        assert response.status_code == 422  # more than 400 days ahead
        in_two_days = (date.today() + timedelta(days=2)).isoformat()
        response = http.post(
            f"{base}/api/queue",
            json={**SEED_EXAMPLE, "appointmentDate": in_two_days, "userId": regist},
            headers={"Authorization": f"Bearer {hospital['productionKey']}"},
        )
        assert response.status_code == 202, response.text
        wait_for(lambda: len(inbox()) >= 5, what="the queue card")
        assert inbox()[4]["message"]["type"] == "flex"


def _add(cwd: Path, *extra: str) -> dict[str, Any]:
    added = run(
        [
            "hospital",
            "add",
            "--name",
            "โรงพยาบาลปทุมธานี",
            "--booking-url",
            "http://pth.ddns.net/queue/que_register.php?regist={regist}",
            "--json",
            *extra,
        ],
        cwd,
    )
    assert added.returncode == 0, added.stderr
    created: dict[str, Any] = json.loads(added.stdout)
    return created


def test_hospital_update_changes_access_and_audits_it(tmp_path: Path) -> None:
    hospital = _add(tmp_path)
    hospital_id = hospital["hospitalId"]
    updated = run(
        [
            "hospital",
            "update",
            hospital_id,
            "--auth",
            "legacy",
            "--allow-ip",
            "203.0.113.0/24",
            "--allow-ip",
            "198.51.100.7",
            "--cors-origin",
            "https://q.pth.go.th/",
            "--json",
        ],
        tmp_path,
    )
    assert updated.returncode == 0, updated.stderr
    assert json.loads(updated.stdout) == {
        "hospitalId": hospital_id,
        "auth": "legacy",
        "allowedNetworks": ["203.0.113.0/24", "198.51.100.7/32"],
        "corsOrigins": ["https://q.pth.go.th"],
    }
    [listed] = json.loads(run(["hospital", "list", "--json"], tmp_path).stdout)
    assert listed["auth"] == "legacy" and listed["keylessCalls30d"] == 0
    assert listed["allowedNetworks"] == ["203.0.113.0/24", "198.51.100.7/32"]
    table = run(["hospital", "list"], tmp_path, COLUMNS="250")
    assert "legacy from 203.0.113.0/24, 198.51.100.7/32" in table.stdout, table.stdout

    cleared = run(["hospital", "update", hospital_id, "--allow-ip", "any", "--json"], tmp_path)
    assert json.loads(cleared.stdout)["allowedNetworks"] == []
    for bad in (["--auth", "password"], ["--allow-ip", "10.0.0.300/8"], ["--cors-origin", "x"]):
        refused = run(["hospital", "update", hospital_id, *bad], tmp_path)
        assert refused.returncode == 2 and "error:" in refused.stderr, refused.stderr
    unknown = run(["hospital", "update", "hnope", "--auth", "key"], tmp_path)
    assert unknown.returncode == 2 and "hnope" in unknown.stderr

    database = sqlite3.connect(tmp_path / "var" / "moph-connect.db")
    audit = database.execute("SELECT kind, actor, detail FROM audit_events ORDER BY id").fetchall()
    database.close()
    assert [row[0] for row in audit] == ["hospital.access_changed"] * 2
    assert all(str(row[1]).startswith("cli:") for row in audit)
    assert json.loads(audit[0][2])["auth"] == {"from": "key", "to": "legacy"}


def test_legacy_hospital_list_counts_keyless_calls(served: tuple[str, Path]) -> None:
    base, cwd = served
    hospital = _add(cwd, "--auth", "legacy")
    assert hospital["auth"] == "legacy"
    emulator = f"{base}/line-emulator"
    with httpx.Client(timeout=10) as http:
        patient = EmulatedPatient(http, emulator)
        inbox = patient.inbox

        wait_for(lambda: len(inbox()) >= 1, what="the greeting")
        patient.postback(f"action=consent&version={NOTICE_VERSION}")
        patient.postback(f"action=pick&hospital={hospital['hospitalId']}")
        wait_for(lambda: any("regist=" in json.dumps(m) for m in inbox()), what="the link")
        link = next(m for m in inbox() if "regist=" in json.dumps(m))["message"]
        regist = find_uri(link, "regist=").rsplit("regist=", 1)[1]
        in_two_days = (date.today() + timedelta(days=2)).isoformat()
        for queue in ("A1", "A2"):
            response = http.post(  # no Authorization header at all
                f"{base}/api/queue",
                json={
                    **SEED_EXAMPLE,
                    "appointmentDate": in_two_days,
                    "userId": regist,
                    "queueNumber": queue,
                },
            )
            assert response.status_code == 202, response.text
    [listed] = json.loads(run(["hospital", "list", "--json"], cwd).stdout)
    assert listed["keylessCalls30d"] == 2
