"""`moph-connect operator add / list / disable / reset-password` as the ministry runs
them: real processes on the embedded default database of a folder. The password is never
printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from moph_connect.db.engine import make_engine
from moph_connect.db.models import AuditEvent, ConsoleSession, Operator
from moph_connect.db.uow import Database
from moph_connect.operators.passwords import verify_password
from moph_connect.operators.repository import OperatorRepository

COMMAND = [str(Path(sys.executable).with_name("moph-connect"))]
PASSWORD = "a password nobody guesses"


def start(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MOPH_CONNECT_")}
    return subprocess.Popen(
        COMMAND + args,
        cwd=cwd,
        env=environment,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    stdout, stderr = process.communicate(stdin, timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def run(args: list[str], cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return finish(start(args, cwd), stdin)


def run_together(
    commands: list[tuple[list[str], str]], cwd: Path
) -> list[subprocess.CompletedProcess[str]]:
    """Side by side: each process costs seconds (it imports the whole service)."""
    started = [(start(args, cwd), stdin) for args, stdin in commands]
    return [finish(process, stdin) for process, stdin in started]


def test_operators_are_added_listed_and_disabled(tmp_path: Path) -> None:
    hospital = run(
        [
            "hospital",
            "add",
            "--name",
            "โรงพยาบาลปทุมธานี",
            "--booking-url",
            "https://h.example/",
            "--json",
        ],
        tmp_path,
    )
    assert hospital.returncode == 0, hospital.stderr
    hospital_id = json.loads(hospital.stdout)["hospitalId"]

    ministry = run(
        [
            "operator",
            "add",
            "--email",
            "Pensri@MOPH.example",
            "--role",
            "ministry",
            "--password-stdin",
            "--json",
        ],
        tmp_path,
        stdin=PASSWORD + "\n",
    )
    assert ministry.returncode == 0, ministry.stderr
    added = json.loads(ministry.stdout)
    assert added["email"] == "pensri@moph.example" and added["role"] == "ministry"
    assert added["hospitalId"] is None and added["disabled"] is False

    # Without --password-stdin she is asked twice; the answers are not echoed back.
    staff = run(
        [
            "operator",
            "add",
            "--email",
            "it@pth.example",
            "--role",
            "hospital",
            "--hospital",
            hospital_id,
        ],
        tmp_path,
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert staff.returncode == 0, staff.stderr
    assert "it@pth.example" in staff.stdout and hospital_id in staff.stdout

    refused = run_together(
        [
            (
                [
                    "operator",
                    "add",
                    "--email",
                    "x@h.example",
                    "--role",
                    "hospital",
                    "--hospital",
                    "no-such-hospital",
                    "--password-stdin",
                ],
                PASSWORD + "\n",
            ),
            (
                [
                    "operator",
                    "add",
                    "--email",
                    "x@h.example",
                    "--role",
                    "hospital",
                    "--password-stdin",
                ],
                PASSWORD + "\n",
            ),
            (
                ["operator", "add", "--email", "y@h.example", "--role", "ministry"],
                f"{PASSWORD}\n{PASSWORD}x\n",
            ),
            (
                [
                    "operator",
                    "add",
                    "--email",
                    "z@h.example",
                    "--role",
                    "ministry",
                    "--password-stdin",
                ],
                "short\n",
            ),
            (
                [
                    "operator",
                    "add",
                    "--email",
                    "pensri@moph.example",
                    "--role",
                    "ministry",
                    "--password-stdin",
                ],
                PASSWORD + "\n",
            ),
        ],
        tmp_path,
    )
    for process in refused:
        assert process.returncode == 2, (process.stdout, process.stderr)
        assert process.stderr.startswith("error: ") or "error: " in process.stderr
    for process in [ministry, staff, *refused]:
        assert PASSWORD not in process.stdout + process.stderr

    listed = run(["operator", "list", "--json"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert [(o["email"], o["role"], o["hospitalId"]) for o in json.loads(listed.stdout)] == [
        ("it@pth.example", "hospital", hospital_id),
        ("pensri@moph.example", "ministry", None),
    ]
    table = run(["operator", "list"], tmp_path)
    assert "it@pth.example" in table.stdout and "active" in table.stdout

    disabled = run(["operator", "disable", "it@pth.example", "--json"], tmp_path)
    assert disabled.returncode == 0 and json.loads(disabled.stdout)["disabled"] is True
    assert run(["operator", "disable", "nobody@pth.example"], tmp_path).returncode == 2

    database = Database(make_engine(f"sqlite:///{tmp_path / 'var' / 'moph-connect.db'}"))
    try:
        with database.transaction() as session:
            stored = OperatorRepository(session).by_email("pensri@moph.example")
            assert stored is not None and PASSWORD not in stored.password_hash
            assert verify_password(stored.password_hash, PASSWORD)
    finally:
        database.dispose()


def test_reset_password_sets_a_new_one_ends_sessions_and_lifts_a_lock_out(
    tmp_path: Path,
) -> None:
    added = run(
        ["operator", "add", "--email", "pensri@moph.example", "--role", "ministry"],
        tmp_path,
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert added.returncode == 0, added.stderr
    database = Database(make_engine(f"sqlite:///{tmp_path / 'var' / 'moph-connect.db'}"))
    now = datetime.now(UTC)
    try:
        # She is locked out and signed in somewhere (a browser left open).
        with database.transaction() as session:
            operator = session.scalars(select(Operator)).one()
            operator.locked_until = now + timedelta(minutes=10)
            session.add(
                ConsoleSession(
                    token_hash="0" * 64,
                    operator_id=operator.id,
                    created_at=now,
                    expires_at=now + timedelta(hours=8),
                )
            )
        new = "another password nobody guesses"
        reset = run(
            ["operator", "reset-password", "--email", "Pensri@MOPH.example", "--password-stdin"],
            tmp_path,
            stdin=new + "\n",
        )
        assert reset.returncode == 0, reset.stderr
        assert "1 open session(s) ended" in reset.stdout and "lock-out is lifted" in reset.stdout
        refused = run_together(
            [
                (
                    ["operator", "reset-password", "--email", "nobody@moph.example"],
                    f"{new}\n{new}\n",
                ),
                (
                    ["operator", "reset-password", "--email", "pensri@moph.example"],
                    f"{new}\n{new}x\n",
                ),
                (
                    [
                        "operator",
                        "reset-password",
                        "--email",
                        "pensri@moph.example",
                        "--password-stdin",
                    ],
                    "too short\n",
                ),
            ],
            tmp_path,
        )
        for process in refused:
            assert process.returncode == 2, (process.stdout, process.stderr)
            assert "error: " in process.stderr
        # Asked twice (hidden), with --json.
        third = "a third password, typed twice"
        as_json = run(
            ["operator", "reset-password", "--email", "pensri@moph.example", "--json"],
            tmp_path,
            stdin=f"{third}\n{third}\n",
        )
        assert as_json.returncode == 0, as_json.stderr
        answer = json.loads(as_json.stdout)
        assert answer["email"] == "pensri@moph.example" and answer["lockedUntil"] is None
        assert answer["sessionsEnded"] == 0 and answer["wasLockedOut"] is False
        for process in [reset, *refused, as_json]:
            assert new not in process.stdout + process.stderr
            assert third not in process.stdout + process.stderr
        with database.transaction() as session:
            operator = session.scalars(select(Operator)).one()
            assert verify_password(operator.password_hash, third)
            assert not verify_password(operator.password_hash, PASSWORD)
            assert operator.locked_until is None and operator.failed_sign_ins == 0
            assert session.scalars(select(ConsoleSession)).all() == []
            events = session.scalars(
                select(AuditEvent).where(AuditEvent.kind == "operator.password_reset")
            ).all()
        assert [e.detail["sessionsEnded"] for e in events] == [1, 0]
        assert all(e.actor and e.actor.startswith("cli:") for e in events)
        assert all(new not in repr(e.detail) and third not in repr(e.detail) for e in events)
    finally:
        database.dispose()
