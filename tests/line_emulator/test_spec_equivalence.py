"""The compiled validator (jsonschema-rs, discriminators rewritten as plain JSON Schema)
gives python-jsonschema's verdict (with the `discriminator` keyword) on every body: the
messages our builders make, one-leaf mutations of them, hand-made bad ones, and the
webhook bodies the emulator signs. `line_contract.spec.validate` takes its verdict from
the first and its details from the second, so they must never disagree."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from line_contract.discriminators import without_discriminators
from line_contract.spec import SpecName, is_valid, load_spec, violations
from line_emulator.config import EmulatorConfig
from line_emulator.state import EmulatorState
from line_emulator.webhooks import (
    follow_event,
    location_message_event,
    postback_event,
    text_message_event,
    unfollow_event,
)
from moph_connect import messages as m
from tests.delivery.harness import queue_card_payload
from tests.messages.support import WORST_VIEWS
from tests.messages.test_chat import CASES
from tests.messages.test_conversation import cases

USER = "U" + "a" * 32


def agree(spec: SpecName, schema: str, payload: Any) -> bool:
    """Both validators' verdict on `payload`, asserting that they are the same."""
    fast = is_valid(spec, schema, payload)
    found = violations(spec, schema, payload)
    assert fast == (not found), (fast, found, json.dumps(payload, ensure_ascii=False)[:2000])
    return fast


def builder_messages() -> dict[str, dict[str, Any]]:
    found = {f"chat-{name}": message for name, message in CASES.items()}
    for lang in ("th", "en"):
        found.update({f"{lang}-{name}": message for name, message in cases(lang).items()})
        for view_name, view in WORST_VIEWS.items():
            for kind, message in (
                ("queue-card", m.queue_card(view, lang)),
                ("day-before", m.reminder_day_before(view, lang)),
                ("same-day", m.reminder_same_day(view, lang)),
                ("near", m.queue_near(view, lang)),
                ("survey", m.survey(view, "tok", lang)),
                ("alert", m.alert(view, lang=lang)),
                ("cancelled", m.appointment_cancelled(view, lang)),
                ("moved", m.appointment_moved(date(2018, 4, 1), view, lang)),
            ):
                found[f"{lang}-{kind}-{view_name}"] = message
    return found


BUILT = builder_messages()


def test_there_are_many_builder_messages() -> None:
    assert len(BUILT) > 250, len(BUILT)


@pytest.mark.parametrize("name", sorted(BUILT))
def test_builder_messages_get_the_same_verdict(name: str) -> None:
    message = BUILT[name]
    assert agree("messaging-api", "Message", message)
    assert agree("messaging-api", "PushMessageRequest", {"to": USER, "messages": [message]})
    assert agree("messaging-api", "ReplyMessageRequest", {"replyToken": "t", "messages": [message]})


def mutations(payload: Any) -> Iterator[Any]:
    """Copies of `payload` with one leaf changed or one key removed: same-length typos,
    longer and shorter strings, other types (a tag too), a key gone."""
    if isinstance(payload, dict):
        for key, value in payload.items():
            yield {k: v for k, v in payload.items() if k != key}
            for changed in mutations(value):
                yield {**payload, key: changed}
    elif isinstance(payload, list):
        for index, value in enumerate(payload):
            for changed in mutations(value):
                yield [*payload[:index], changed, *payload[index + 1 :]]
    elif isinstance(payload, str):
        yield payload[:-1] + ("x" if not payload.endswith("x") else "y") if payload else "x"
        yield "x" * 2001  # past the longest bounds the send schemas put on strings
        yield ""
        yield 7
        yield [payload]
        yield None
    elif isinstance(payload, bool):
        yield not payload
        yield "true"
        yield 1
    elif isinstance(payload, int | float):
        yield -payload - 1
        yield str(payload)
        yield float(payload) + 0.5
        yield True


