"""`moph-connect serve --workers 2` on PostgreSQL (the hospital-API issue): two processes
share the port; every call is answered once, nothing is lost or planned twice, and each
queue card reaches its patient once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from moph_connect.appointments.schemas import SEED_EXAMPLE
from moph_connect.clock import BANGKOK
from moph_connect.db.models import Appointment, OutboxMessage
from moph_connect.messages import NOTICE_VERSION
from tests.cli.test_commands import COMMAND
from tests.conftest import fresh_database_url
from tests.support.emulated import EmulatedPatient
from tests.support.net import free_port
from tests.support.stack import find_uri, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def postgres_url_of_its_own(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """A PostgreSQL database for this test alone (serve migrates it again: a no-op)."""
    return fresh_database_url(request, "postgresql", tmp_path_factory.mktemp("db"))


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output


def test_two_processes_answer_every_call_once(postgres_url_of_its_own: str, tmp_path: Path) -> None:
    postgres_database = postgres_url_of_its_own
    service_port, emulator_port = free_port(), free_port()
    service, emulator = f"http://127.0.0.1:{service_port}", f"http://127.0.0.1:{emulator_port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOPH_CONNECT_")}
    env.update(
        MOPH_CONNECT_DATABASE_URL=postgres_database,
        MOPH_CONNECT_LINE_API_BASE_URL=emulator,
        # 30 cards a patient in one day: over the per-patient limit, tested elsewhere.
        MOPH_CONNECT_PATIENT_MESSAGES_PER_DAY="0",
    )
    line = subprocess.Popen(
        [*COMMAND, "line-emulator", "--port", str(emulator_port), "--webhook-base", service],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    serve = subprocess.Popen(
        [*COMMAND, "serve", "--port", str(service_port), "--workers", "2"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # Deadlines, not waits: three processes start at once here, beside the other
        # pytest-xdist worker, and on a busy machine that took over a minute.
        wait_for(lambda: _answers(emulator + "/control/health"), 120, "the emulator")
        wait_for(lambda: _answers(service + "/healthz"), 120, "serve --workers 2")
        assert len(_children(serve.pid)) >= 2
        added = subprocess.run(
            [
                *COMMAND,
                "hospital",
                "add",
                "--name",
                "โรงพยาบาลปทุมธานี",
                "--booking-url",
                "http://pth.ddns.net/q?regist={regist}",
                "--json",
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert added.returncode == 0, added.stderr
        hospital = json.loads(added.stdout)
        key = {"Authorization": f"Bearer {hospital['productionKey']}"}
        with httpx.Client(timeout=30) as http:
            patients = [EmulatedPatient(http, emulator, name=f"ผู้ป่วย {i}") for i in range(4)]
            regists = []
            for patient in patients:
                wait_for(lambda p=patient: len(p.inbox()) >= 1, 20, "the greeting")
                patient.postback(f"action=consent&version={NOTICE_VERSION}")
                patient.postback(f"action=pick&hospital={hospital['hospitalId']}")
                wait_for(
                    lambda p=patient: any("regist=" in json.dumps(m) for m in p.inbox()),
                    20,
                    "the booking link",
                )
                link = next(m for m in patient.inbox() if "regist=" in json.dumps(m))
                regists.append(find_uri(link["message"], "regist=").rsplit("regist=", 1)[1])

            def book(index: int) -> int:
                body = {
                    **SEED_EXAMPLE,
                    "userId": regists[index % 4],
                    "queueNumber": f"คิว {index}",
                    "appointmentDate": _in_days(3),
                }
                return http.post(f"{service}/api/queue", json=body, headers=key).status_code

            with ThreadPoolExecutor(16) as pool:
                statuses = list(pool.map(book, range(120)))
            assert statuses == [202] * 120
            # Every patient gets each of her 30 cards once.
            for patient in patients:
                wait_for(lambda p=patient: len(_cards(p)) >= 30, 60, "the queue cards")
                cards = _cards(patient)
                assert len(cards) == 30
                assert len({c["message"]["altText"] for c in cards}) == 30
    finally:
        output = _stop(serve)
        _stop(line)
    assert "in 2 processes" in output, output
    engine = create_engine(postgres_database.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as connection:
        appointments = connection.execute(select(func.count()).select_from(Appointment)).scalar()
        cards = connection.execute(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.kind == "queue_card", OutboxMessage.status == "sent")
        ).scalar()
    engine.dispose()
    assert (appointments, cards) == (120, 120)


def _cards(patient: EmulatedPatient) -> list[dict[str, Any]]:
    return [m for m in patient.inbox() if m["message"].get("altText", "").startswith("บัตรคิว")]


def _in_days(days: int) -> str:
    return (datetime.now(BANGKOK).date() + timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ({}, "needs PostgreSQL"),
        ({"MOPH_CONNECT_DATABASE_URL": "postgresql://x@127.0.0.1:1/x"}, "needs a LINE target"),
    ],
)
def test_workers_refuse_sqlite_and_the_embedded_emulator(
    tmp_path: Path, env: dict[str, str], reason: str
) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MOPH_CONNECT_")}
    result = subprocess.run(
        [*COMMAND, "serve", "--port", "1", "--workers", "2"],
        cwd=tmp_path,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert reason in result.stderr
