"""Refused sign-ins counted per source address as well as per account, over real HTTP on
SQLite and PostgreSQL: one password sprayed over many accounts is stopped, other
addresses are not, a trusted proxy's X-Forwarded-For names the source and anyone
else's does not, the count is shared by two services on one database and stays bounded.

Each test connects from addresses of its own on the loopback network (127.0.0.0/8), so
the tests do not count against each other."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from ipaddress import ip_address

import httpx
import pytest
from sqlalchemy import func, select

from moph_connect.console.i18n import CATALOGUE
from moph_connect.db.models import AuditEvent, ConsoleSignInFailure
from moph_connect.operators.service import source_of
from tests.conftest import fresh_database_url
from tests.console.conftest import CONSOLE_SETTINGS, FAILED_DELAY, MAX_FAILED, START, TRUSTED_PROXY
from tests.console.support import add, client, post_login
from tests.support.stack import Stack, running_stack

PER_ADDRESS = 4
WINDOW_MINUTES = 10
WRONG = "Summer2026!Summer2026!"  # the one password a sprayer tries everywhere

LIMITED_SETTINGS = {
    **CONSOLE_SETTINGS,
    "console_failed_sign_ins_per_address": PER_ADDRESS,
    "console_failed_sign_in_window_minutes": WINDOW_MINUTES,
}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stacks(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Stack, Stack]]:
    """Two services on one database, as `serve --workers 2` or two hosts would be."""
    url = fresh_database_url(request, request.param, tmp_path_factory.mktemp("db"))
    with (
        running_stack(url, START, settings_overrides=LIMITED_SETTINGS) as first,
        running_stack(
            url, START, settings_overrides=LIMITED_SETTINGS, run_dispatcher=False
        ) as second,
    ):
        yield first, second


def _from(stack: Stack, local_address: str) -> httpx.Client:
    return client(stack, transport=httpx.HTTPTransport(local_address=local_address))


def _outcomes(stack: Stack, source: str) -> list[str]:
    with stack.database.transaction() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.kind == "console.sign_in").order_by(AuditEvent.id)
        )
        return [e.detail["outcome"] for e in events if e.detail.get("source") == source]


def _rows(stack: Stack, source: str | None = None) -> int:
    query = select(func.count()).select_from(ConsoleSignInFailure)
    if source is not None:
        query = query.where(ConsoleSignInFailure.source == source)
    with stack.database.transaction() as session:
        return int(session.scalar(query) or 0)


def test_a_password_sprayed_over_many_accounts_locks_the_address_out(
    stacks: tuple[Stack, Stack],
) -> None:
    stack, _ = stacks
    accounts = [add(stack) for _ in range(PER_ADDRESS + 3)]
    with _from(stack, "127.0.0.11") as sprayer:
        for email in accounts[:PER_ADDRESS]:
            assert post_login(sprayer, email, WRONG).status_code == 401
        # Each account saw one wrong password (under MAX_FAILED): none of them is locked,
        # yet the address is: even the right password of an untouched account is refused,
        # as slowly and in the same words.
        assert MAX_FAILED > 1
        for email in accounts[PER_ADDRESS:]:
            started = time.monotonic()
            refused = post_login(sprayer, email)
            assert refused.status_code == 401
            assert time.monotonic() - started >= FAILED_DELAY
            assert CATALOGUE["sign_in.failed"]["th"] in refused.text
        # An unknown address is refused the same way, and counted no more: bounded.
        assert post_login(sprayer, f"nobody-{uuid.uuid4().hex}@moph.example").status_code == 401
        assert _rows(stack, "127.0.0.11") == PER_ADDRESS
    # Another address signs in to any of those accounts.
    with _from(stack, "127.0.0.12") as colleague:
        assert post_login(colleague, accounts[0]).status_code == 303
        assert post_login(colleague, accounts[-1]).status_code == 303
    assert (
        _outcomes(stack, "127.0.0.11") == ["wrong_password"] * PER_ADDRESS + ["address_limited"] * 4
    )
    assert _outcomes(stack, "127.0.0.12") == ["ok", "ok"]


def test_the_window_slides_and_old_rows_are_removed(stacks: tuple[Stack, Stack]) -> None:
    stack, _ = stacks
    email = add(stack)
    with _from(stack, "127.0.0.21") as http:
        assert post_login(http, email, WRONG).status_code == 401  # the oldest
        stack.clock.advance(timedelta(minutes=WINDOW_MINUTES / 2))
        for _ in range(PER_ADDRESS - 1):
            stack.clock.advance(timedelta(seconds=1))
            assert post_login(http, add(stack), WRONG).status_code == 401
        assert post_login(http, email).status_code == 401  # over, right password or not
        # Once the oldest has aged out there is room for one more try, not a fresh window.
        stack.clock.advance(timedelta(minutes=WINDOW_MINUTES / 2))
        assert post_login(http, email).status_code == 303
        assert post_login(http, add(stack), WRONG).status_code == 401
        assert post_login(http, email).status_code == 401
    # A window later everything older is gone, whoever it was from.
    stack.clock.advance(timedelta(minutes=WINDOW_MINUTES, seconds=1))
    with _from(stack, "127.0.0.22") as other:
        assert post_login(other, email, WRONG).status_code == 401
    assert _rows(stack) == 1 and _rows(stack, "127.0.0.22") == 1


def test_a_trusted_proxys_forwarded_address_is_the_source(stacks: tuple[Stack, Stack]) -> None:
    stack, _ = stacks
    via_proxy = httpx.HTTPTransport(local_address=TRUSTED_PROXY)
    with client(stack, transport=via_proxy) as proxy:
        for _ in range(PER_ADDRESS):
            email = add(stack)
            # What the client wrote, then what our proxy appended: the latter is believed.
            forwarded = {"X-Forwarded-For": "10.9.9.9, 198.51.100.7"}
            assert post_login(proxy, email, WRONG, **forwarded).status_code == 401
        limited = {"X-Forwarded-For": "198.51.100.7"}
        assert post_login(proxy, add(stack), **limited).status_code == 401
        # Another client behind the same proxy is another source.
        assert post_login(proxy, add(stack), **{"X-Forwarded-For": "198.51.100.8"}).status_code == (
            303
        )
    assert _outcomes(stack, "198.51.100.7") == ["wrong_password"] * PER_ADDRESS + [
        "address_limited"
    ]
    assert _outcomes(stack, TRUSTED_PROXY) == []  # the proxy itself was never the source


def test_an_untrusted_peers_forwarded_for_is_not_believed(stacks: tuple[Stack, Stack]) -> None:
    stack, _ = stacks
    with _from(stack, "127.0.0.31") as sprayer:
        for attempt in range(PER_ADDRESS):
            # A fresh made-up address each time would be a fresh window, were it believed.
            forged = {"X-Forwarded-For": f"203.0.113.{attempt + 1}"}
            assert post_login(sprayer, add(stack), WRONG, **forged).status_code == 401
        forged = {"X-Forwarded-For": "203.0.113.99"}
        assert post_login(sprayer, add(stack), **forged).status_code == 401
    assert _outcomes(stack, "127.0.0.31")[-1] == "address_limited"
    assert all(_outcomes(stack, f"203.0.113.{n}") == [] for n in (1, 2, 99))


def test_the_count_is_shared_by_every_service_on_the_database(
    stacks: tuple[Stack, Stack],
) -> None:
    first, second = stacks
    second.clock.set(first.clock.now())  # one time for both, as real hosts would share
    with _from(first, "127.0.0.41") as one, _from(second, "127.0.0.41") as two:
        for attempt in range(PER_ADDRESS):
            http = one if attempt % 2 else two
            assert post_login(http, add(first), WRONG).status_code == 401
        email = add(first)
        assert post_login(one, email).status_code == 401
        assert post_login(two, email).status_code == 401


def test_what_counts_as_one_source() -> None:
    assert source_of(ip_address("192.0.2.7")) == "192.0.2.7"
    # One IPv6 host is usually given a /64: its addresses are one source.
    assert source_of(ip_address("2001:db8:1:2:aaaa::1")) == "2001:db8:1:2::/64"
    assert source_of(ip_address("2001:db8:1:2:ffff::9")) == "2001:db8:1:2::/64"
    assert source_of(ip_address("2001:db8:1:3::1")) == "2001:db8:1:3::/64"
    assert source_of(ip_address("::ffff:192.0.2.7")) == "192.0.2.7"  # IPv4 seen over IPv6
    assert source_of(None) is None
