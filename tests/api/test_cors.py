"""CORS on the hospital API (issue 8): booking pages call it from the patient's browser.
Preflights and grants over real HTTP; the browser's own view is in tests/guide."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from moph_connect.hospitals import cors_origins
from moph_connect.hospitals.access import update_access
from moph_connect.hospitals.cors_origins import origin_of
from tests.api.conftest import START
from tests.api.test_contract import body
from tests.conftest import fresh_database_url
from tests.support.stack import Stack, running_stack

BOOKING = "https://pth.ddns.net:8443/queue/que_register.php?regist={regist}"
BOOKING_ORIGIN = "https://pth.ddns.net:8443"


@pytest.fixture(scope="module")
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    url = fresh_database_url(request, "sqlite", tmp_path_factory.mktemp("db"))
    overrides = {"cors_origins": "https://queue-vendor.example, http://127.0.0.1:9999"}
    with running_stack(url, START, settings_overrides=overrides) as running:
        yield running


@pytest.fixture(autouse=True)
def _no_refresh_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    # The registry is read again at most every few seconds; tests change it at once.
    monkeypatch.setattr(cors_origins, "REFRESH_SECONDS", 0.0)


def _preflight(stack: Stack, origin: str, path: str = "/api/queue") -> httpx.Response:
    return stack.api.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,authorization",
        },
    )


@pytest.mark.parametrize(
    "origin", [BOOKING_ORIGIN, "https://queue-vendor.example", "http://127.0.0.1:9999"]
)
@pytest.mark.parametrize("path", ["/api/queue", "/test/api/queue/schedule", "/api/alert"])
def test_preflights_from_granted_origins_are_answered_with_that_origin(
    stack: Stack, origin: str, path: str
) -> None:
    stack.register_hospital(booking_url=BOOKING)
    response = _preflight(stack, origin, path)
    assert response.status_code == 204, response.text
    headers = response.headers
    assert headers["access-control-allow-origin"] == origin
    assert "POST" in headers["access-control-allow-methods"]
    allowed = headers["access-control-allow-headers"].lower()
    assert "content-type" in allowed and "authorization" in allowed
    assert "origin" in headers["vary"].lower()
    assert "access-control-allow-credentials" not in headers


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "https://pth.ddns.net",  # another port is another origin
        "http://pth.ddns.net:8443",  # and another scheme
        "null",
        "*",
    ],
)
def test_other_origins_get_no_grant(stack: Stack, origin: str) -> None:
    stack.register_hospital(booking_url=BOOKING)
    response = _preflight(stack, origin)
    assert response.status_code == 403
    assert "access-control-allow-origin" not in response.headers
    # A call no preflight guards (text/plain) is refused before it is served.
    call = stack.api.post(
        "/api/queue",
        content=b"{}",
        headers={"Origin": origin, "Content-Type": "text/plain"},
    )
    assert call.status_code == 403
    assert call.json()["type"].endswith("/cors-origin")
    assert "access-control-allow-origin" not in call.headers


def test_same_origin_calls_pass(stack: Stack) -> None:
    own = stack.base_url  # /docs' "Try it out" sends the service's own origin
    call = stack.api.post("/api/queue", json=body("0" * 24), headers={"Origin": own})
    assert call.status_code == 404  # served: an ID nobody issued


def test_answers_to_calls_carry_the_grant(stack: Stack) -> None:
    hospital = stack.register_hospital(booking_url=BOOKING)
    user = stack.follow()
    regist = stack.pick_hospital(user, hospital.hospital_id)
    response = stack.api.post(
        "/api/queue",
        json=body(regist),
        headers={"Origin": BOOKING_ORIGIN, "Authorization": f"Bearer {hospital.production_key}"},
    )
    assert response.status_code == 202, response.text
    assert response.headers["access-control-allow-origin"] == BOOKING_ORIGIN
    refused = stack.api.post("/api/queue", json=body(regist), headers={"Origin": BOOKING_ORIGIN})
    assert refused.status_code == 401  # errors are readable by the page too
    assert refused.headers["access-control-allow-origin"] == BOOKING_ORIGIN


def test_a_hospitals_own_cors_origins_are_granted_until_removed(stack: Stack) -> None:
    hospital = stack.register_hospital(booking_url=BOOKING)
    own = "https://q.pathumthani-hospital.go.th"
    assert _preflight(stack, own).status_code == 403

    def set_origins(origins: list[str]) -> None:
        with stack.database.transaction() as session:
            update_access(
                session,
                hospital.hospital_id,
                auth=None,
                allowed_networks=None,
                cors_origins=origins,
                actor="test",
                now=stack.clock.now(),
            )

    set_origins([own])
    assert _preflight(stack, own).status_code == 204
    set_origins(["none"])
    assert _preflight(stack, own).status_code == 403


def test_requests_without_origin_and_other_paths_are_untouched(stack: Stack) -> None:
    plain = stack.api.options("/api/queue")
    assert plain.status_code == 405
    webhook = _preflight(stack, BOOKING_ORIGIN, "/line/webhook")
    assert "access-control-allow-origin" not in webhook.headers


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("http://pth.ddns.net/queue/que_register.php?regist={regist}", "http://pth.ddns.net"),
        ("HTTPS://PTH.ddns.net:443/x", "https://pth.ddns.net"),
        ("http://pth.ddns.net:80/x", "http://pth.ddns.net"),
        ("http://127.0.0.1:8080/booking", "http://127.0.0.1:8080"),
        ("http://[::1]:8080/", "http://[::1]:8080"),
        ("ftp://pth.ddns.net/", None),
        ("pth.ddns.net/queue", None),
        ("http://:80/", None),
        ("http://x:99999/", None),
    ],
)
def test_origin_of_a_url(url: str, origin: str | None) -> None:
    assert origin_of(url) == origin
