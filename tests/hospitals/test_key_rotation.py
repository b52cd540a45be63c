"""Rotating and revoking API keys: `moph-connect hospital rotate-key / revoke-key` run as
real processes against a running stack, whose hospital API is then called over HTTP.

The commands read the system clock, so the stack's simulated clock starts at the wall
clock's now; moving it 25 hours on then ends a 24-hour grace period.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from moph_connect.appointments.schemas import SEED_EXAMPLE
from moph_connect.audit.repository import cli_actor
from moph_connect.clock import BANGKOK
from moph_connect.db.models import ApiKey
from moph_connect.db.uow import Database
from moph_connect.hospitals import keys
from moph_connect.hospitals.key_rotation import rotate_key
from moph_connect.hospitals.service import NewHospital, register_hospital
from tests.conftest import fresh_database_url
from tests.support.stack import Stack, running_stack

COMMAND = [str(Path(sys.executable).with_name("moph-connect"))]
URL = "http://pth.ddns.net/queue/que_register.php?regist={regist}"
T0 = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


# -- the rule -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("revoked_at", "expires_at", "usable"),
    [
        (None, None, True),  # never rotated
        (None, T0 + HOUR, True),  # in its grace period
        (None, T0 + timedelta(microseconds=1), True),
        (None, T0, False),  # refused from the instant it ends
        (None, T0 - HOUR, False),
        (T0 - HOUR, None, False),  # revoked
        (T0, None, False),
        (T0 + HOUR, None, False),  # revoked, whenever: revocation is never scheduled
        (T0 - HOUR, T0 + HOUR, False),  # revoked during its grace period
    ],
)
def test_is_usable(revoked_at: datetime | None, expires_at: datetime | None, usable: bool) -> None:
    assert keys.is_usable(revoked_at, expires_at, T0) is usable


def test_a_second_rotation_never_lengthens_a_grace_period(database: Database) -> None:
    with database.transaction() as session:
        hospital = register_hospital(session, "โรงพยาบาลปทุมธานี", URL, T0)
        first = rotate_key(
            session, hospital.hospital_id, "production", grace_hours=2, now=T0, actor="cli:t"
        )
    later = T0 + HOUR
    with database.transaction() as session:
        second = rotate_key(
            session, hospital.hospital_id, "production", grace_hours=24, now=later, actor="cli:t"
        )
    assert (first.keys_affected, first.previous_keys_expire_at) == (1, T0 + 2 * HOUR)
    # The original key keeps its earlier end; only the first rotation's key gets 24 hours.
    assert (second.keys_affected, second.previous_keys_expire_at) == (1, later + 24 * HOUR)
    assert key_ends(database, hospital.hospital_id) == by_hash(
        {
            hospital.production_key: (None, T0 + 2 * HOUR),
            first.key: (None, later + 24 * HOUR),
            second.key: (None, None),
            hospital.test_key: (None, None),
        }
    )


# -- the commands ---------------------------------------------------------------------------


def run(database_url: str, *commands: list[str]) -> list[subprocess.CompletedProcess[str]]:
    """Run `moph-connect` commands on the database, side by side (each process costs a
    second or two of imports)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MOPH_CONNECT_")}
    environment["MOPH_CONNECT_DATABASE_URL"] = database_url
    processes = [
        (
            args,
            subprocess.Popen(
                COMMAND + args,
                env=environment,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
        for args in commands
    ]
    results = []
    for args, process in processes:
        stdout, stderr = process.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(args, process.returncode, stdout, stderr))
    return results


def key_ends(database: Database, hospital_id: str) -> dict[str, tuple[datetime | None, ...]]:
    """(revoked_at, expires_at) of each of the hospital's keys, by the key's hash."""
    with database.transaction() as session:
        rows = session.scalars(select(ApiKey).where(ApiKey.hospital_id == hospital_id)).all()
        return {row.key_hash: (row.revoked_at, row.expires_at) for row in rows}


def by_hash(ends: dict[str, tuple[datetime | None, ...]]) -> dict[str, tuple[datetime | None, ...]]:
    return {keys.hash_key(key): end for key, end in ends.items()}


def audit_rows(database: Database) -> list[dict[str, Any]]:
    with database.transaction() as session:
        result = session.execute(text("SELECT * FROM audit_events ORDER BY id"))
        return [dict(row._mapping) for row in result]


def test_refusals_exit_2_and_change_nothing(database_url: str, database: Database) -> None:
    with database.transaction() as session:
        hospital = register_hospital(session, "โรงพยาบาลปทุมธานี", URL, T0)
    rotate = ["hospital", "rotate-key", hospital.hospital_id, "--environment", "test"]
    unknown_rotate, unknown_revoke, negative, too_long, bad_environment = run(
        database_url,
        ["hospital", "rotate-key", "h0000", "--environment", "production"],
        ["hospital", "revoke-key", "h0000", "--environment", "test", "--json"],
        [*rotate, "--grace-hours", "-1"],
        [*rotate, "--grace-hours", "721"],
        ["hospital", "revoke-key", hospital.hospital_id, "--environment", "staging"],
    )
    for result in (unknown_rotate, unknown_revoke, negative, too_long, bad_environment):
        assert result.returncode == 2, result
        assert result.stdout == ""
    assert "error: No hospital 'h0000'" in unknown_rotate.stderr
    assert "error: No hospital 'h0000'" in unknown_revoke.stderr
    assert "grace-hours: must be between 0 and 720 (hours), not -1" in negative.stderr
    assert "grace-hours: must be between 0 and 720 (hours), not 721" in too_long.stderr
    assert "'staging' is not one of" in bad_environment.stderr
    assert key_ends(database, hospital.hospital_id) == by_hash(
        {hospital.production_key: (None, None), hospital.test_key: (None, None)}
    )
    assert audit_rows(database) == []


# -- over HTTP ------------------------------------------------------------------------------


@dataclass
class Patients:
    """One patient of the hospital in each environment, by her MOPH Connect ID."""

    stack: Stack
    hospital: NewHospital
    production: str
    test: str

    def answer(self, environment: str, key: str) -> tuple[int, str]:
        """POST /api/queue (or /test/api/queue) with `key`: the status and the detail."""
        when = self.stack.clock.now().astimezone(BANGKOK).date() + timedelta(days=5)
        body = {
            **SEED_EXAMPLE,
            "userId": self.production if environment == "production" else self.test,
            "appointmentDate": when.isoformat(),
        }
        path = "/api/queue" if environment == "production" else "/test/api/queue"
        response = self.stack.call(path, key, body)
        return response.status_code, response.json().get("detail", "")


@pytest.fixture(params=["sqlite", "postgresql"])
def patients(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Patients]:
    url = fresh_database_url(request, request.param, tmp_path)
    with running_stack(url, datetime.now(UTC)) as stack:
        hospital = stack.register_hospital()
        production = stack.pick_hospital(stack.follow("production"), hospital.hospital_id)
        test = stack.pick_hospital(stack.follow("test"), hospital.hospital_id)
        yield Patients(stack, hospital, production, test)


def test_rotation_with_grace_then_at_once_then_revocation(patients: Patients) -> None:
    stack, hospital = patients.stack, patients.hospital
    url = stack.database.engine.url.render_as_string(hide_password=False)
    old_production, old_test = hospital.production_key, hospital.test_key
    assert patients.answer("production", old_production)[0] == 202
    assert patients.answer("test", old_test)[0] == 202

    # Rotation with the default grace of 24 hours: both production keys work meanwhile.
    before = datetime.now(UTC)
    [rotated] = run(
        url,
        ["hospital", "rotate-key", hospital.hospital_id, "--environment", "production", "--json"],
    )
    assert rotated.returncode == 0, rotated.stderr
    answer = json.loads(rotated.stdout)
    assert set(answer) == {"hospitalId", "environment", "key", "keyPrefix", "previousKeysExpireAt"}
    new_production = answer["key"]
    assert (answer["hospitalId"], answer["environment"]) == (hospital.hospital_id, "production")
    assert new_production.startswith("mcp_live_") and new_production != old_production
    assert answer["keyPrefix"] == new_production[:16]
    expire_at = datetime.fromisoformat(answer["previousKeysExpireAt"])
    assert before + 24 * HOUR <= expire_at <= datetime.now(UTC) + 24 * HOUR
    assert patients.answer("production", old_production)[0] == 202
    assert patients.answer("production", new_production)[0] == 202
    # Rotating production leaves the test key as it was (no end set, not revoked).
    assert patients.answer("test", old_test)[0] == 202
    assert key_ends(stack.database, hospital.hospital_id)[keys.hash_key(old_test)] == (None, None)

    # Rotation with no grace, while the stack's clock is still the wall's: the old test key
    # is refused at once, not at some end a later clock would reach.
    [at_once] = run(
        url,
        [
            *("hospital", "rotate-key", hospital.hospital_id, "--environment", "test"),
            *("--grace-hours", "0"),
        ],
    )
    assert at_once.returncode == 0, at_once.stderr
    [new_test] = [line.strip() for line in at_once.stdout.splitlines() if "mcp_test_" in line]
    assert "The previous test key(s) are refused from now on." in at_once.stdout
    assert patients.answer("test", old_test) == (401, "Unknown, revoked or expired API key.")
    assert patients.answer("test", new_test)[0] == 202

    # 25 hours on, the old production key is refused; the new ones still work.
    stack.clock.advance(25 * HOUR)
    assert patients.answer("production", old_production) == (
        401,
        "Unknown, revoked or expired API key.",
    )
    assert patients.answer("production", new_production)[0] == 202
    assert patients.answer("test", new_test)[0] == 202

    # Revocation: production is closed until a new key is issued; test is not touched.
    [revoked] = run(
        url, ["hospital", "revoke-key", hospital.hospital_id, "--environment", "production"]
    )
    assert revoked.returncode == 0, revoked.stderr
    # Two: by the command's clock (the wall's, 25 hours behind the stack's) the first key
    # is still in its grace period, and revocation cuts that short too.
    assert "Revoked 2 production key(s)" in revoked.stdout
    assert "issue a new one with rotate-key" in revoked.stdout
    assert "mcp_live_" not in revoked.stdout
    assert patients.answer("production", new_production)[0] == 401
    assert patients.answer("production", old_production)[0] == 401
    assert patients.answer("test", new_test)[0] == 202

    # Each change is in the audit table, with who made it and none of the secrets.
    events = audit_rows(stack.database)
    assert [(e["kind"], e["environment"]) for e in events] == [
        ("api_key.rotated", "production"),
        ("api_key.rotated", "test"),
        ("api_key.revoked", "production"),
    ]
    assert {e["actor"] for e in events} == {cli_actor()}
    assert cli_actor().startswith("cli:")
    details = [
        e["detail"] if isinstance(e["detail"], dict) else json.loads(e["detail"]) for e in events
    ]
    assert details == [
        {
            "hospitalId": hospital.hospital_id,
            "environment": "production",
            "keyPrefix": new_production[:16],
            "graceHours": 24,
            "keysAffected": 1,
        },
        {
            "hospitalId": hospital.hospital_id,
            "environment": "test",
            "keyPrefix": new_test[:16],
            "graceHours": 0,
            "keysAffected": 1,
        },
        {
            "hospitalId": hospital.hospital_id,
            "environment": "production",
            "graceHours": 0,
            "keysAffected": 2,
        },
    ]
    stored = repr(events)
    for key in (old_production, new_production, old_test, new_test):
        assert key not in stored
        assert hashlib.sha256(key.encode()).hexdigest() not in stored
