"""LINE's documented limits that its OpenAPI spec does not encode.

`line_contract.spec.validate` checks a message's shape; this checks what LINE would
still reject (or silently cut) at send time: lengths, counts, sizes, URI schemes and
colour formats. Lengths are counted in UTF-16 code units, never fewer than characters,
so anything that passes here is within LINE's character limits. Flex sizes are measured
on compact, ASCII-escaped JSON, the largest form a client library may send.

The action-label limit is the 20 characters LINE sets for template buttons and quick
replies; we hold Flex buttons to it too, so that labels show in full on narrow buttons.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from moph_connect.messages._text import utf16_len

ALT_TEXT_MAX: Final = 1500
TEXT_MAX: Final = 5000
LABEL_MAX: Final = 20
POSTBACK_DATA_MAX: Final = 300
DISPLAY_TEXT_MAX: Final = 300
URI_MAX: Final = 1000
QUICK_REPLY_MAX: Final = 13
CAROUSEL_BUBBLES_MAX: Final = 12
BUBBLE_BYTES_MAX: Final = 30 * 1024
CAROUSEL_BYTES_MAX: Final = 50 * 1024
URI_SCHEMES: Final = ("http", "https", "line", "tel")

_COLOR_KEYS: Final = frozenset({"color", "backgroundColor", "borderColor", "separatorColor"})
_COLOR = re.compile(r"#[0-9A-Fa-f]{6}(?:[0-9A-Fa-f]{2})?")
_URI = re.compile(r"[!-~]+")  # printable ASCII, no spaces


@dataclass(frozen=True)
class LimitViolation:
    """One broken limit: a JSON path (like `SpecViolation.property`) and what is wrong."""

    property: str
    message: str


def json_size(value: Any) -> int:
    """Bytes of `value` as compact JSON with non-ASCII escaped (the largest encoding)."""
    return len(json.dumps(value, ensure_ascii=True, separators=(",", ":")))


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _too_long(path: str, value: Any, limit: int, what: str) -> Iterator[LimitViolation]:
    if not isinstance(value, str):
        return
    if not value:
        yield LimitViolation(path, f"{what} must not be empty")
    elif utf16_len(value) > limit:
        yield LimitViolation(path, f"{what} is {utf16_len(value)} characters; max {limit}")


def _check_uri(path: str, value: Any) -> Iterator[LimitViolation]:
    if not isinstance(value, str) or not value:
        yield LimitViolation(path, "uri is required")
        return
    if len(value) > URI_MAX:
        yield LimitViolation(path, f"uri is {len(value)} characters; max {URI_MAX}")
    if not _URI.fullmatch(value):
        yield LimitViolation(path, "uri must be printable ASCII without spaces (percent-encode)")
    scheme = value.partition(":")[0].lower()
    if scheme not in URI_SCHEMES:
        yield LimitViolation(path, f"uri scheme {scheme!r} is not one of {URI_SCHEMES}")


def _check_action(
    path: str, action: Mapping[str, Any], label_required: bool
) -> Iterator[LimitViolation]:
    if "label" in action:
        yield from _too_long(_join(path, "label"), action["label"], LABEL_MAX, "label")
    elif label_required:
        yield LimitViolation(_join(path, "label"), "label is required here")
    kind = action.get("type")
    if kind == "postback":
        data = action.get("data")
        if isinstance(data, str) and utf16_len(data) > POSTBACK_DATA_MAX:
            yield LimitViolation(_join(path, "data"), f"data is over {POSTBACK_DATA_MAX}")
        for key in ("displayText", "text"):
            if key in action:
                yield from _too_long(_join(path, key), action[key], DISPLAY_TEXT_MAX, key)
    elif kind == "uri":
        yield from _check_uri(_join(path, "uri"), action.get("uri"))
        alt = action.get("altUri")
        if isinstance(alt, Mapping) and "desktop" in alt:
            yield from _check_uri(_join(_join(path, "altUri"), "desktop"), alt["desktop"])
    elif kind == "message" and "text" in action:
        yield from _too_long(_join(path, "text"), action["text"], DISPLAY_TEXT_MAX, "text")


def _walk(path: str, node: Any) -> Iterator[LimitViolation]:
    """Rules that apply wherever a node appears: colours, Flex texts, actions."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from _walk(_join(path, i), item)
        return
    if not isinstance(node, Mapping):
        return
    kind = node.get("type")
    if path and kind in ("text", "span"):  # a Flex text or span, not the text message itself
        has_spans = bool(node.get("contents"))
        if not has_spans and not (isinstance(node.get("text"), str) and node["text"].strip()):
            yield LimitViolation(_join(path, "text"), "Flex text must not be empty")
    for key, value in node.items():
        child = _join(path, key)
        if key in _COLOR_KEYS and isinstance(value, str) and not _COLOR.fullmatch(value):
            yield LimitViolation(child, f"{value!r} is not #RRGGBB or #RRGGBBAA")
        if key == "action" and isinstance(value, Mapping):
            yield from _check_action(child, value, label_required=kind == "button")
        yield from _walk(child, value)


