"""The emulator's request validator: LINE's schema in LINE's words, then the limits
LINE documents outside its schema (the two validators agree: test_spec_equivalence.py)."""

from __future__ import annotations

from typing import Any

import pytest

from line_contract.spec import validate
from line_emulator.validation import RequestValidator, to_details

USER = "U" + "a" * 32


def card(title: str, layout: str = "vertical") -> dict[str, Any]:
    return {
        "type": "flex",
        "altText": title,
        "contents": {
            "type": "bubble",
            "body": {
                "type": "box",
                "layout": layout,
                "contents": [
                    {"type": "text", "text": title, "size": "xl", "weight": "bold"},
                    {"type": "separator", "margin": "md"},
                    {"type": "text", "text": "รายละเอียด", "wrap": True, "flex": 1},
                ],
            },
            "footer": {
                "type": "box",
                "layout": "horizontal",
                "contents": [
                    {
                        "type": "button",
                        "style": "primary",
                        "action": {"type": "postback", "label": "ยืนยัน", "data": "a=1"},
                    }
                ],
            },
        },
    }


def bodies() -> list[tuple[str, dict[str, Any]]]:
    messages = [
        [{"type": "text", "text": "คิวของคุณคือ A12"}],
        [card("โรงพยาบาลปทุมธานี")],
        [
            {"type": "text", "text": "x", "sender": {"name": "คลินิก"}, "quickReply": {"items": []}},
            {"type": "sticker", "packageId": "446", "stickerId": "1988"},
            {"type": "location", "title": "t", "address": "a", "latitude": 1, "longitude": 2},
        ],
    ]
    found: list[tuple[str, dict[str, Any]]] = []
    for batch in messages:
        found.append(("PushMessageRequest", {"to": USER, "messages": batch}))
        found.append(("ReplyMessageRequest", {"replyToken": "abc", "messages": batch}))
        found.append(("MulticastRequest", {"to": [USER], "messages": batch}))
    return found


@pytest.mark.parametrize(("schema", "body"), bodies())
def test_valid_bodies_have_no_details(schema: str, body: dict[str, Any]) -> None:
    assert RequestValidator().check(schema, body) == []


def test_invalid_bodies_are_described_as_line_describes_them() -> None:
    validator = RequestValidator()
    body = {"to": USER, "messages": [card("คิว")]}
    del body["messages"][0]["contents"]["body"]["layout"]
    body["messages"][0]["contents"]["footer"]["contents"][0]["action"]["type"] = "fly"
    details = validator.check("PushMessageRequest", body)
    assert details == to_details(validate("messaging-api", "PushMessageRequest", body))
    assert [(d.property, d.message) for d in details] == [
        ("messages[0].contents.body.layout", "must be specified"),
        (
            "messages[0].contents.footer.contents[0].action.type",
            "'fly' is not a known type; expected one of "
            "['camera', 'cameraRoll', 'clipboard', 'datetimepicker', 'location', 'message', "
            "'postback', 'richmenuswitch', 'uri']",
        ),
    ]


def test_every_body_is_validated_again() -> None:
    # No verdict is remembered: a body that passed once and is then broken fails.
    validator = RequestValidator()
    body = {"to": USER, "messages": [card("คิว")]}
    assert validator.check("PushMessageRequest", body) == []
    body["messages"][0]["contents"]["body"]["layout"] = "diagonal"
    assert validator.check("PushMessageRequest", body) != []


def test_text_and_alt_text_lengths_follow_line_documentation() -> None:
    validator = RequestValidator()
    ok = {"to": USER, "messages": [{"type": "text", "text": "ก" * 5000}, card("a" * 1500)]}
    assert validator.check("PushMessageRequest", ok) == []
    too_long = {"to": USER, "messages": [{"type": "text", "text": "ก" * 5001}]}
    (detail,) = validator.check("PushMessageRequest", too_long)
    assert (detail.property, detail.message) == (
        "messages[0].text",
        "Length must be between 0 and 5000",
    )
