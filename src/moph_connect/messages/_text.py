"""Text hygiene for LINE: clean hospital-supplied strings and cut them without breaking them.

LINE counts limits in characters; we measure in UTF-16 code units, which is never fewer
than the code points and is what LINE's clients count, so a string that fits here fits
there. Cuts never split a Thai consonant from its vowel or tone marks, an emoji from its
modifiers, or a ZWJ sequence, and never leave a Thai leading vowel dangling at the end.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

ELLIPSIS = "…"
PLACEHOLDER = "-"

_ZWJ = "\u200d"
# Format characters that legitimately build emoji (ZWJ sequences, subdivision flags).
_KEEP_FORMAT = frozenset({_ZWJ, *(chr(c) for c in range(0xE0020, 0xE0080))})
# Thai vowels written before the consonant they follow in speech: เ แ โ ใ ไ.
_THAI_LEADING_VOWELS = frozenset("\u0e40\u0e41\u0e42\u0e43\u0e44")
_SKIN_TONES = frozenset(chr(c) for c in range(0x1F3FB, 0x1F400))


def utf16_len(text: str) -> int:
    """Length as LINE counts it (UTF-16 code units): emoji outside the BMP count twice."""
    return len(text.encode("utf-16-le")) // 2


# Pure, and called with the same strings over and over (one call renders up to three
# messages from the same fields; a hospital's origin, times and names repeat all night).
@lru_cache(maxsize=8192)
def clean(text: str, *, lines: bool = False) -> str:
    """One tidy line: control, bidi-override and other invisible characters removed,
    every run of whitespace collapsed to one space, ends trimmed. With `lines`, line breaks
    the hospital wrote stay (each line tidied, no blank ones): a Flex text that wraps
    shows them."""
    if lines:
        tidy = (clean(line) for line in text.split("\n"))
        return "\n".join(line for line in tidy if line)
    if text.isprintable():
        # The usual case, checked in C: no control, format or surrogate character, and no
        # whitespace but the plain space, so only runs of spaces are left to collapse.
        return " ".join(text.split())
    kept: list[str] = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch.isspace():
            kept.append(" ")
        elif category in ("Cc", "Cs") or (category == "Cf" and ch not in _KEEP_FORMAT):
            continue
        else:
            kept.append(ch)
    return " ".join("".join(kept).split())


def _joins_previous(ch: str) -> bool:
    """True when `ch` cannot start a new user-perceived character."""
    return (
        unicodedata.category(ch) in ("Mn", "Mc", "Me")
        or ch == _ZWJ
        or ch in _SKIN_TONES
        or ch in _KEEP_FORMAT
        or ch == "\u0e33"  # SARA AM, a spacing vowel that still belongs to its consonant
    )


def _is_regional_indicator(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def _safe_cut(text: str, end: int) -> int:
    """The largest index <= `end` at which `text` can be cut without breaking a cluster."""
    while end > 0 and end < len(text) and (_joins_previous(text[end]) or text[end - 1] == _ZWJ):
        end -= 1
    # A flag is a pair of regional indicators: never keep half of one.
    run = 0
    while run < end and _is_regional_indicator(text[end - 1 - run]):
        run += 1
    if run % 2 == 1 and end < len(text) and _is_regional_indicator(text[end]):
        end -= 1
    while end > 0 and text[end - 1] in _THAI_LEADING_VOWELS:
        end -= 1
    return end


def clip(text: str, limit: int) -> str:
    """`text` if it fits in `limit` UTF-16 units, else its longest safe prefix plus "…"."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    # No character takes more than two UTF-16 units: most fields fit without counting.
    if 2 * len(text) <= limit or utf16_len(text) <= limit:
        return text
    budget = limit - utf16_len(ELLIPSIS)
    end = 0
    used = 0
    for ch in text:
        width = 2 if ord(ch) > 0xFFFF else 1
        if used + width > budget:
            break
        used += width
        end += 1
    return text[: _safe_cut(text, end)].rstrip() + ELLIPSIS


def field(text: str, limit: int, *, lines: bool = False) -> str:
    """Hospital data ready for display: cleaned, clipped, never empty (LINE rejects empty
    Flex text). `lines`: keep its line breaks (see `clean`)."""
    return clip(clean(text, lines=lines), limit) or PLACEHOLDER
