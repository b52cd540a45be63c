"""Who is calling: the socket's address, or X-Forwarded-For through trusted proxies only."""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import ip_address

import pytest

from moph_connect.hospitals.access import update_access
from moph_connect.networks import client_address, parse_networks
from tests.api.conftest import START
from tests.api.test_contract import assert_problem, body
from tests.conftest import fresh_database_url
from tests.support.stack import Stack, running_stack

PROXIES = parse_networks("10.0.0.0/8, 192.0.2.7")


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("198.51.100.9", None, "198.51.100.9"),
        ("198.51.100.9", "203.0.113.5", "198.51.100.9"),  # not a proxy of ours: ignored
        ("10.1.2.3", "203.0.113.5", "203.0.113.5"),
        ("10.1.2.3", "203.0.113.5, 10.9.9.9", "203.0.113.5"),  # through two of ours
        ("10.1.2.3", "1.2.3.4, 203.0.113.5", "203.0.113.5"),  # the client's own claim: no
        ("192.0.2.7", "[2001:db8::1]:443", "2001:db8::1"),
        ("10.1.2.3", "203.0.113.5:8080", "203.0.113.5"),
        ("10.1.2.3", "garbage, 203.0.113.5", "203.0.113.5"),
        ("10.1.2.3", "203.0.113.5, garbage", "10.1.2.3"),
        ("10.1.2.3", "10.4.4.4", "10.4.4.4"),  # all ours: the left-most
        (None, "203.0.113.5", None),
    ],
)
def test_client_address(peer: str | None, forwarded: str | None, client: str | None) -> None:
    found = client_address(peer, forwarded, PROXIES)
    assert found == (ip_address(client) if client else None)


def test_bad_networks_are_refused() -> None:
    with pytest.raises(ValueError, match="not an IP network"):
        parse_networks("10.0.0.0/8, 10.0.0.300")


@pytest.fixture(scope="module")
def behind_proxy(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    url = fresh_database_url(request, "sqlite", tmp_path_factory.mktemp("db"))
    with running_stack(url, START, settings_overrides={"trusted_proxies": "127.0.0.1/32"}) as stack:
        yield stack


def test_a_keyless_allow_list_sees_the_client_behind_a_trusted_proxy(
    behind_proxy: Stack,
) -> None:
    stack = behind_proxy
    hospital = stack.register_hospital()
    with stack.database.transaction() as session:
        update_access(
            session,
            hospital.hospital_id,
            auth="legacy",
            allowed_networks=["203.0.113.0/24"],
            cors_origins=None,
            actor="test",
            now=stack.clock.now(),
        )
    user = stack.follow()
    regist = stack.pick_hospital(user, hospital.hospital_id)
    inside = {"X-Forwarded-For": "203.0.113.40"}
    outside = {"X-Forwarded-For": "198.51.100.1"}
    assert stack.api.post("/api/queue", json=body(regist), headers=inside).status_code == 202
    refused = stack.api.post("/api/queue", json=body(regist), headers=outside)
    assert_problem(refused, 403)
    assert "198.51.100.1" in refused.json()["detail"]