SMALL_BODIES = [
    [{"type": "text", "text": "คิวของคุณคือ A12", "quickReply": {"items": []}}],
    [
        {"type": "sticker", "packageId": "446", "stickerId": "1988"},
        {"type": "location", "title": "t", "address": "a", "latitude": 1, "longitude": 2},
        {"type": "image", "originalContentUrl": "https://a.th/i", "previewImageUrl": "https://a"},
    ],
    [m.help_message("th")],
]


@pytest.mark.parametrize("index", range(len(SMALL_BODIES)))
def test_every_mutation_of_small_bodies_gets_the_same_verdict(index: int) -> None:
    verdicts = set()
    body = {"to": USER, "messages": SMALL_BODIES[index]}
    for mutated in mutations(body):
        verdicts.add(agree("messaging-api", "PushMessageRequest", mutated))
    assert verdicts == {True, False}  # the mutations reached both answers


def test_every_mutation_of_a_queue_card_gets_the_same_verdict() -> None:
    body = {"to": USER, "messages": json.loads(queue_card_payload(7, date(2026, 12, 5)))}
    every = list(mutations(body))
    verdicts = [agree("messaging-api", "PushMessageRequest", mutated) for mutated in every]
    assert len(every) > 500
    assert True in verdicts and False in verdicts


def _bubble(*contents: dict[str, Any]) -> dict[str, Any]:
    body = {"type": "box", "layout": "vertical", "contents": list(contents)}
    return {"type": "bubble", "body": body}


def _flex(contents: dict[str, Any]) -> dict[str, Any]:
    return {"type": "flex", "altText": "a", "contents": contents}


def _nested(depth: int, leaf: dict[str, Any]) -> dict[str, Any]:
    node = leaf
    for _ in range(depth):
        node = {"type": "box", "layout": "vertical", "contents": [node]}
    return node


HAND_MADE: dict[str, tuple[Any, bool]] = {
    "unknown message type": ({"type": "telegram", "text": "x"}, False),
    "tag is a list": ({"type": ["text"], "text": "x"}, False),
    "tag is an object": ({"type": {"text": 1}, "text": "x"}, False),
    "tag is null": ({"type": None}, False),
    "no tag": ({"text": "x"}, False),
    "text is a number": ({"type": "text", "text": 1}, False),
    "unknown bubble component": (_flex(_bubble({"type": "marquee", "text": "x"})), False),
    "unknown container": (_flex({"type": "bubblex"}), False),
    "image without url": (_flex(_bubble({"type": "image"})), False),
    "bad layout enum": (_flex({"type": "bubble", "body": {"type": "box", "layout": "x"}}), False),
    "box missing contents": (_flex(_bubble({"type": "box", "layout": "vertical"})), False),
    "bad action deep in boxes": (
        _flex(_bubble(_nested(8, {"type": "button", "action": {"type": "teleport"}}))),
        False,
    ),
    "good action deep in boxes": (
        _flex(_bubble(_nested(8, {"type": "button", "action": {"type": "message", "text": "x"}}))),
        True,
    ),
    # FlexCarousel.contents refers to FlexBubble directly: its base's dispatch still runs.
    "carousel as a carousel's bubble": (
        _flex({"type": "carousel", "contents": [{"type": "carousel"}]}),
        False,
    ),
    "carousel of bubbles": (_flex({"type": "carousel", "contents": [_bubble()]}), True),
    "flex integer as float": (_flex(_bubble({"type": "text", "text": "x", "flex": 1.5})), False),
    "flex integer as bool": (_flex(_bubble({"type": "text", "text": "x", "flex": True})), False),
    "wrap as int": (_flex(_bubble({"type": "text", "text": "x", "wrap": 1})), False),
    # LINE's spec leaves `uri` and a quick reply's `action` optional: LINE itself checks.
    "uri action without uri": (
        _flex(_bubble({"type": "button", "action": {"type": "uri", "label": "x"}})),
        True,
    ),
    "uri action with a numeric uri": (
        _flex(_bubble({"type": "button", "action": {"type": "uri", "uri": 7}})),
        False,
    ),
    "quick reply item without an action": (
        {"type": "text", "text": "x", "quickReply": {"items": [{"type": "action"}]}},
        True,
    ),
    "quick reply item with an unknown action": (
        {"type": "text", "text": "x", "quickReply": {"items": [{"action": {"type": "fly"}}]}},
        False,
    ),
    "too many quick replies": (
        {
            "type": "text",
            "text": "x",
            "quickReply": {
                "items": [
                    {"type": "action", "action": {"type": "message", "label": "a", "text": "a"}}
                ]
                * 14
            },
        },
        False,
    ),
}


