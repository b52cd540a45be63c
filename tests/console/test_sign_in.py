"""Signing in over real HTTP, on SQLite and PostgreSQL: cookies, anti-forgery tokens,
slowing and locking out, signing out, the language switch, the audit trail."""

from __future__ import annotations

import time
from datetime import timedelta

import httpx
from sqlalchemy import select

from moph_connect.api.edge import CONSOLE_CSP
from moph_connect.console.deps import SESSION_COOKIE
from moph_connect.db.models import AuditEvent, ConsoleSession, Operator
from tests.console.conftest import FAILED_DELAY, LOCKOUT_MINUTES, MAX_FAILED, TRUSTED_PROXY
from tests.console.support import (
    PASSWORD,
    add,
    client,
    csrf_of,
    page_token,
    post_login,
    signed_in,
)
from tests.support.stack import Stack


def _set_cookie(answer: httpx.Response, name: str) -> str:
    for header in answer.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            return header
    raise AssertionError(f"no {name} cookie set")


def _sign_ins(stack: Stack, operator_email: str) -> list[AuditEvent]:
    with stack.database.transaction() as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.kind == "console.sign_in", AuditEvent.actor == operator_email)
                .order_by(AuditEvent.id)
            )
        )


def test_pages_send_a_browser_without_a_session_to_sign_in(console_stack: Stack) -> None:
    with client(console_stack) as http:
        for path in ("/console/overview", "/console/hospitals", "/console/hospitals/h123"):
            answer = http.get(path)
            assert answer.status_code == 303
            assert answer.headers["location"] == f"/console/login?next={path}"
        assert http.get("/console").headers["location"] == "/console/overview"
        # A forged cookie is no session either.
        http.cookies.set(SESSION_COOKIE, "x" * 43, path="/console")
        assert http.get("/console/overview").status_code == 303


def test_sign_in_sets_a_strict_expiring_cookie_and_sign_out_ends_it(console_stack: Stack) -> None:
    email = add(console_stack)
    with client(console_stack) as http:
        form = http.get("/console/login")
        assert form.headers["content-security-policy"] == CONSOLE_CSP
        assert "<script" not in form.text and "style=" not in form.text
        answer = http.post(
            "/console/login",
            data={
                "email": email.upper(),  # one address however it is typed
                "password": PASSWORD,
                "csrf_token": csrf_of(form.text),
                "next": "/console/hospitals",
            },
        )
        assert answer.status_code == 303
        assert answer.headers["location"] == "/console/hospitals"
        cookie = _set_cookie(answer, SESSION_COOKIE)
        flags = [part.strip().lower() for part in cookie.split(";")]
        assert "httponly" in flags and "samesite=lax" in flags and "path=/console" in flags
        assert "max-age=28800" in flags  # 8 hours, the default
        assert "secure" not in flags  # plain HTTP from a client that is no proxy of ours
        overview = http.get("/console/overview")
        assert overview.status_code == 200
        assert overview.headers["content-security-policy"] == CONSOLE_CSP
        assert overview.headers["cache-control"] == "no-store"
        assert "<script" not in overview.text and "style=" not in overview.text
        token = http.cookies.get(SESSION_COOKIE, path="/console")
        assert token is not None
        with console_stack.database.transaction() as session:
            stored = list(session.scalars(select(ConsoleSession.token_hash)))
        assert token not in stored  # only a hash of it

        out = http.post("/console/logout", data={"csrf_token": csrf_of(overview.text)})
        assert out.status_code == 303
        assert out.headers["location"] == "/console/login?signed_out=1"
        assert http.get("/console/overview").status_code == 303
    # The old cookie, replayed, opens nothing: the session is gone from the database.
    with client(console_stack) as replay:
        replay.cookies.set(SESSION_COOKIE, token, path="/console")
        assert replay.get("/console/overview").status_code == 303


def test_the_cookie_is_secure_when_our_proxy_says_https(console_stack: Stack) -> None:
    email = add(console_stack)
    proxied = httpx.HTTPTransport(local_address=TRUSTED_PROXY)
    with client(console_stack, transport=proxied) as http:
        answer = post_login(http, email, **{"X-Forwarded-Proto": "https"})
        assert answer.status_code == 303
        assert "secure" in _set_cookie(answer, SESSION_COOKIE).lower().split("; ")
    # The same header from anyone else is not believed.
    with client(console_stack) as http:
        answer = post_login(http, email, **{"X-Forwarded-Proto": "https"})
        assert answer.status_code == 303
        assert "secure" not in _set_cookie(answer, SESSION_COOKIE).lower().split("; ")


