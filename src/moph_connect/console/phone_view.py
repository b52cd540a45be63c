"""LINE messages as the console's phone view draws them: a tree of plain nodes whose
looks are CSS classes (static/sandbox.css), for the Jinja2 macros in `_phone.html`.

The console's Content-Security-Policy allows no `style=` attribute, so every length is one
of LINE's keywords (the sizes our builders in `messages/` use) mapped to a class, and
every colour becomes a class too (`bg-RRGGBB`, `fg-...`, `bd-...`) defined by the small
stylesheet `colors_css` writes for the colours a page uses. Message data is untrusted: text
is escaped by Jinja2, colours and keywords are checked, links are http(s) only.

The emulator's phone view (emulator/src/line_emulator/phone/flex.js) draws the same in
the browser; this follows its structure and LINE's sizes, for what our builders produce
(bubble and carousel; box, text, button, image, separator, spacer, filler). Pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

SPACING: Final = ("none", "xs", "sm", "md", "lg", "xl", "xxl")
TEXT_SIZES: Final = ("xxs", "xs", "sm", "md", "lg", "xl", "xxl", "3xl", "4xl", "5xl")
BUBBLE_SIZES: Final = ("nano", "micro", "deca", "hecto", "kilo", "mega", "giga")
LAYOUTS: Final = ("vertical", "horizontal", "baseline")
BUTTON_STYLES: Final = ("primary", "secondary", "link")
ALIGNS: Final = ("start", "center", "end")
DECORATIONS: Final = ("underline", "line-through")
FLEX_MAX: Final = 12
BLOCKS: Final = ("header", "hero", "body", "footer")
_COLOR: Final = re.compile(r"#([0-9A-Fa-f]{6}(?:[0-9A-Fa-f]{2})?)")
_HEX: Final = re.compile(r"[0-9A-F]{6}(?:[0-9A-F]{2})?")
_LINK: Final = re.compile(r"https?://[^\s\"'<>]+", re.IGNORECASE)
COLORS_MAX: Final = 64


@dataclass
class Node:
    kind: str  # text_message, flex, carousel, bubble, block, box, text, button, ...
    classes: list[str] = field(default_factory=list)
    text: str = ""
    href: str | None = None
    children: list[Node] = field(default_factory=list)

    @property
    def css(self) -> str:
        return " ".join(self.classes)


@dataclass
class Drawing:
    """One outbox row's messages as nodes, and the colours they need."""

    nodes: list[Node]
    colors: set[str] = field(default_factory=set)


