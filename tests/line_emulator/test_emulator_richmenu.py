"""The rich-menu endpoints as LINE answers them, and the control API's view of them."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from line_contract.spec import validate
from line_emulator.images import image_info
from tests.line_emulator.conftest import PRODUCTION_TOKEN, TEST_TOKEN, Running, StartEmulator
from tests.line_emulator.images import jpeg_header, png

AUTH = {"Authorization": f"Bearer {PRODUCTION_TOKEN}"}


def menu_object(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "size": {"width": 2500, "height": 843},
        "selected": True,
        "name": "MOPH Connect main menu",
        "chatBarText": "เมนู",
        "areas": [
            {
                "bounds": {"x": 0, "y": 0, "width": 1250, "height": 843},
                "action": {"type": "postback", "label": "จองคิว", "data": "action=book"},
            },
            {
                "bounds": {"x": 1250, "y": 0, "width": 1250, "height": 843},
                "action": {"type": "uri", "label": "เว็บไซต์", "uri": "https://moph.go.th/"},
            },
        ],
    }
    body.update(changes)
    return body


def create(emulator: Running, body: dict[str, Any] | None = None, **headers: str) -> str:
    response = emulator.http.post("/v2/bot/richmenu", json=body or menu_object(), headers=AUTH)
    assert response.status_code == 200, response.text
    rich_menu_id: str = response.json()["richMenuId"]
    return rich_menu_id


def upload(
    emulator: Running, rich_menu_id: str, data: bytes, content_type: str = "image/png"
) -> httpx.Response:
    return emulator.http.post(
        f"/v2/bot/richmenu/{rich_menu_id}/content",
        content=data,
        headers=AUTH | {"Content-Type": content_type},
    )


def ready_menu(emulator: Running, **changes: Any) -> str:
    """A menu with its image, ready to be linked."""
    rich_menu_id = create(emulator, menu_object(**changes))
    size = menu_object(**changes)["size"]
    assert upload(emulator, rich_menu_id, png(size["width"], size["height"])).status_code == 200
    return rich_menu_id


def details(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 400, response.text
    found: list[dict[str, str]] = response.json()["details"]
    return found


def test_a_menu_is_created_read_listed_and_deleted(emulator: Running) -> None:
    rich_menu_id = create(emulator)
    assert re.fullmatch(r"richmenu-[0-9a-f]{32}", rich_menu_id)

    got = emulator.http.get(f"/v2/bot/richmenu/{rich_menu_id}", headers=AUTH)
    assert got.status_code == 200
    assert validate("messaging-api", "RichMenuResponse", got.json()) == []
    assert got.json() == {"richMenuId": rich_menu_id, **menu_object()}
    listed = emulator.http.get("/v2/bot/richmenu/list", headers=AUTH).json()
    assert rich_menu_id in [menu["richMenuId"] for menu in listed["richmenus"]]
    assert validate("messaging-api", "RichMenuListResponse", listed) == []

    assert emulator.http.delete(f"/v2/bot/richmenu/{rich_menu_id}", headers=AUTH).json() == {}
    gone = emulator.http.get(f"/v2/bot/richmenu/{rich_menu_id}", headers=AUTH)
    assert (gone.status_code, gone.json()) == (404, {"message": "Not found"})
    again = emulator.http.delete(f"/v2/bot/richmenu/{rich_menu_id}", headers=AUTH)
    assert again.status_code == 404


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"name": None}, {"message": "must be specified", "property": "name"}),
        ({"size": {"width": 700, "height": 250}}, {"property": "size.width"}),
        ({"size": {"width": 2500, "height": 200}}, {"property": "size.height"}),
        ({"size": {"width": 1000, "height": 800}}, {"property": "size"}),  # ratio < 1.45
        ({"size": {"width": 2500}}, {"message": "must be specified", "property": "size.height"}),
        ({"chatBarText": "x" * 15}, {"property": "chatBarText"}),
        ({"areas": [menu_object()["areas"][0]] * 21}, {"property": "areas"}),
        (
            {"areas": [{"bounds": {"x": 0, "y": 0, "width": 9, "height": 9}}]},
            {"message": "must be specified", "property": "areas[0].action"},
        ),
        (
            {"areas": [{"bounds": {"x": 0, "y": 0}, "action": {"type": "message", "text": "a"}}]},
            {"message": "must be specified", "property": "areas[0].bounds.width"},
        ),
        (
            {
                "areas": [
                    {"bounds": menu_object()["areas"][0]["bounds"], "action": {"type": "postback"}}
                ]
            },
            {"message": "must be specified", "property": "areas[0].action.data"},
        ),
        (
            {
                "areas": [
                    {
                        "bounds": menu_object()["areas"][0]["bounds"],
                        "action": {"type": "uri", "uri": "javascript:alert(1)"},
                    }
                ]
            },
            {"message": "invalid uri", "property": "areas[0].action.uri"},
        ),
    ],
)
def test_invalid_menus_are_refused_as_line_does(
    emulator: Running, changes: dict[str, Any], expected: dict[str, str]
) -> None:
    body = {k: v for k, v in menu_object(**changes).items() if v is not None}
    for path in ("/v2/bot/richmenu", "/v2/bot/richmenu/validate"):
        response = emulator.http.post(path, json=body, headers=AUTH)
        found = details(response)
        assert response.json()["message"] == f"The request body has {len(found)} error(s)"
        assert any(expected.items() <= detail.items() for detail in found), found


def test_validate_accepts_a_good_menu_without_creating_it(emulator: Running) -> None:
    before = emulator.http.get("/v2/bot/richmenu/list", headers=AUTH).json()["richmenus"]
    response = emulator.http.post("/v2/bot/richmenu/validate", json=menu_object(), headers=AUTH)
    assert (response.status_code, response.json()) == (200, {})
    assert emulator.http.get("/v2/bot/richmenu/list", headers=AUTH).json()["richmenus"] == before


def test_a_body_that_is_not_json_is_400(emulator: Running) -> None:
    response = emulator.http.post("/v2/bot/richmenu", content=b"{", headers=AUTH)
    assert response.status_code == 400
    assert "JSON" in response.json()["details"][0]["message"]


def test_the_image_must_match_the_menu_size(emulator: Running) -> None:
    rich_menu_id = create(emulator)
    wrong = upload(emulator, rich_menu_id, png(2500, 1686))
    assert (wrong.status_code, wrong.json()) == (
        400,
        {"message": "The image size is not allowed for richmenu"},
    )
    assert upload(emulator, rich_menu_id, png(2500, 843), "image/gif").status_code == 415
    assert upload(emulator, rich_menu_id, b"not an image").status_code == 400
    # A PNG announced as a JPEG is not read as one.
    assert upload(emulator, rich_menu_id, png(2500, 843), "image/jpeg").status_code == 400

    image = png(2500, 843)
    ok = upload(emulator, rich_menu_id, image)
    assert (ok.status_code, ok.json()) == (200, {})
    twice = upload(emulator, rich_menu_id, image)
    assert twice.json() == {"message": "An image has already been uploaded to the richmenu"}

    download = emulator.http.get(f"/v2/bot/richmenu/{rich_menu_id}/content", headers=AUTH)
    assert download.status_code == 200
    assert download.headers["content-type"] == "image/png"
    assert download.content == image


def test_jpeg_images_are_read_by_their_frame_header(emulator: Running) -> None:
    rich_menu_id = create(emulator, menu_object(size={"width": 1200, "height": 405}))
    assert upload(emulator, rich_menu_id, jpeg_header(1200, 810), "image/jpeg").status_code == 400
    assert upload(emulator, rich_menu_id, jpeg_header(1200, 405), "image/jpeg").status_code == 200
    download = emulator.http.get(f"/v2/bot/richmenu/{rich_menu_id}/content", headers=AUTH)
    assert download.headers["content-type"] == "image/jpeg"


def test_images_over_one_megabyte_are_refused(emulator: Running) -> None:
    rich_menu_id = create(emulator)
    big = png(2500, 843) + b"\x00" * (1024 * 1024)
    response = upload(emulator, rich_menu_id, big)
    assert response.status_code == 400
    assert "1048576 bytes" in response.json()["message"]


def test_download_without_an_image_or_menu_is_404(emulator: Running) -> None:
    rich_menu_id = create(emulator)
    for menu in (rich_menu_id, "richmenu-" + "0" * 32):
        response = emulator.http.get(f"/v2/bot/richmenu/{menu}/content", headers=AUTH)
        assert (response.status_code, response.json()) == (404, {"message": "Not found"})


def test_the_default_menu_needs_an_image_and_can_be_cancelled(emulator: Running) -> None:
    bare = create(emulator)
    refused = emulator.http.post(f"/v2/bot/user/all/richmenu/{bare}", headers=AUTH)
    assert (refused.status_code, refused.json()) == (
        400,
        {"message": "must upload richmenu image before applying it to user", "details": []},
    )
    unknown = emulator.http.post(f"/v2/bot/user/all/richmenu/richmenu-{'1' * 32}", headers=AUTH)
    assert unknown.status_code == 404

    rich_menu_id = ready_menu(emulator)
    assert (
        emulator.http.post(f"/v2/bot/user/all/richmenu/{rich_menu_id}", headers=AUTH).json() == {}
    )
    got = emulator.http.get("/v2/bot/user/all/richmenu", headers=AUTH)
    assert got.json() == {"richMenuId": rich_menu_id}

    assert emulator.http.delete("/v2/bot/user/all/richmenu", headers=AUTH).json() == {}
    none = emulator.http.get("/v2/bot/user/all/richmenu", headers=AUTH)
    assert (none.status_code, none.json()) == (
        404,
        {"message": "no default richmenu", "details": []},
    )


def test_per_user_links_replace_each_other_and_do_not_fall_back(emulator: Running) -> None:
    user = emulator.follow()
    default = ready_menu(emulator)
    emulator.http.post(f"/v2/bot/user/all/richmenu/{default}", headers=AUTH)
    # LINE's "get rich menu ID of user" names only a menu linked to the user.
    unlinked = emulator.http.get(f"/v2/bot/user/{user}/richmenu", headers=AUTH)
    assert (unlinked.status_code, unlinked.json()) == (
        404,
        {"message": "the user has no richmenu", "details": []},
    )

    first, second = ready_menu(emulator), ready_menu(emulator)
    for rich_menu_id in (first, second):
        linked = emulator.http.post(f"/v2/bot/user/{user}/richmenu/{rich_menu_id}", headers=AUTH)
        assert (linked.status_code, linked.json()) == (200, {})
    got = emulator.http.get(f"/v2/bot/user/{user}/richmenu", headers=AUTH)
    assert got.json() == {"richMenuId": second}

    assert emulator.http.delete(f"/v2/bot/user/{user}/richmenu", headers=AUTH).json() == {}
    assert emulator.http.get(f"/v2/bot/user/{user}/richmenu", headers=AUTH).status_code == 404


def test_linking_checks_the_user_id_and_the_menu(emulator: Running) -> None:
    user = emulator.follow()
    rich_menu_id = ready_menu(emulator)
    bare = create(emulator)
    cases = [
        (f"/v2/bot/user/not-a-user/richmenu/{rich_menu_id}", 400),
        (f"/v2/bot/user/{user}/richmenu/richmenu-{'2' * 32}", 404),
        (f"/v2/bot/user/{user}/richmenu/{bare}", 400),
    ]
    for path, status in cases:
        assert emulator.http.post(path, headers=AUTH).status_code == status, path
    invalid = emulator.http.get("/v2/bot/user/not-a-user/richmenu", headers=AUTH)
    assert invalid.json() == {"message": "The value for the 'userId' parameter is invalid"}


def test_linking_a_user_who_is_no_friend_answers_200_but_links_nothing(emulator: Running) -> None:
    user = emulator.follow()
    emulator.http.post(f"/control/users/{user}/unfollow")
    rich_menu_id = ready_menu(emulator)
    stranger = "U" + "3" * 32
    for target in (user, stranger):
        response = emulator.http.post(
            f"/v2/bot/user/{target}/richmenu/{rich_menu_id}", headers=AUTH
        )
        assert response.status_code == 200
        assert emulator.http.get(f"/v2/bot/user/{target}/richmenu", headers=AUTH).status_code == 404


def test_menus_belong_to_their_channel(emulator: Running) -> None:
    rich_menu_id = ready_menu(emulator)
    other = {"Authorization": f"Bearer {TEST_TOKEN}"}
    assert emulator.http.get(f"/v2/bot/richmenu/{rich_menu_id}", headers=other).status_code == 404
    listed = emulator.http.get("/v2/bot/richmenu/list", headers=other).json()["richmenus"]
    assert rich_menu_id not in [menu["richMenuId"] for menu in listed]


def test_deleting_a_menu_unlinks_it_everywhere(emulator: Running) -> None:
    user = emulator.follow()
    rich_menu_id = ready_menu(emulator)
    emulator.http.post(f"/v2/bot/user/all/richmenu/{rich_menu_id}", headers=AUTH)
    emulator.http.post(f"/v2/bot/user/{user}/richmenu/{rich_menu_id}", headers=AUTH)
    emulator.http.delete(f"/v2/bot/richmenu/{rich_menu_id}", headers=AUTH)
    assert emulator.http.get("/v2/bot/user/all/richmenu", headers=AUTH).status_code == 404
    assert emulator.http.get(f"/v2/bot/user/{user}/richmenu", headers=AUTH).status_code == 404
    assert emulator.http.get(f"/control/users/{user}/richmenu").status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v2/bot/richmenu"),
        ("GET", "/v2/bot/richmenu/list"),
        ("GET", "/v2/bot/richmenu/richmenu-x"),
        ("DELETE", "/v2/bot/richmenu/richmenu-x"),
        ("POST", "/v2/bot/richmenu/richmenu-x/content"),
        ("GET", "/v2/bot/richmenu/richmenu-x/content"),
        ("POST", "/v2/bot/user/all/richmenu/richmenu-x"),
        ("GET", "/v2/bot/user/all/richmenu"),
        ("DELETE", "/v2/bot/user/all/richmenu"),
        ("POST", "/v2/bot/user/U0/richmenu/richmenu-x"),
        ("GET", "/v2/bot/user/U0/richmenu"),
    ],
)
def test_every_endpoint_wants_the_channel_token(emulator: Running, method: str, path: str) -> None:
    response = emulator.http.request(method, path, headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.json()["message"].startswith("Authentication failed")
    assert response.headers["x-line-request-id"]


def test_the_control_api_shows_the_menu_a_user_sees(emulator: Running) -> None:
    user = emulator.follow()
    missing = emulator.http.get(f"/control/users/{user}/richmenu")
    assert missing.status_code == 404
    default = ready_menu(emulator)
    emulator.http.post(f"/v2/bot/user/all/richmenu/{default}", headers=AUTH)
    seen = emulator.http.get(f"/control/users/{user}/richmenu").json()
    assert (seen["source"], seen["richMenu"]["richMenuId"]) == ("default", default)

    linked = ready_menu(emulator, size={"width": 1200, "height": 810})
    emulator.http.post(f"/v2/bot/user/{user}/richmenu/{linked}", headers=AUTH)
    seen = emulator.http.get(f"/control/users/{user}/richmenu").json()
    assert (seen["source"], seen["richMenu"]["richMenuId"]) == ("user", linked)
    assert seen["imageUrl"] == f"{emulator.server.base_url}/control/richmenus/{linked}/content"
    image = httpx.get(seen["imageUrl"])
    assert image_info(image.content) == ("image/png", 1200, 810)


def test_reset_keeps_the_menus(start_emulator: StartEmulator) -> None:
    emulator = start_emulator()
    rich_menu_id = ready_menu(emulator)
    emulator.http.post(f"/v2/bot/user/all/richmenu/{rich_menu_id}", headers=AUTH)
    emulator.http.post("/control/reset")
    assert emulator.http.get("/v2/bot/user/all/richmenu", headers=AUTH).json() == {
        "richMenuId": rich_menu_id
    }