def test_forms_without_their_anti_forgery_token_are_refused(console_stack: Stack) -> None:
    email = add(console_stack)
    with client(console_stack) as http:
        form = http.get("/console/login")
        for token in (None, "", "forged", csrf_of(form.text) + "x"):
            data = {"email": email, "password": PASSWORD}
            if token is not None:
                data["csrf_token"] = token
            refused = http.post("/console/login", data=data)
            assert refused.status_code == 403
            assert SESSION_COOKIE not in refused.headers.get("set-cookie", "")
    with signed_in(console_stack, email) as http, signed_in(console_stack, email) as other:
        assert http.post("/console/logout").status_code == 403
        # Another session's token is worth nothing here.
        foreign = page_token(other)
        assert foreign != page_token(http)
        assert http.post("/console/logout", data={"csrf_token": foreign}).status_code == 403
        assert http.get("/console/overview").status_code == 200  # still signed in


def test_wrong_passwords_are_slowed_then_locked_out_and_it_stays_locked(
    console_stack: Stack,
) -> None:
    email = add(console_stack)
    with client(console_stack) as http:
        for _ in range(MAX_FAILED):
            started = time.monotonic()
            answer = post_login(http, email, "not the password at all")
            assert answer.status_code == 401
            assert time.monotonic() - started >= FAILED_DELAY
        # Locked: the right password is refused too, as many times as she tries.
        for _ in range(2):
            assert post_login(http, email).status_code == 401
        console_stack.clock.advance(timedelta(minutes=LOCKOUT_MINUTES - 1))
        assert post_login(http, email).status_code == 401
        console_stack.clock.advance(timedelta(minutes=2))
        assert post_login(http, email).status_code == 303
    outcomes = [event.detail["outcome"] for event in _sign_ins(console_stack, email)]
    assert outcomes == ["wrong_password", "wrong_password", "locked_out"] + ["locked"] * 3 + ["ok"]
    with console_stack.database.transaction() as session:
        operator = session.scalars(select(Operator).where(Operator.email == email)).one()
        assert operator.failed_sign_ins == 0 and operator.locked_until is None


def test_an_unknown_address_waits_as_long_and_is_recorded_without_it(
    console_stack: Stack,
) -> None:
    typed = "someone-typed-her-password-here@moph.example"
    with client(console_stack) as http:
        started = time.monotonic()
        assert post_login(http, typed, "a secret password!").status_code == 401
        assert time.monotonic() - started >= FAILED_DELAY
        missing = http.post(
            "/console/login",
            data={
                "email": "",
                "password": "",
                "csrf_token": csrf_of(http.get("/console/login").text),
            },
        )
        assert missing.status_code == 400
    with console_stack.database.transaction() as session:
        events = list(session.scalars(select(AuditEvent)))
    text = repr([(e.actor, e.detail) for e in events])
    assert typed not in text and "a secret password!" not in text and PASSWORD not in text
    assert any(e.actor == "console:unknown" for e in events)


def test_a_disabled_operator_cannot_sign_in(console_stack: Stack) -> None:
    from moph_connect.operators.service import disable_operator

    email = add(console_stack)
    with signed_in(console_stack, email) as http:
        with console_stack.database.transaction() as session:
            disable_operator(session, email, now=console_stack.clock.now(), actor="test")
        assert http.get("/console/overview").status_code == 303  # her session ended
        assert post_login(http, email).status_code == 401
    assert _sign_ins(console_stack, email)[-1].detail["outcome"] == "disabled"


def test_thai_by_default_english_by_choice(console_stack: Stack) -> None:
    email = add(console_stack)
    with signed_in(console_stack, email) as http:
        thai = http.get("/console/overview")
        assert '<html lang="th">' in thai.text and "ภาพรวมการส่งข้อความ" in thai.text
        switch = http.get("/console/language", params={"lang": "en", "next": "/console/overview"})
        assert switch.status_code == 303 and switch.headers["location"] == "/console/overview"
        english = http.get("/console/overview")
        assert '<html lang="en">' in english.text and "Delivery overview" in english.text
        # Never a redirect off the console.
        for target in ("https://evil.example/", "//evil.example/console/", "/api/queue"):
            away = http.get("/console/language", params={"lang": "th", "next": target})
            assert away.headers["location"] == "/console/overview"
        login = http.get("/console/login", params={"next": "https://evil.example/"})
        assert 'name="next" value="/console/overview"' in login.text


def test_bad_query_values_are_problems_not_errors(console_stack: Stack) -> None:
    with signed_in(console_stack, add(console_stack)) as http:
        answer = http.get("/console/overview", params={"environment": "staging"})
        assert answer.status_code == 422
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["errors"][0]["field"] == "environment"
