"""The greeting, help, typed commands, and everything odd a patient (or LINE) may send:
stickers, pictures, files, emoji, very long text, unknown and forged postback data."""

from __future__ import annotations

from typing import Any

import pytest

from moph_connect.messages import NOTICE_VERSION
from tests.chatbot.support import (
    accept_privacy,
    answer_to,
    block,
    event,
    new_user,
    postbacks,
    say,
    signed_post,
    tap,
    texts,
    unblock,
)
from tests.support.stack import Stack

MENU = ["จองคิวโรงพยาบาล", "นัดหมายของฉัน", "โรงพยาบาลใกล้ฉัน", "ช่วยเหลือ"]


def quick_labels(message: dict[str, Any]) -> list[str]:
    return [item["action"]["label"] for item in message.get("quickReply", {}).get("items", [])]


def test_greeting_is_the_privacy_notice_then_a_welcome_back(stack: Stack) -> None:
    user, [greeting] = new_user(stack)
    shown = texts(greeting)
    for fact in ("ข้อมูลที่เก็บ", "เพื่อ", "เก็บนานเท่าใด", "ใครเห็นข้อมูล", NOTICE_VERSION):
        assert fact in shown
    assert postbacks(greeting) == [f"action=consent&version={NOTICE_VERSION}", "action=privacy"]

    [details] = tap(stack, user, "action=privacy")  # "read more"
    assert "มาตรา 26" in details["text"]
    assert quick_labels(details) == ["ยอมรับ", "ลบข้อมูลของฉัน"]

    [thanks] = accept_privacy(stack, user)
    assert quick_labels(thanks) == MENU
    [details] = tap(stack, user, "action=privacy")
    assert quick_labels(details) == ["ลบข้อมูลของฉัน"]  # accepted: nothing to accept

    block(stack, user)
    [welcome] = unblock(stack, user)
    assert "ยินดีต้อนรับ" in texts(welcome)
    assert postbacks(welcome) == ["action=book"]


@pytest.mark.parametrize("typed", ["ช่วยเหลือ", "เมนู", " Help! ", "สวัสดีค่ะ", "hello"])
def test_help_typed_or_tapped(stack: Stack, typed: str) -> None:
    user, _ = new_user(stack)
    [typed_help] = say(stack, user, typed)
    [tapped_help] = tap(stack, user, "action=help")
    for message in (typed_help, tapped_help):
        assert "action=privacy" in postbacks(message)
        assert "action=erase" in postbacks(message)
        assert quick_labels(message) == MENU


def test_typed_commands(stack: Stack) -> None:
    user, _ = new_user(stack)
    [appointments] = say(stack, user, "นัดหมายของฉัน")
    assert "ยังไม่มีนัดหมาย" in appointments["text"]
    [book] = say(stack, user, "จองคิว")
    assert "พิมพ์ชื่อโรงพยาบาล" in book["text"]
    [privacy] = say(stack, user, "ความเป็นส่วนตัว")
    assert f"action=consent&version={NOTICE_VERSION}" in postbacks(privacy)
    [accept_typed] = say(stack, user, "ยอมรับ")  # typing is not consent: the notice again
    assert f"action=consent&version={NOTICE_VERSION}" in postbacks(accept_typed)
    [skip_alone] = say(stack, user, "ข้าม")
    assert quick_labels(skip_alone) == MENU


ODD_MESSAGES: dict[str, dict[str, Any]] = {
    "sticker": {"type": "sticker", "packageId": "446", "stickerId": "1988"},
    "image": {"type": "image", "contentProvider": {"type": "line"}},
    "video": {"type": "video", "duration": 6000, "contentProvider": {"type": "line"}},
    "audio": {"type": "audio", "duration": 6000, "contentProvider": {"type": "line"}},
    "file": {"type": "file", "fileName": "ใบนัด.pdf", "fileSize": 1024},
    "unknown-type": {"type": "hologram"},
    "no-type": {},
}


def test_what_we_cannot_read_gets_the_menu(stack: Stack) -> None:
    user, _ = new_user(stack)
    for kind, message in ODD_MESSAGES.items():
        now_ms = int(stack.clock.now().timestamp() * 1000)
        # A reply token the emulator never issued: the answer goes by push instead.
        body = event("message", user, timestamp_ms=now_ms, message={"id": "1", **message})
        assert signed_post(stack, "production", [body]) == 200
        [answer] = answer_to(stack, user, "production", body["webhookEventId"])
        assert answer["type"] == "text" and "ไม่เข้าใจ" in answer["text"], kind
        assert quick_labels(answer) == MENU


ODD_TEXTS = [
    "😀" * 50,
    "🇹🇭👨‍👩‍👧‍👦",
    "...!!!",
    "ก" * 5000,
    "x" * 5000,
    "  \u200b  \t",
    "\x00\x1b[31m",
]


def test_emoji_punctuation_and_very_long_text(stack: Stack) -> None:
    user, _ = new_user(stack)
    for text in ODD_TEXTS:
        [answer] = say(stack, user, text)
        assert answer["type"] == "text"
        assert len(answer["text"]) < 1000  # what she typed is never echoed in full
        assert quick_labels(answer)


FORGED = [
    "action=nope",
    "action=pick",
    "action=book&x=1",
    "action=survey&token=forged&score=5",
    "action=survey&token=t&score=9",
    "action=recommend&token=t&score=11",
    "action=skip&token=forged",
    "action=erase_confirm&nonce=guess",
    "action=consent&version=" + "9" * 40,
    "%00",
    "ก",
    "a" * 300,
]


def test_unknown_or_forged_postback_data(stack: Stack) -> None:
    user, _ = new_user(stack)
    for data in FORGED:
        answers = tap(stack, user, data)
        assert len(answers) == 1, data
        assert "regist=" not in texts(answers)
