"""English for patients whose LINE is in English: every answer, their appointment list,
and their rich menu; Thai for everyone else."""

from __future__ import annotations

import asyncio
from typing import Any

from line_contract.credentials import EMULATOR_CREDENTIALS
from moph_connect.line.api import LineApi
from moph_connect.richmenu.image import find_thai_font
from moph_connect.richmenu.setup import SetupResult, menu_images, setup_rich_menus
from tests.chatbot.support import (
    accept_privacy,
    add_hospital,
    line_user,
    new_user,
    postbacks,
    say,
    tap,
    texts,
)
from tests.support.stack import Stack


def set_up_menus(stack: Stack, english_users: list[str] | None = None) -> SetupResult:
    images = menu_images(find_thai_font())
    api = LineApi(
        stack.emulator_url, {"production": EMULATOR_CREDENTIALS["production"].access_token}
    )

    async def run() -> SetupResult:
        async with api:
            return await setup_rich_menus(
                api, "production", images, nearby_via="postback", english_users=english_users or []
            )

    return asyncio.run(run())


def menu_seen(stack: Stack, user: str) -> dict[str, Any]:
    response = stack.emulator.get(f"/control/users/{user}/richmenu")
    assert response.status_code == 200, response.text
    seen: dict[str, Any] = response.json()
    return seen


def test_an_english_speaker_gets_english(stack: Stack) -> None:
    pathum = add_hospital(stack, "โรงพยาบาลปทุมธานี", province="ปทุมธานี")
    user, [greeting] = new_user(stack, name="John", language="en")
    stored = line_user(stack, "production", user)
    assert stored is not None and stored.language == "en"
    assert "Welcome to MOPH Connect" in texts(greeting) or "welcome to MOPH Connect" in texts(
        greeting
    )
    assert "What we keep" in texts(greeting)

    [thanks] = accept_privacy(stack, user)
    assert thanks["text"].startswith("Thank you")
    labels = [item["action"]["label"] for item in thanks["quickReply"]["items"]]
    assert labels == ["Book a queue", "My appointments", "Hospitals near me", "Help"]
    [found] = say(stack, user, "Pathum Thani")
    assert f"action=pick&hospital={pathum}" in postbacks(found)
    assert "Book here" in texts(found)
    [link] = tap(stack, user, f"action=pick&hospital={pathum}")
    assert "Tap “Book”" in texts(link)
    [mine] = tap(stack, user, "action=appointments")
    assert "no upcoming appointments" in mine["text"]
    [nothing] = say(stack, user, "zzzz qqqq")
    assert nothing["text"].startswith("Sorry")


def test_thai_and_unknown_languages_get_thai(stack: Stack) -> None:
    for language in ("th", None, "ja", "zh-TW"):
        _, [greeting] = new_user(stack, language=language)
        assert "ยินดีต้อนรับ" in texts(greeting), language
    _, [greeting] = new_user(stack, language="en-US")
    assert "Welcome" in texts(greeting)


def test_english_speakers_get_the_english_rich_menu(stack: Stack) -> None:
    thai, _ = new_user(stack, language="th")
    early, _ = new_user(stack, language="en")  # followed before the menus existed
    result = set_up_menus(stack, english_users=[early])
    assert result.linked == 1
    english, _ = new_user(stack, language="en")

    assert menu_seen(stack, thai)["richMenu"]["richMenuId"] == result.menus["th"]
    assert menu_seen(stack, early)["richMenu"]["richMenuId"] == result.menus["en"]
    assert menu_seen(stack, english)["richMenu"]["richMenuId"] == result.menus["en"]
    areas = menu_seen(stack, english)["richMenu"]["areas"]
    assert [a["action"]["data"] for a in areas] == [
        "action=book",
        "action=appointments",
        "action=nearby",
        "action=help",
    ]

    # The menus replaced: a new English follower gets the new English menu.
    again = set_up_menus(stack, english_users=[early, english])
    assert sorted(again.deleted) == sorted(result.menus.values())
    later, _ = new_user(stack, language="en")
    assert menu_seen(stack, later)["richMenu"]["richMenuId"] == again.menus["en"]
    assert menu_seen(stack, early)["richMenu"]["richMenuId"] == again.menus["en"]

    # Tapping the menu's areas does what they say.
    [help_message] = tap(stack, later, "action=help")
    assert "Help & privacy" in texts(help_message)
