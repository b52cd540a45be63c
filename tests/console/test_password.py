"""New passwords over real HTTP, on SQLite and PostgreSQL: an operator changes her own
in the console (current password, the new one twice, the form's token; her other
sessions end), and the ministry resets one (every session ends, a lock-out is lifted).
Neither password is ever in the audit trail."""

from __future__ import annotations

import time

import httpx
from sqlalchemy import select

from moph_connect.console.deps import SESSION_COOKIE
from moph_connect.console.i18n import CATALOGUE
from moph_connect.db.models import AuditEvent, Operator
from moph_connect.operators.password_changes import CHANGE_EVENT, RESET_EVENT, reset_password
from moph_connect.operators.passwords import MIN_LENGTH, verify_password
from tests.console.conftest import FAILED_DELAY, MAX_FAILED
from tests.console.support import PASSWORD, add, client, page_token, post_login, signed_in
from tests.support.stack import Stack

NEW = "a brand new passphrase 2026"


def _change(
    http: httpx.Client, current: str, new: str, again: str | None = None, token: str | None = ""
) -> httpx.Response:
    data = {
        "current_password": current,
        "new_password": new,
        "new_password_again": new if again is None else again,
    }
    if token is not None:
        data["csrf_token"] = token or page_token(http, "/console/password")
    return http.post("/console/password", data=data)


def _events(stack: Stack, kind: str, operator_email: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.id)
    if operator_email is not None:
        query = query.where(AuditEvent.actor == operator_email)
    with stack.database.transaction() as session:
        return list(session.scalars(query))


def _hash_of(stack: Stack, email: str) -> str:
    with stack.database.transaction() as session:
        return session.scalars(select(Operator.password_hash).where(Operator.email == email)).one()


def test_she_changes_her_password_and_her_other_sessions_end(console_stack: Stack) -> None:
    email = add(console_stack)
    with signed_in(console_stack, email) as http, signed_in(console_stack, email) as elsewhere:
        form = http.get("/console/password")
        assert form.status_code == 200
        assert f'minlength="{MIN_LENGTH}"' in form.text
        assert 'href="/console/password"' in http.get("/console/overview").text  # the header
        changed = _change(http, PASSWORD, NEW)
        assert changed.status_code == 303
        assert changed.headers["location"] == "/console/password?changed=1"
        notice = http.get(changed.headers["location"])
        assert CATALOGUE["password.changed"]["th"] in notice.text
        # This browser stays signed in; the other one is sent to sign in.
        assert http.get("/console/overview").status_code == 200
        assert elsewhere.get("/console/overview").status_code == 303
    assert verify_password(_hash_of(console_stack, email), NEW)
    with client(console_stack) as http:
        assert post_login(http, email).status_code == 401  # the old one
        assert post_login(http, email, NEW).status_code == 303
    [event] = _events(console_stack, CHANGE_EVENT, email)
    assert event.detail["outcome"] == "changed" and event.detail["sessionsEnded"] == 1
    assert PASSWORD not in repr(event.detail) and NEW not in repr(event.detail)


def test_a_change_is_refused_without_token_or_with_a_bad_form(console_stack: Stack) -> None:
    email = add(console_stack)
    with signed_in(console_stack, email) as http:
        assert _change(http, PASSWORD, NEW, token=None).status_code == 403
        assert _change(http, PASSWORD, NEW, token="forged").status_code == 403
        differ = _change(http, PASSWORD, NEW, NEW + "!")
        assert differ.status_code == 400
        assert CATALOGUE["password.differ"]["th"] in differ.text
        short = "x" * (MIN_LENGTH - 1)
        assert _change(http, PASSWORD, short).status_code == 400
        assert _change(http, PASSWORD, "").status_code == 400
        same = _change(http, PASSWORD, PASSWORD)
        assert same.status_code == 400
        assert CATALOGUE["password.unchanged"]["th"] in same.text
        started = time.monotonic()
        wrong = _change(http, "not my password at all", NEW)
        assert wrong.status_code == 401
        assert time.monotonic() - started >= FAILED_DELAY
        assert http.get("/console/overview").status_code == 200  # still signed in
    assert verify_password(_hash_of(console_stack, email), PASSWORD)  # nothing changed
    with client(console_stack) as http:
        assert post_login(http, email).status_code == 303


def test_wrong_current_passwords_count_against_her_lock_out(console_stack: Stack) -> None:
    email = add(console_stack)
    with signed_in(console_stack, email) as http:
        for _ in range(MAX_FAILED):
            assert _change(http, "a guess at her password", NEW).status_code == 401
        # Locked out now: even the right current password is refused, and so is signing in.
        assert _change(http, PASSWORD, NEW).status_code == 401
    with client(console_stack) as other:
        assert post_login(other, email).status_code == 401
    outcomes = [e.detail["outcome"] for e in _events(console_stack, CHANGE_EVENT, email)]
    assert outcomes == ["wrong_password"] * (MAX_FAILED - 1) + ["locked_out", "locked"]
    assert verify_password(_hash_of(console_stack, email), PASSWORD)


def test_a_reset_ends_every_session_and_lifts_the_lock_out(console_stack: Stack) -> None:
    email = add(console_stack)
    with signed_in(console_stack, email) as http:
        with client(console_stack) as guesser:
            for _ in range(MAX_FAILED):
                assert post_login(guesser, email, "wrong guess number x").status_code == 401
            assert post_login(guesser, email).status_code == 401  # locked out
        with console_stack.database.transaction() as session:
            reset = reset_password(
                session, email.upper(), NEW, now=console_stack.clock.now(), actor="cli:test"
            )
        assert reset.sessions_ended == 1 and reset.was_locked_out
        assert http.get("/console/overview").status_code == 303  # her session ended
        assert http.cookies.get(SESSION_COOKIE, path="/console")  # the cookie opens nothing
    with client(console_stack) as http:
        assert post_login(http, email).status_code == 401  # the old password
        assert post_login(http, email, NEW).status_code == 303  # no lock-out to wait for
    [event] = _events(console_stack, RESET_EVENT)[-1:]
    assert event.actor == "cli:test"
    assert event.detail == {
        "operatorId": reset.operator.operator_id,
        "sessionsEnded": 1,
        "wasLockedOut": True,
    }