@pytest.mark.parametrize("name", sorted(HAND_MADE))
def test_hand_made_messages_get_the_same_expected_verdict(name: str) -> None:
    message, expected = HAND_MADE[name]
    assert agree("messaging-api", "PushMessageRequest", {"to": USER, "messages": [message]}) is (
        expected
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"to": USER}, False),
        ({"to": USER, "messages": []}, False),
        ({"to": USER, "messages": [{"type": "text", "text": "x"}] * 6}, False),
        ({"to": 7, "messages": [{"type": "text", "text": "x"}]}, False),
        ([], False),
        ("text", False),
        (
            {"to": USER, "messages": [{"type": "text", "text": "x"}], "notificationDisabled": 1},
            False,
        ),
        ({"to": USER, "messages": [{"type": "text", "text": "x"}], "extra": {"any": 1}}, True),
    ],
)
def test_hand_made_bodies_get_the_same_expected_verdict(body: Any, expected: bool) -> None:
    assert agree("messaging-api", "PushMessageRequest", body) is expected


def webhook_bodies() -> list[dict[str, Any]]:
    state = EmulatorState(EmulatorConfig.default(None))
    user = state.create_user("production", "ครูเพ็ญศรี", "th")
    at = 1_700_000_000_000
    events = [
        follow_event(user, at, "reply-token", unblocked=False),
        unfollow_event(user, at),
        text_message_event(user, at, "reply-token", "สวัสดี"),
        location_message_event(
            user, at, "reply-token", latitude=13.7, longitude=100.5, title="ที่นี่", address=None
        ),
        postback_event(user, at, "reply-token", "action=pick&h=1", {"date": "2026-12-05"}),
    ]
    return [{"destination": "U" + "b" * 32, "events": [event]} for event in events]


def test_webhook_bodies_and_their_mutations_get_the_same_verdict() -> None:
    verdicts = set()
    for body in webhook_bodies():
        assert agree("webhook", "CallbackRequest", body)
        for mutated in mutations(body):
            verdicts.add(agree("webhook", "CallbackRequest", copy.deepcopy(mutated)))
    assert verdicts == {True, False}


def test_the_rewrite_leaves_no_discriminator_and_the_spec_unchanged() -> None:
    spec = load_spec("messaging-api")
    before = json.dumps(spec, default=str, sort_keys=True)
    plain = without_discriminators(json.loads(before))
    assert json.dumps(spec, default=str, sort_keys=True) == before
    assert "discriminator" not in json.dumps(plain)
    assert "FlexComponent__base" in plain["components"]["schemas"]


def test_a_subtype_that_is_itself_a_base_is_refused() -> None:
    # Its variant would silently lose its own dispatch; LINE's spec has no such nesting.
    def base(name: str, mapping: dict[str, str]) -> dict[str, Any]:
        refs = {key: f"#/components/schemas/{target}" for key, target in mapping.items()}
        return {"discriminator": {"propertyName": "type", "mapping": refs}, "title": name}

    nested = {
        "components": {
            "schemas": {
                "A": base("A", {"b": "B"}),
                "B": {**base("B", {"c": "C"}), "allOf": [{"$ref": "#/components/schemas/A"}]},
                "C": {"allOf": [{"$ref": "#/components/schemas/B"}]},
            }
        }
    }
    with pytest.raises(ValueError, match="both a subtype"):
        without_discriminators(nested)
