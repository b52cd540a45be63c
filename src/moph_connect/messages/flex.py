"""Small constructors for LINE message parts, as plain JSON-ready dicts.

They keep the builders short and make the house style (sizes, spacing, palette) one
decision instead of many. Nothing here knows about appointments or hospitals.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import quote, urlsplit, urlunsplit

from moph_connect.messages import palette
from moph_connect.messages._text import clean, clip

JSON = dict[str, Any]

ALT_TEXT_MAX = 400  # LINE allows 1500; notifications and the chat list show far less
LABEL_MAX = 20  # LINE's limit for button and quick-reply labels, in characters
DISPLAY_TEXT_MAX = 300
TEXT_MESSAGE_MAX = 5000
URI_MAX = 1000

ButtonStyle = Literal["primary", "secondary", "link"]

# Characters RFC 3986 allows unescaped in a path, query or fragment, plus "%" so that
# existing escapes survive; a "%" that starts no escape is escaped itself.
_URI_SAFE = "/?:@!$&'()*+,;=-._~%"
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _encode(component: str) -> str:
    return quote(_STRAY_PERCENT.sub("%25", component), safe=_URI_SAFE)


@lru_cache(maxsize=8192)  # pure; a hospital's links repeat in every message it plans
def normalize_link(url: str) -> str | None:
    """`url` as LINE accepts it in a URI action, or None when it cannot be one.

    Only absolute http(s) links with a host qualify. Thai or other non-ASCII characters
    are encoded (IDNA for the host, percent-encoding elsewhere), so that a link a
    hospital typed with Thai in its path still opens. The result is at most 1000 chars.
    """
    text = url.strip()
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
        return None
    try:
        parts = urlsplit(text)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    if parts.username is not None or parts.password is not None:
        return None  # credentials in a link sent to patients: never
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    if ":" in ascii_host:
        ascii_host = f"[{ascii_host}]"  # IPv6 literal
    netloc = ascii_host if port is None else f"{ascii_host}:{port}"
    rebuilt = urlunsplit(
        (
            parts.scheme.lower(),
            netloc,
            _encode(parts.path),
            _encode(parts.query),
            _encode(parts.fragment),
        )
    )
    return rebuilt if len(rebuilt) <= URI_MAX else None


def clip_label(label: str) -> str:
    """An action label as LINE takes it: one clean line of at most 20 characters."""
    return clip(clean(label), LABEL_MAX)


def uri_action(label: str, uri: str) -> JSON:
    return {"type": "uri", "label": clip_label(label), "uri": uri}


def postback_action(label: str, data: str, display_text: str | None = None) -> JSON:
    action: JSON = {"type": "postback", "label": clip_label(label), "data": data}
    if display_text is not None:
        action["displayText"] = clip(clean(display_text), DISPLAY_TEXT_MAX)
    return action


def text(
    value: str,
    *,
    size: str = "md",
    color: str = palette.TEXT,
    bold: bool = False,
    align: Literal["start", "end", "center"] | None = None,
    margin: str | None = None,
    decoration: Literal["line-through"] | None = None,
    flex: int | None = None,
) -> JSON:
    component: JSON = {
        "type": "text",
        "text": value,
        "size": size,
        "color": color,
        "wrap": True,
    }
    if bold:
        component["weight"] = "bold"
    if align is not None:
        component["align"] = align
    if margin is not None:
        component["margin"] = margin
    if decoration is not None:
        component["decoration"] = decoration
    if flex is not None:
        component["flex"] = flex
    return component


def box(
    contents: list[JSON],
    *,
    layout: Literal["vertical", "horizontal", "baseline"] = "vertical",
    spacing: str | None = None,
    margin: str | None = None,
    background: str | None = None,
    padding: str | None = None,
    corner_radius: str | None = None,
) -> JSON:
    component: JSON = {"type": "box", "layout": layout, "contents": contents}
    if spacing is not None:
        component["spacing"] = spacing
    if margin is not None:
        component["margin"] = margin
    if background is not None:
        component["backgroundColor"] = background
    if padding is not None:
        component["paddingAll"] = padding
    if corner_radius is not None:
        component["cornerRadius"] = corner_radius
    return component


def separator(margin: str = "lg") -> JSON:
    return {"type": "separator", "margin": margin, "color": palette.SEPARATOR}


def button(action: JSON, style: ButtonStyle = "primary", color: str | None = None) -> JSON:
    component: JSON = {"type": "button", "action": action, "style": style, "height": "sm"}
    if style != "secondary":  # secondary keeps LINE's light grey with dark text
        component["color"] = color or palette.BRAND
    return component


def header(kicker: str, title: str, background: str) -> JSON:
    """A coloured header: a small line (brand or context) above a bold title."""
    ink = palette.text_color_on(background)
    return box(
        [text(kicker, size="xs", color=ink), text(title, size="lg", color=ink, bold=True)],
        spacing="xs",
        background=background,
        padding="lg",
    )


def bubble(
    *, header_box: JSON | None, body: JSON, footer: JSON | None = None, size: str = "mega"
) -> JSON:
    container: JSON = {"type": "bubble", "size": size}
    if header_box is not None:
        container["header"] = header_box
    container["body"] = body
    if footer is not None:
        container["footer"] = footer
    return container


def flex_message(alt_text: str, contents: JSON) -> JSON:
    """A Flex message whose alt text (chat list, notifications, screen readers) is one
    clean line within limits."""
    return {"type": "flex", "altText": clip(clean(alt_text), ALT_TEXT_MAX), "contents": contents}


def quick_replies(actions: list[JSON]) -> JSON:
    """A `quickReply` object: one button per action (LINE shows at most 13)."""
    return {"items": [{"type": "action", "action": a} for a in actions]}


def text_message(value: str, quick_reply: list[JSON] | None = None) -> JSON:
    message: JSON = {"type": "text", "text": clip(value.strip(), TEXT_MESSAGE_MAX)}
    if quick_reply:
        message["quickReply"] = quick_replies(quick_reply)
    return message
