"""The memoised validator must answer exactly as LINE's spec does, only faster."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from line_contract.spec import load_spec, validate
from line_emulator.validation import (
    RequestValidator,
    _Shaper,
    reachable_schemas,
    to_details,
)

SCHEMAS = ("PushMessageRequest", "ReplyMessageRequest", "MulticastRequest")
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


def mutations(payload: Any) -> Iterator[Any]:
    """Copies of `payload` with one leaf changed: same-length typos, longer and shorter
    strings, other types, removed keys. Many keep the shape of a valid body; the
    validator must still tell apart those that the spec rejects."""
    if isinstance(payload, dict):
        for key, value in payload.items():
            removed = {k: v for k, v in payload.items() if k != key}
            yield removed
            for changed in mutations(value):
                yield {**payload, key: changed}
    elif isinstance(payload, list):
        for index, value in enumerate(payload):
            for changed in mutations(value):
                yield [*payload[:index], changed, *payload[index + 1 :]]
    elif isinstance(payload, str):
        yield payload[:-1] + ("x" if not payload.endswith("x") else "y") if payload else "x"
        yield payload * 30
        yield "x" * 301  # past the longest bounds the send schemas put on strings
        yield "x" * 2001
        yield ""
        yield 7
    elif isinstance(payload, bool):
        yield not payload
        yield "true"
    elif isinstance(payload, int | float):
        yield -payload - 1
        yield str(payload)


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


def test_caching_is_on_for_the_send_requests() -> None:
    validator = RequestValidator()
    assert all(validator.caches(schema) for schema in SCHEMAS)


@pytest.mark.parametrize(("schema", "body"), bodies())
def test_memoised_verdicts_equal_the_spec_verdicts(schema: str, body: dict[str, Any]) -> None:
    validator = RequestValidator()
    assert validator.check(schema, body) == []  # primes the cache with the valid shape
    for mutated in mutations(body):
        expected = to_details(validate("messaging-api", schema, mutated))
        got = validator.check(schema, copy.deepcopy(mutated))
        # The length limits outside the spec may add to a spec-valid body, never hide.
        assert got[: len(expected)] == expected, mutated
        if expected:
            assert got == expected, mutated
    assert validator.hits > 0


def test_bodies_differing_only_in_free_text_share_a_shape() -> None:
    shaper = _Shaper(reachable_schemas(load_spec("messaging-api"), "PushMessageRequest"))
    a = {"to": USER, "messages": [card("คิว A1")]}
    b = {"to": "U" + "b" * 32, "messages": [card("คิว B2")]}
    assert shaper.shape(a, "s") == shaper.shape(b, "s")
    # An enumerated value is kept verbatim, even at the same length.
    assert shaper.shape(a, "s") != shaper.shape(
        {"to": USER, "messages": [card("คิว A1", layout="baseline")]}, "s"
    )
    # So is the gap between a length bound and the next.
    long = {"to": USER, "messages": [card("ก" * 2001)]}
    assert shaper.shape(a, "s") != shaper.shape(long, "s")
    # true is not 1.
    assert shaper.shape({"x": True}, "s") != shaper.shape({"x": 1}, "s")


def test_a_schema_comparing_values_is_never_cached() -> None:
    shaper = _Shaper([{"type": "array", "uniqueItems": True}])
    assert shaper.compares_values


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
