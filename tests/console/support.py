"""Operators and signed-in HTTP clients for the console's tests."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from moph_connect.console.deps import SESSION_COOKIE
from moph_connect.operators.service import add_operator
from tests.support.stack import Stack

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def new_email(role: str = "ministry") -> str:
    return f"{role}-{uuid.uuid4().hex[:10]}@moph.example"


def add(stack: Stack, role: str = "ministry", hospital_id: str | None = None) -> str:
    email = new_email(role)
    with stack.database.transaction() as session:
        add_operator(
            session,
            email=email,
            role=role,
            hospital_id=hospital_id,
            password=PASSWORD,
            now=stack.clock.now(),
            actor="test",
        )
    return email


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found is not None, "the page has no anti-forgery token"
    return found.group(1)


def client(stack: Stack, **options: Any) -> httpx.Client:
    return httpx.Client(base_url=stack.base_url, timeout=30, follow_redirects=False, **options)


def post_login(
    http: httpx.Client, email: str, password: str = PASSWORD, **headers: str
) -> httpx.Response:
    form = http.get("/console/login")
    assert form.status_code == 200, form.text
    return http.post(
        "/console/login",
        data={"email": email, "password": password, "csrf_token": csrf_of(form.text)},
        headers=headers,
    )


@contextmanager
def signed_in(stack: Stack, email: str) -> Iterator[httpx.Client]:
    with client(stack) as http:
        answer = post_login(http, email)
        assert answer.status_code == 303, answer.text
        assert http.cookies.get(SESSION_COOKIE, path="/console")
        yield http


def page_token(http: httpx.Client, path: str = "/console/overview") -> str:
    answer = http.get(path)
    assert answer.status_code == 200, answer.text
    return csrf_of(answer.text)
