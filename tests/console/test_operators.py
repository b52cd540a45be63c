"""Operators, passwords, sessions and the lock-out as the service does them, on SQLite and
PostgreSQL; the scoping helper."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from moph_connect.console.errors import ConsoleNotFound
from moph_connect.console.scoping import Scope, require_hospital, require_ministry, scope_of
from moph_connect.db.models import ConsoleSession, Operator
from moph_connect.db.uow import Database
from moph_connect.errors import Conflict, NotFound, ValidationFailed
from moph_connect.hospitals.service import register_hospital
from moph_connect.operators.passwords import hash_password, verify_password
from moph_connect.operators.service import (
    LockOut,
    SignedIn,
    add_operator,
    current_operator,
    disable_operator,
    list_operators,
    sign_in,
    sign_out,
)

NOW = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)
PASSWORD = "a long enough password"
LOCK = LockOut(max_failures=3, duration=timedelta(minutes=10))
HOURS_8 = timedelta(hours=8)


def test_passwords_are_argon2_hashes_that_verify_only_themselves() -> None:
    hashed = hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$") and PASSWORD not in hashed
    assert hash_password(PASSWORD) != hashed  # salted
    assert verify_password(hashed, PASSWORD)
    assert not verify_password(hashed, PASSWORD + " ")
    assert not verify_password(None, PASSWORD)  # no operator: same work, never a match
    assert not verify_password("not a hash", PASSWORD)
    assert not verify_password(hashed, "x" * 5000)
    with pytest.raises(ValidationFailed):
        hash_password("short")


def _add(
    database: Database, email: str, role: str = "ministry", hospital: str | None = None
) -> None:
    with database.transaction() as session:
        add_operator(
            session,
            email=email,
            role=role,
            hospital_id=hospital,
            password=PASSWORD,
            now=NOW,
            actor="test",
        )


def _sign_in(database: Database, email: str, password: str, now: datetime = NOW) -> str | None:
    with database.transaction() as session:
        return sign_in(
            session, email, password, now=now, lock_out=LOCK, session_length=HOURS_8
        ).token


def test_adding_operators_checks_role_hospital_and_address(database: Database) -> None:
    with database.transaction() as session:
        hospital = register_hospital(
            session, "โรงพยาบาลทดสอบ", "https://h.example/?r={regist}", NOW
        )
    _add(database, " Pensri@MOPH.example ")
    _add(database, "it@hospital.example", "hospital", hospital.hospital_id)
    for email, role, hospital_id, error in (
        ("pensri@moph.example", "ministry", None, Conflict),
        ("x@h.example", "hospital", None, ValidationFailed),
        ("x@h.example", "hospital", "no-such-hospital", NotFound),
        ("x@h.example", "ministry", hospital.hospital_id, ValidationFailed),
        ("x@h.example", "admin", None, ValidationFailed),
        ("not-an-address", "ministry", None, ValidationFailed),
    ):
        with pytest.raises(error), database.transaction() as session:
            add_operator(
                session,
                email=email,
                role=role,
                hospital_id=hospital_id,
                password=PASSWORD,
                now=NOW,
                actor="test",
            )
    with database.transaction() as session:
        listed = [(v.email, v.role, v.hospital_id) for v in list_operators(session)]
    assert listed == [
        ("it@hospital.example", "hospital", hospital.hospital_id),
        ("pensri@moph.example", "ministry", None),
    ]


def test_a_session_lasts_its_length_and_ends_with_sign_out(database: Database) -> None:
    _add(database, "a@moph.example")
    token = _sign_in(database, "a@moph.example", PASSWORD)
    assert token is not None
    with database.transaction() as session:
        found = current_operator(session, token, NOW + HOURS_8 - timedelta(seconds=1))
        assert found is not None and found.role == "ministry"
        assert current_operator(session, token, NOW + HOURS_8) is None
        assert current_operator(session, token + "x", NOW) is None
        stored = list(session.scalars(select(ConsoleSession.token_hash)))
        assert token not in stored and len(stored) == 1
    with database.transaction() as session:
        sign_out(session, token, now=NOW)
    with database.transaction() as session:
        assert current_operator(session, token, NOW) is None


def test_lock_out_after_repeated_failures_and_only_until_it_ends(database: Database) -> None:
    _add(database, "b@moph.example")
    for _ in range(LOCK.max_failures):
        assert _sign_in(database, "b@moph.example", "wrong password!") is None
    with database.transaction() as session:
        operator = session.scalars(select(Operator)).one()
        assert operator.locked_until == NOW + LOCK.duration
    locked_until = NOW + LOCK.duration
    assert (
        _sign_in(database, "b@moph.example", PASSWORD, locked_until - timedelta(seconds=1)) is None
    )
    assert _sign_in(database, "b@moph.example", PASSWORD, locked_until) is not None
    # A good sign-in starts the count again: two wrong ones do not lock her.
    for _ in range(LOCK.max_failures - 1):
        assert _sign_in(database, "b@moph.example", "wrong password!", locked_until) is None
    assert _sign_in(database, "b@moph.example", PASSWORD, locked_until) is not None


def test_disabling_ends_her_sessions_and_refuses_sign_ins(database: Database) -> None:
    _add(database, "c@moph.example")
    token = _sign_in(database, "c@moph.example", PASSWORD)
    assert token is not None
    with database.transaction() as session:
        view = disable_operator(session, "C@moph.example", now=NOW, actor="test")
        assert view.disabled
    with database.transaction() as session:
        assert current_operator(session, token, NOW) is None
        assert list(session.scalars(select(ConsoleSession))) == []
    assert _sign_in(database, "c@moph.example", PASSWORD) is None
    with pytest.raises(NotFound), database.transaction() as session:
        disable_operator(session, "nobody@moph.example", now=NOW, actor="test")


def _operator(role: str, hospital_id: str | None) -> SignedIn:
    return SignedIn(
        1, "x@moph.example", "ministry" if role == "ministry" else "hospital", hospital_id, "h"
    )


def test_scoping_gives_the_ministry_all_and_a_hospital_user_hers_only() -> None:
    ministry = _operator("ministry", None)
    hospital = _operator("hospital", "h1")
    assert scope_of(ministry) == Scope(None) and scope_of(hospital) == Scope("h1")
    assert require_hospital(ministry, "h2") == "h2"
    assert require_hospital(hospital, "h1") == "h1"
    with pytest.raises(ConsoleNotFound):
        require_hospital(hospital, "h2")
    with pytest.raises(ConsoleNotFound):
        require_ministry(hospital)
    require_ministry(ministry)
    # A hospital role without a hospital sees nothing rather than everything.
    with pytest.raises(ConsoleNotFound):
        scope_of(_operator("hospital", None))