def _check_flex_container(contents: Any) -> Iterator[LimitViolation]:
    if not isinstance(contents, Mapping):
        return
    if contents.get("type") == "bubble":
        size = json_size(contents)
        if size > BUBBLE_BYTES_MAX:
            yield LimitViolation("contents", f"bubble is {size} bytes; max {BUBBLE_BYTES_MAX}")
    elif contents.get("type") == "carousel":
        bubbles = contents.get("contents")
        if not isinstance(bubbles, list) or not bubbles:
            yield LimitViolation("contents.contents", "a carousel needs at least one bubble")
            return
        if len(bubbles) > CAROUSEL_BUBBLES_MAX:
            yield LimitViolation(
                "contents.contents", f"{len(bubbles)} bubbles; max {CAROUSEL_BUBBLES_MAX}"
            )
        for i, item in enumerate(bubbles):
            size = json_size(item)
            if size > BUBBLE_BYTES_MAX:
                yield LimitViolation(
                    f"contents.contents[{i}]", f"bubble is {size} bytes; max {BUBBLE_BYTES_MAX}"
                )
        size = json_size(contents)
        if size > CAROUSEL_BYTES_MAX:
            yield LimitViolation("contents", f"carousel is {size} bytes; max {CAROUSEL_BYTES_MAX}")


def check_limits(message: Mapping[str, Any]) -> list[LimitViolation]:
    """Every documented LINE limit `message` (one message object) breaks; empty if none."""
    found: list[LimitViolation] = []
    kind = message.get("type")
    if kind == "text":
        found.extend(_too_long("text", message.get("text", ""), TEXT_MAX, "text"))
    elif kind == "flex":
        found.extend(_too_long("altText", message.get("altText", ""), ALT_TEXT_MAX, "altText"))
        found.extend(_check_flex_container(message.get("contents")))
    quick = message.get("quickReply")
    if isinstance(quick, Mapping):
        items = quick.get("items")
        if isinstance(items, list):
            if len(items) > QUICK_REPLY_MAX:
                found.append(
                    LimitViolation("quickReply.items", f"{len(items)} items; max {QUICK_REPLY_MAX}")
                )
            for i, item in enumerate(items):
                action = item.get("action") if isinstance(item, Mapping) else None
                if not isinstance(action, Mapping) or "label" not in action:
                    found.append(
                        LimitViolation(f"quickReply.items[{i}].action.label", "label is required")
                    )
    found.extend(_walk("", message))
    unique = dict.fromkeys(found)
    return sorted(unique, key=lambda v: (v.property, v.message))


def assert_within_limits(message: Mapping[str, Any]) -> None:
    """Raise `ValueError` listing every limit `message` breaks."""
    found = check_limits(message)
    if found:
        listed = "; ".join(f"{v.property or '<root>'}: {v.message}" for v in found)
        raise ValueError(f"message breaks LINE's limits: {listed}")
