"""The phone view's server side: the page and its assets, and the chat feed it polls."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from line_emulator import (
    BackgroundServer,
    EmulatorConfig,
    EmulatorServer,
    create_emulator_app,
)
from tests.line_emulator.conftest import Running, text


def chat(emulator: Running, user: str, **query: Any) -> dict[str, Any]:
    response = emulator.http.get(f"/control/users/{user}/chat", params=query)
    assert response.status_code == 200, response.text
    feed: dict[str, Any] = response.json()
    return feed


def test_the_page_is_served_with_a_strict_policy(emulator: Running) -> None:
    page = emulator.http.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    # Relative URLs only: the page also works mounted below /line-emulator.
    assert 'src="phone/app.js"' in page.text and 'href="/' not in page.text


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("app.js", "text/javascript; charset=utf-8"),
        ("flex.js", "text/javascript; charset=utf-8"),
        ("phone.css", "text/css; charset=utf-8"),
        ("icon.svg", "image/svg+xml"),
    ],
)
def test_assets_are_served_and_revalidated(emulator: Running, name: str, media_type: str) -> None:
    asset = emulator.http.get(f"/phone/{name}")
    assert (asset.status_code, asset.headers["content-type"]) == (200, media_type)
    again = emulator.http.get(f"/phone/{name}", headers={"If-None-Match": asset.headers["etag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("name", ["index.html", "..%2Fphone.py", "nothing.js"])
def test_other_asset_names_are_404(emulator: Running, name: str) -> None:
    assert emulator.http.get(f"/phone/{name}").status_code == 404


def test_channels_name_their_bots(emulator: Running) -> None:
    assert emulator.http.get("/control/channels").json() == {
        "channels": [
            {"name": "production", "botDisplayName": "MOPH Connect"},
            {"name": "test", "botDisplayName": "[TEST] MOPH Connect"},
        ]
    }


def test_the_chat_interleaves_both_sides_in_order(emulator: Running) -> None:
    user = emulator.follow()
    emulator.push(user, [text("สวัสดีค่ะ")])
    emulator.http.post(f"/control/users/{user}/text", json={"text": "จองคิว"})
    emulator.http.post(
        f"/control/users/{user}/location",
        json={"latitude": 14.0208, "longitude": 100.525, "title": "ปทุมธานี"},
    )
    emulator.http.post(f"/control/users/{user}/postback", json={"data": "a=1"})  # no bubble
    emulator.http.post(
        f"/control/users/{user}/postback", json={"data": "a=2", "displayText": "เลือกแล้ว"}
    )
    emulator.push(user, [text("หนึ่ง"), text("สอง")])

    feed = chat(emulator, user)
    assert [(e["seq"], e["from"]) for e in feed["entries"]] == [
        (1, "bot"),
        (2, "user"),
        (3, "user"),
        (4, "user"),
        (5, "bot"),
        (6, "bot"),
    ]
    assert [e["message"].get("text") for e in feed["entries"]] == [
        "สวัสดีค่ะ",
        "จองคิว",
        None,
        "เลือกแล้ว",
        "หนึ่ง",
        "สอง",
    ]
    assert feed["entries"][2]["message"] == {
        "type": "location",
        "title": "ปทุมธานี",
        "latitude": 14.0208,
        "longitude": 100.525,
    }
    assert feed["seq"] == 6 and feed["following"] is True and feed["richMenuId"] is None
    assert [e["seq"] for e in chat(emulator, user, after=4)["entries"]] == [5, 6]


def test_a_long_poll_returns_as_soon_as_a_message_arrives(emulator: Running) -> None:
    user = emulator.follow()
    generation = chat(emulator, user)["generation"]
    result: dict[str, Any] = {}

    def poll() -> None:
        started = time.monotonic()
        result["feed"] = chat(emulator, user, after=0, generation=generation, wait=10)
        result["seconds"] = time.monotonic() - started

    waiter = threading.Thread(target=poll)
    waiter.start()
    time.sleep(0.3)
    emulator.push(user, [text("ถึงคิวแล้วค่ะ")])
    waiter.join(timeout=10)
    assert 0.2 < result["seconds"] < 5
    assert [e["message"]["text"] for e in result["feed"]["entries"]] == ["ถึงคิวแล้วค่ะ"]


def test_a_long_poll_with_nothing_new_times_out_empty(emulator: Running) -> None:
    user = emulator.follow()
    started = time.monotonic()
    feed = chat(emulator, user, after=0, generation=chat(emulator, user)["generation"], wait=0.3)
    assert time.monotonic() - started >= 0.3
    assert feed["entries"] == []


def test_after_a_reset_an_old_generation_gets_the_chat_from_the_start(emulator: Running) -> None:
    user = emulator.follow()
    emulator.push(user, [text("ก่อน")])
    old = chat(emulator, user)
    emulator.http.post("/control/reset")
    emulator.push(user, [text("หลัง")])
    feed = chat(emulator, user, after=old["seq"], generation=old["generation"])
    assert feed["generation"] != old["generation"]
    assert [e["message"]["text"] for e in feed["entries"]] == ["หลัง"]


@pytest.mark.parametrize("query", [{"wait": "31"}, {"wait": "x"}, {"after": "-1"}])
def test_bad_feed_queries_are_400(emulator: Running, query: dict[str, str]) -> None:
    user = emulator.follow()
    response = emulator.http.get(f"/control/users/{user}/chat", params=query)
    assert response.status_code == 400
    assert emulator.http.get("/control/users/U0/chat").status_code == 404


def test_mounted_below_a_path_the_page_and_image_urls_keep_it() -> None:
    emulator = create_emulator_app(EmulatorConfig.default(None))
    parent = Starlette(routes=[Mount("/line-emulator", app=emulator)])
    with BackgroundServer(parent) as server:
        base = f"{server.base_url}/line-emulator"
        page = httpx.get(f"{base}/")
        assert page.status_code == 200 and "phone/app.js" in page.text
        assert httpx.get(f"{base}/phone/app.js").status_code == 200
        user = emulator.state.emulator.state.create_user("production", "ก", "th")
        store = emulator.state.emulator.rich_menus
        menu = store.create(
            "production",
            {
                "size": {"width": 800, "height": 270},
                "selected": False,
                "name": "m",
                "chatBarText": "เมนู",
                "areas": [],
            },
        )
        assert menu is not None
        store.set_default("production", menu)
        seen = httpx.get(f"{base}/control/users/{user.user_id}/richmenu").json()
        assert seen["imageUrl"] == f"{base}/control/richmenus/{menu.rich_menu_id}/content"


def _stop_during_a_long_poll() -> list[int | str]:
    """Stop a server while a long poll waits on it: the poll's status, or "not connected"
    when it had not reached the server before the stop (a busy machine)."""
    server = EmulatorServer(EmulatorConfig.default(None)).start()
    base = server.base_url
    user = httpx.post(f"{base}/control/channels/production/users", json={"displayName": "ก"})
    user_id = user.json()["userId"]
    generation = httpx.get(f"{base}/control/users/{user_id}/chat").json()["generation"]
    statuses: list[int | str] = []

    def poll() -> None:
        query = {"after": 0, "generation": generation, "wait": 25}
        try:
            response = httpx.get(f"{base}/control/users/{user_id}/chat", params=query, timeout=30)
        except httpx.ConnectError:
            statuses.append("not connected")
            return
        statuses.append(response.status_code)

    waiter = threading.Thread(target=poll)
    waiter.start()
    time.sleep(0.3)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 2
    waiter.join(timeout=5)
    return statuses


def test_stopping_the_server_ends_open_long_polls_at_once() -> None:
    # An open phone page must not hold up a shutdown (uvicorn waits for open requests).
    # A poll that never connected proves nothing either way: then the stop is tried again.
    for _ in range(5):
        statuses = _stop_during_a_long_poll()
        if statuses != ["not connected"]:
            break
    assert statuses == [200]
