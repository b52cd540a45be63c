"""Unknown paths and methods under /console are console pages (404, 405) in the
operator's language; everywhere else they stay problem+json. Over real HTTP."""

from __future__ import annotations

import httpx

from moph_connect.api.edge import CONSOLE_CSP
from moph_connect.console.deps import LANG_COOKIE
from moph_connect.console.i18n import CATALOGUE
from tests.console.support import add, client, signed_in
from tests.support.stack import Stack

UNKNOWN = (
    "/console/xyz",
    "/console/overview/more",
    "/console/hospitals/h1/nothing",
    "/console/static/missing.css",
    "/console/",
)


def _is_page(answer: httpx.Response, status: int, title: str, lang: str = "th") -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert f'<html lang="{lang}">' in answer.text
    assert CATALOGUE[title][lang] in answer.text
    assert answer.headers["content-security-policy"] == CONSOLE_CSP
    assert answer.headers["cache-control"] == "no-store"


def test_an_unknown_console_path_is_the_consoles_404_page(console_stack: Stack) -> None:
    with client(console_stack) as http:
        for path in UNKNOWN:
            _is_page(http.get(path), 404, "not_found.title")
        http.cookies.set(LANG_COOKIE, "en", path="/console")
        _is_page(http.get("/console/xyz"), 404, "not_found.title", "en")
    # Signed in, the same: a page, not a redirect and not JSON.
    with signed_in(console_stack, add(console_stack)) as http:
        _is_page(http.get("/console/no-such-page"), 404, "not_found.title")


def test_a_method_a_console_page_does_not_take_is_a_405_page(console_stack: Stack) -> None:
    with client(console_stack) as http:
        overview = http.post("/console/overview", data={"a": "b"})
        _is_page(overview, 405, "method_not_allowed.title")
        assert overview.headers["allow"] == "GET"
        login = http.put("/console/login")
        _is_page(login, 405, "method_not_allowed.title")
        assert set(login.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}
        http.cookies.set(LANG_COOKIE, "en", path="/console")
        _is_page(http.delete("/console/logout"), 405, "method_not_allowed.title", "en")


def test_other_paths_keep_their_problem_json(console_stack: Stack) -> None:
    with client(console_stack) as http:
        for path in ("/api/nothing", "/consolexyz", "/nothing"):
            answer = http.get(path)
            assert answer.status_code == 404
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.json()["status"] == 404
        method = http.get("/api/queue")
        assert method.status_code == 405
        assert method.headers["content-type"] == "application/problem+json"
        assert "POST" in method.headers["allow"]
