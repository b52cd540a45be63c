"""The checks themselves must be able to fail: broken messages are caught."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from line_contract.spec import validate
from moph_connect.messages import assert_within_limits, check_limits, queue_card

from .support import SEED, sendable_violations


def _bubble(
    *contents: dict[str, Any], footer: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    bubble: dict[str, Any] = {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical", "contents": list(contents)},
    }
    if footer is not None:
        bubble["footer"] = {"type": "box", "layout": "vertical", "contents": footer}
    return bubble


def _flex(contents: dict[str, Any], alt: str = "alt") -> dict[str, Any]:
    return {"type": "flex", "altText": alt, "contents": contents}


def _text(value: str = "x") -> dict[str, Any]:
    return {"type": "text", "text": value}


def _button(action: dict[str, Any]) -> dict[str, Any]:
    return {"type": "button", "action": action}


def _uri(uri: str = "https://a.th/", label: str = "ok") -> dict[str, Any]:
    return {"type": "uri", "label": label, "uri": uri}


def _postback(data: str = "d", label: str = "ok", **extra: str) -> dict[str, Any]:
    return {"type": "postback", "label": label, "data": data, **extra}


def _quick(n: int, label: str = "ok") -> dict[str, Any]:
    items = [{"type": "action", "action": _postback(label=label)} for _ in range(n)]
    return {"type": "text", "text": "x", "quickReply": {"items": items}}


FINE: list[tuple[str, dict[str, Any]]] = [
    ("text", {"type": "text", "text": "ก" * 5000}),
    ("alt-1500", _flex(_bubble(_text()), alt="ก" * 1500)),
    ("label-20", _flex(_bubble(footer=[_button(_uri(label="ก" * 20))]))),
    ("data-300", _flex(_bubble(footer=[_button(_postback(data="d" * 300))]))),
    ("uri-1000", _flex(_bubble(footer=[_button(_uri("https://a.th/" + "a" * 987))]))),
    ("tel", _flex(_bubble(footer=[_button(_uri("tel:1669"))]))),
    ("quick-13", _quick(13)),
    ("carousel-12", _flex({"type": "carousel", "contents": [_bubble(_text())] * 12})),
    ("color-alpha", _flex(_bubble({"type": "text", "text": "x", "color": "#00796B80"}))),
    ("spans", _flex(_bubble({"type": "text", "contents": [{"type": "span", "text": "x"}]}))),
]

BROKEN: list[tuple[str, dict[str, Any], str]] = [
    ("text-5001", {"type": "text", "text": "ก" * 5001}, "text"),
    ("text-emoji", {"type": "text", "text": "😷" * 2501}, "text"),  # 5002 UTF-16 units
    ("text-empty", {"type": "text", "text": ""}, "text"),
    ("alt-1501", _flex(_bubble(_text()), alt="ก" * 1501), "altText"),
    ("alt-empty", _flex(_bubble(_text()), alt=""), "altText"),
    (
        "label-21",
        _flex(_bubble(footer=[_button(_uri(label="ก" * 21))])),
        "contents.footer.contents[0].action.label",
    ),
    (
        "label-missing",
        _flex(_bubble(footer=[_button({"type": "uri", "uri": "https://a.th/"})])),
        "contents.footer.contents[0].action.label",
    ),
    (
        "data-301",
        _flex(_bubble(footer=[_button(_postback(data="d" * 301))])),
        "contents.footer.contents[0].action.data",
    ),
    (
        "display-301",
        _flex(_bubble(footer=[_button(_postback(displayText="ก" * 301))])),
        "contents.footer.contents[0].action.displayText",
    ),
    (
        "uri-1001",
        _flex(_bubble(footer=[_button(_uri("https://a.th/" + "a" * 988))])),
        "contents.footer.contents[0].action.uri",
    ),
    (
        "uri-scheme",
        _flex(_bubble(footer=[_button(_uri("javascript:alert(1)"))])),
        "contents.footer.contents[0].action.uri",
    ),
    (
        "uri-thai",
        _flex(_bubble(footer=[_button(_uri("https://a.th/คิว"))])),
        "contents.footer.contents[0].action.uri",
    ),
    ("quick-14", _quick(14), "quickReply.items"),
    ("quick-label", _quick(1, label="ก" * 21), "quickReply.items[0].action.label"),
    (
        "carousel-13",
        _flex({"type": "carousel", "contents": [_bubble(_text())] * 13}),
        "contents.contents",
    ),
    ("bubble-30k", _flex(_bubble(*[_text("ก" * 100)] * 60)), "contents"),
    (
        "carousel-50k",
        _flex({"type": "carousel", "contents": [_bubble(*[_text("ก" * 100)] * 9)] * 12}),
        "contents",
    ),
    ("flex-text-empty", _flex(_bubble(_text(""))), "contents.body.contents[0].text"),
    ("flex-text-blank", _flex(_bubble(_text("  "))), "contents.body.contents[0].text"),
    (
        "color",
        _flex(_bubble({"type": "text", "text": "x", "color": "teal"})),
        "contents.body.contents[0].color",
    ),
]


@pytest.mark.parametrize(("name", "message"), FINE, ids=[c[0] for c in FINE])
def test_within_limits(name: str, message: dict[str, Any]) -> None:
    assert check_limits(message) == [], name
    assert_within_limits(message)


@pytest.mark.parametrize(("name", "message", "where"), BROKEN, ids=[c[0] for c in BROKEN])
def test_broken_limits_are_caught(name: str, message: dict[str, Any], where: str) -> None:
    found = check_limits(message)
    assert where in {v.property for v in found}, (name, found)
    with pytest.raises(ValueError, match="limits"):
        assert_within_limits(message)


def _broken_cards() -> list[tuple[str, dict[str, Any]]]:
    card = queue_card(SEED)
    no_alt = copy.deepcopy(card)
    del no_alt["altText"]
    bad_layout = copy.deepcopy(card)
    bad_layout["contents"]["body"]["layout"] = "diagonal"
    bad_component = copy.deepcopy(card)
    bad_component["contents"]["body"]["contents"][0]["type"] = "paragraph"
    no_action = copy.deepcopy(card)
    del no_action["contents"]["footer"]["contents"][0]["action"]
    bad_action = copy.deepcopy(card)
    bad_action["contents"]["footer"]["contents"][0]["action"]["type"] = "open"
    bad_weight = copy.deepcopy(card)
    bad_weight["contents"]["header"]["contents"][1]["weight"] = "heavy"
    return [
        ("no-alt", no_alt),
        ("bad-layout", bad_layout),
        ("bad-component", bad_component),
        ("button-without-action", no_action),
        ("bad-action-type", bad_action),
        ("bad-weight", bad_weight),
        ("bad-message-type", {"type": "flexible", "altText": "x"}),
    ]


@pytest.mark.parametrize(("name", "message"), _broken_cards(), ids=[c[0] for c in _broken_cards()])
def test_a_broken_message_fails_the_spec(name: str, message: dict[str, Any]) -> None:
    assert validate("messaging-api", "Message", message), name
    assert sendable_violations(message), name


def test_the_intact_card_passes() -> None:
    assert sendable_violations(queue_card(SEED)) == []
