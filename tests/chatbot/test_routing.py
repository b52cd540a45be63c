"""The router's rules as a table: (event, the survey comment awaited) → the step that
answers. Pure: no database, no HTTP (the end-to-end tests beside this file run them on
the stack)."""

from __future__ import annotations

from typing import Any

import pytest

from moph_connect.chatbot.events import Incoming, parse_event
from moph_connect.chatbot.routing import Route, decide

TOKEN = "s-token_1"


def _text(text: str) -> Incoming:
    return parse_event(
        {"type": "message", "source": {"type": "user", "userId": "U1"},
         "message": {"type": "text", "text": text}}
    )  # fmt: skip


def _message(message: dict[str, Any]) -> Incoming:
    return parse_event({"type": "message", "source": {"type": "user", "userId": "U1"},
                        "message": message})  # fmt: skip


def _tap(data: str) -> Incoming:
    return parse_event({"type": "postback", "source": {"type": "user", "userId": "U1"},
                        "postback": {"data": data}})  # fmt: skip


LOCATION = {"type": "location", "latitude": 14.02, "longitude": 100.53}

CASES: list[tuple[str, Incoming, str | None, Route]] = [
    # Typed commands, Thai and English, whatever the case, spaces and punctuation.
    ("book th", _text("จองคิว"), None, Route("book")),
    ("book en", _text("Book a queue!"), None, Route("book")),
    ("appointments", _text("นัดหมายของฉัน"), None, Route("appointments")),
    ("nearby", _text("โรงพยาบาลใกล้ฉัน"), None, Route("ask_location")),
    ("help", _text("  HELP "), None, Route("help")),
    ("greeting is help", _text("สวัสดีค่ะ"), None, Route("help")),
    ("privacy", _text("privacy"), None, Route("privacy_notice")),
    ("erase", _text("ลบข้อมูล"), None, Route("erase_ask")),
    ("erase en", _text("Delete my data"), None, Route("erase_ask")),
    ("skip with nothing to skip", _text("skip"), None, Route("not_understood")),
    # Anything else typed is a search; a command inside a longer text too.
    ("a name", _text("ปทุมธานี"), None, Route("search", text="ปทุมธานี")),
    ("erase in a name", _text("ลบข้อมูลโรงพยาบาล"), None,
     Route("search", text="ลบข้อมูลโรงพยาบาล")),
    # While a survey comment is awaited, typed text is the comment...
    ("comment", _text("ดีมากค่ะ"), TOKEN, Route("survey_comment", token=TOKEN, text="ดีมากค่ะ")),
    ("a command is a comment", _text("help"), TOKEN,
     Route("survey_comment", token=TOKEN, text="help")),
    ("skip skips", _text("ไม่มี"), TOKEN, Route("survey_skip", token=TOKEN)),
    # ...except "delete my data", which is never taken as a comment.
    ("erase beats the comment", _text("ลบข้อมูล"), TOKEN, Route("erase_ask")),
    # A shared location: the nearest hospitals, comment awaited or not.
    ("location", _message(LOCATION), None, Route("nearby", latitude=14.02, longitude=100.53)),
    ("location while commenting", _message(LOCATION), TOKEN,
     Route("nearby", latitude=14.02, longitude=100.53)),
    ("location out of range", _message({**LOCATION, "latitude": 91}), None,
     Route("not_understood")),
    # Stickers, pictures, files.
    ("sticker", _message({"type": "sticker"}), None, Route("not_understood")),
    ("picture", _message({"type": "image"}), None, Route("not_understood")),
    ("sticker while commenting", _message({"type": "sticker"}), TOKEN,
     Route("survey_comment_not_text", token=TOKEN)),
    # Tapped buttons.
    ("tap book", _tap("action=book"), None, Route("book")),
    ("tap pick", _tap("action=pick&hospital=h-1"), None, Route("pick", token="h-1")),
    ("tap appointments", _tap("action=appointments"), None, Route("appointments")),
    ("tap nearby", _tap("action=nearby"), None, Route("ask_location")),
    ("tap help", _tap("action=help"), None, Route("help")),
    ("tap privacy", _tap("action=privacy"), None, Route("privacy_details")),
    ("tap consent", _tap("action=consent&version=2026-12"), None,
     Route("consent", token="2026-12")),
    ("tap erase", _tap("action=erase"), None, Route("erase_ask")),
    ("tap erase yes", _tap("action=erase_confirm&nonce=n0nce"), None,
     Route("erase_confirm", token="n0nce")),
    ("tap erase no", _tap("action=erase_cancel"), None, Route("erase_cancel")),
    ("tap score", _tap(f"action=survey&token={TOKEN}&score=4"), None,
     Route("survey_score", token=TOKEN, score=4)),
    ("tap skip", _tap(f"action=skip&token={TOKEN}"), None, Route("survey_skip", token=TOKEN)),
    ("tap recommend", _tap(f"action=recommend&token={TOKEN}&score=0"), None,
     Route("survey_recommend", token=TOKEN, score=0)),
    # A tap while a comment is awaited answers the tap, not the comment.
    ("tap while commenting", _tap("action=help"), TOKEN, Route("help")),
    # Forged or unknown data.
    ("score out of range", _tap(f"action=survey&token={TOKEN}&score=6"), None,
     Route("not_understood")),
    ("unknown action", _tap("action=shutdown"), None, Route("not_understood")),
    ("extra field", _tap("action=book&x=1"), None, Route("not_understood")),
    ("no data", parse_event({"type": "postback", "source": {"type": "user", "userId": "U1"}}),
     None, Route("not_understood")),
    # Not a message or a tap: nothing to say.
    ("read receipt", parse_event({"type": "read"}), None, Route("nothing")),
    ("unsend", parse_event({"type": "unsend"}), TOKEN, Route("nothing")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("incoming", "awaiting", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_decide(incoming: Incoming, awaiting: str | None, expected: Route) -> None:
    assert decide(incoming, awaiting) == expected