class _Painter:
    def __init__(self) -> None:
        self.colors: set[str] = set()

    def color(self, prefix: str, value: Any) -> list[str]:
        if not isinstance(value, str) or (found := _COLOR.fullmatch(value.strip())) is None:
            return []
        hex_value = found.group(1).upper()
        self.colors.add(hex_value)
        return [f"{prefix}-{hex_value}"]

    def message(self, message: Any) -> Node:
        kind = message.get("type") if isinstance(message, dict) else None
        if kind in ("text", "textV2"):
            node = Node("text_message", ["bubble"], text=str(message.get("text", "")))
            quick = message.get("quickReply", {})
            for item in quick.get("items", []) if isinstance(quick, dict) else []:
                action = item.get("action", {}) if isinstance(item, dict) else {}
                node.children.append(self.action_node(action, ["chip"]))
            return node
        if kind == "flex":
            contents = message.get("contents")
            node = Node("flex", text=str(message.get("altText", "")))
            node.children.append(self.container(contents))
            return node
        alt = message.get("altText", "") if isinstance(message, dict) else ""
        return Node("text_message", ["bubble", "note"], text=f"[{kind}] {alt}".strip())

    def container(self, contents: Any) -> Node:
        if isinstance(contents, dict) and contents.get("type") == "carousel":
            bubbles = contents.get("contents", [])
            return Node(
                "carousel",
                ["fx-carousel"],
                children=[self.bubble(b) for b in bubbles if isinstance(b, dict)],
            )
        return self.bubble(contents if isinstance(contents, dict) else {})

    def bubble(self, bubble: dict[str, Any]) -> Node:
        size = bubble.get("size") if bubble.get("size") in BUBBLE_SIZES else "mega"
        node = Node("bubble", ["fx-bubble", f"fx-{size}"])
        styles = _dict(bubble.get("styles"))
        names = [name for name in BLOCKS if isinstance(bubble.get(name), dict)]
        for name in names:
            classes = ["fx-block", f"fx-{name}"]
            if name == "body" and "footer" in names:
                classes.append("fx-has-footer")
            style = _dict(styles.get(name))
            classes += self.color("bg", style.get("backgroundColor"))
            block = Node("block", classes)
            block.children.append(self.component(bubble[name], "vertical", 0, None))
            node.children.append(block)
        return node

    def component(self, part: Any, parent: str, index: int, spacing: str | None) -> Node:
        kind = part.get("type") if isinstance(part, dict) else None
        if not isinstance(part, dict):
            part = {}
        if kind == "box":
            node = self.box(part)
        elif kind == "text":
            node = self.text(part)
        elif kind == "button":
            node = self.button(part)
        elif kind == "separator":
            node = Node("separator", ["fx-separator", *self.color("bd", part.get("color"))])
        elif kind == "image":
            node = Node("image", ["fx-image"], href=_link(part.get("url")))
        elif kind == "spacer":
            size = part.get("size") if part.get("size") in SPACING else "md"
            node = Node("spacer", ["fx-spacer", f"sp-{size}"])
        elif kind == "filler":
            node = Node("filler", ["fx-filler"])
        else:
            node = Node("text", ["fx-text"], text=f"[{kind}]")
        margin = part.get("margin") if part.get("margin") in SPACING else None
        if margin is None and index > 0 and kind != "filler":
            margin = spacing
        if margin is not None:
            node.classes.append(f"m-{margin}")
        flex = part.get("flex")
        if isinstance(flex, int) and not isinstance(flex, bool) and 0 <= flex <= FLEX_MAX:
            node.classes.append(f"fl-{flex}")
        return node

    def box(self, part: dict[str, Any]) -> Node:
        layout = str(part["layout"]) if part.get("layout") in LAYOUTS else "vertical"
        classes = ["fx-box", f"fx-{layout}", *self.color("bg", part.get("backgroundColor"))]
        classes += self.color("bd", part.get("borderColor"))
        if part.get("paddingAll") in SPACING:
            classes.append(f"pa-{part['paddingAll']}")
        if part.get("cornerRadius") in SPACING:
            classes.append(f"cr-{part['cornerRadius']}")
        spacing = part.get("spacing") if part.get("spacing") in SPACING else None
        children = _list(part.get("contents"))
        return Node(
            "box",
            classes,
            children=[self.component(c, layout, i, spacing) for i, c in enumerate(children)],
        )

    def text(self, part: dict[str, Any]) -> Node:
        classes = ["fx-text", *self.color("fg", part.get("color"))]
        if part.get("size") in TEXT_SIZES:
            classes.append(f"ts-{part['size']}")
        if part.get("weight") == "bold":
            classes.append("fw-bold")
        if part.get("wrap") is True:
            classes.append("fx-wrap")
        if part.get("align") in ALIGNS:
            classes.append(f"ta-{part['align']}")
        if part.get("decoration") in DECORATIONS:
            classes.append(f"td-{part['decoration']}")
        spans = _list(part.get("contents"))
        words = [s.get("text", "") for s in spans if isinstance(s, dict)]
        value = "".join(str(w) for w in words) if words else part.get("text", "")
        return Node("text", classes, text=str(value))

    def button(self, part: dict[str, Any]) -> Node:
        style = part.get("style") if part.get("style") in BUTTON_STYLES else "link"
        classes = ["fx-button", f"fx-{style}"]
        if part.get("height") == "sm":
            classes.append("fx-sm")
        tint = self.color("fg" if style == "link" else "bg", part.get("color"))
        node = Node("button", classes)
        action = _dict(part.get("action"))
        node.children.append(self.action_node(action, tint))
        return node

    def action_node(self, action: Any, classes: list[str]) -> Node:
        action = action if isinstance(action, dict) else {}
        label = str(action.get("label", ""))
        href = _link(action.get("uri")) if action.get("type") == "uri" else None
        return Node("action", [*classes, f"act-{_word(action.get('type'))}"], label, href)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _word(value: Any) -> str:
    return value if isinstance(value, str) and value.isalpha() and len(value) < 20 else "none"


def _link(value: Any) -> str | None:
    if isinstance(value, str) and _LINK.fullmatch(value.strip()):
        return value.strip()
    return None


def draw(messages: Iterable[Any]) -> Drawing:
    painter = _Painter()
    nodes = [painter.message(message) for message in messages]
    return Drawing(nodes, painter.colors)


def colors_css(requested: str) -> str:
    """The classes for the colours named in `requested` ("00796B.FFFFFF"); anything else
    in it is ignored (only hex digits ever reach the stylesheet)."""
    rules = []
    for value in sorted({part.upper() for part in requested.split(".")})[:COLORS_MAX]:
        if _HEX.fullmatch(value):
            rules.append(
                f".bg-{value}{{background-color:#{value}}}"
                f".fg-{value},.fx-button>.fg-{value}{{color:#{value}}}"
                f".bd-{value}{{border-color:#{value}}}"
                f".fx-button>.bg-{value}{{background-color:#{value}}}"
            )
    return "\n".join(rules) + "\n"


def colors_query(colors: Iterable[str]) -> str:
    return ".".join(sorted(colors)[:COLORS_MAX])
