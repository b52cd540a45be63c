"""The one palette every MOPH Connect card uses.

A ministry teal for routine cards, a deep orange for "act now" and a red for
cancellations; all three carry white text at WCAG AA contrast (>= 4.5:1). A colour
supplied by a hospital gets whichever of white or dark text reads better on it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

BRAND: Final = "#00796B"  # ministry teal: headers and primary buttons of routine cards
BRAND_TINT: Final = "#E0F2F1"  # light teal behind the queue number
URGENT: Final = "#C2410C"  # deep orange: "your queue is near"
URGENT_TINT: Final = "#FFEDD5"  # light orange behind the queue number when it is near
DANGER: Final = "#C62828"  # red: cancelled appointment
ON_COLOR: Final = "#FFFFFF"  # text on a coloured header
TEXT: Final = "#1F2933"  # body text
MUTED: Final = "#5F6B7A"  # labels and secondary text
STRUCK: Final = "#8A94A3"  # superseded facts (the old date of a moved appointment)
SEPARATOR: Final = "#E4E7EB"

WCAG_AA: Final = 4.5  # minimum contrast ratio for body text

_HEX = re.compile(r"#[0-9A-Fa-f]{6}")


def parse_hex_color(value: str | None) -> str | None:
    """`#RRGGBB` in upper case, or None when `value` is not such a colour."""
    if value is None:
        return None
    value = value.strip()
    if not _HEX.fullmatch(value):
        return None
    return value.upper()


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(color: str) -> float:
    """WCAG 2 relative luminance of a `#RRGGBB` colour."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio between two `#RRGGBB` colours (1 to 21)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@lru_cache(maxsize=256)
def carries_white_text(background: str) -> bool:
    """Whether white text (LINE's primary-button text) on `background` meets WCAG AA."""
    return contrast_ratio(ON_COLOR, background) >= WCAG_AA


# Pure, and asked of the same few colours (a header per message) all night long.
@lru_cache(maxsize=256)
def text_color_on(background: str) -> str:
    """White or dark body text, whichever contrasts more with `background`."""
    if contrast_ratio(ON_COLOR, background) >= contrast_ratio(TEXT, background):
        return ON_COLOR
    return TEXT
