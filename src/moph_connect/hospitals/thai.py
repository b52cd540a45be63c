"""Thai text as patients type it, made comparable with hospital names. Pure, no I/O.

Three layers, each more forgiving than the last:

- `normalize`: what any two spellings of the same text should share (NFC, no zero-width
  characters, Thai marks in one order, `ํา` as `ำ`, `เเ` as `แ`, lower case, one space).
- `expand_abbreviations`: "รพ." / "ร.พ." / "รพ" -> โรงพยาบาล, "รพ.สต." -> the full name of a
  sub-district health-promoting hospital, "จ." / "อ." / "ต." -> จังหวัด / อำเภอ / ตำบล.
- `fold`: a spelling-blind key for fuzzy matching: tone marks dropped, letters that sound
  alike merged (ธ/ท, ศ/ษ/ส, ...), long and short vowels merged, ใ/ไ merged.
"""

from __future__ import annotations

import re
import unicodedata
from enum import IntEnum

# Invisible characters that survive copy-paste from web pages and LINE: zero-width space
# and joiners, word joiner, BOM, soft hyphen, bidi controls.
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")

# Thai marks written above or below a consonant. Keyboards let people type them in any
# order (tone before vowel looks the same on screen), so runs of them are put in one order.
_MARKS = "\u0e31\u0e34-\u0e3a\u0e47-\u0e4e"  # a regex class: above, below, tones, ...
_MARK_RUN = re.compile(f"[{_MARKS}]{{2,}}")
_TONES = "\u0e48\u0e49\u0e4a\u0e4b"


def _mark_rank(mark: str) -> int:
    if mark in _TONES:
        return 1
    if mark in "\u0e4c\u0e4d\u0e4e":  # thanthakhat, nikhahit, yamakkan come last
        return 2
    return 0  # vowels and maitaikhu sit next to the consonant


def _reorder_marks(match: re.Match[str]) -> str:
    ordered = sorted(match.group(), key=_mark_rank)  # stable: keeps the order within a rank
    # A mark typed twice ("่่") shows as one; keep one.
    return "".join(m for i, m in enumerate(ordered) if i == 0 or m != ordered[i - 1])


# Everything but letters, digits and Thai marks separates words. ฯ (abbreviation mark,
# "กรุงเทพฯ") is dropped rather than kept as a letter.
_SEPARATORS = re.compile(f"[^\\w{_MARKS}]|_|\u0e2f")
_SPACES = re.compile(r"\s+")

# Abbreviations count only at the start of a word: "รพ" inside "สรรพสิทธิประสงค์" is not
# one, nor is "รพ" followed by a vowel, the start of a word such as "รพี".
_WORD_START = "(?<![\u0e01-\u0e4e0-9a-z])"
_NO_VOWEL_NEXT = "(?![\u0e30-\u0e3a\u0e45\u0e47-\u0e4e])"
_ABBREVIATIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(f"{_WORD_START}ร\\.?\\s*พ\\.?\\s*ส\\.?\\s*ต\\.?{_NO_VOWEL_NEXT}"),
        " โรงพยาบาลส่งเสริมสุขภาพตำบล ",
    ),
    (re.compile(f"{_WORD_START}(?:ร\\.\\s*พ|รพ)\\.?{_NO_VOWEL_NEXT}"), " โรงพยาบาล "),
    (re.compile(f"{_WORD_START}จ\\."), " จังหวัด "),
    (re.compile(f"{_WORD_START}อ\\."), " อำเภอ "),
    (re.compile(f"{_WORD_START}ต\\."), " ตำบล "),
    (re.compile(r"\bhosp\b\.?"), " hospital "),
)


class Kind(IntEnum):
    """What a name says the place is; also the order in which equal matches are shown."""

    HOSPITAL = 0
    HEALTH_PROMOTING = 1  # โรงพยาบาลส่งเสริมสุขภาพตำบล (รพ.สต.), ~10,000 of them
    OTHER = 2


RPST = "โรงพยาบาลส่งเสริมสุขภาพตำบล"
HOSPITAL = "โรงพยาบาล"
# Longest first, so that รพ.สต. is not taken for a hospital called "ส่งเสริม...".
GENERIC_PREFIXES: tuple[tuple[str, Kind], ...] = (
    (RPST, Kind.HEALTH_PROMOTING),
    (HOSPITAL, Kind.HOSPITAL),
)
GENERIC_WORDS: dict[str, Kind] = {
    RPST: Kind.HEALTH_PROMOTING,
    HOSPITAL: Kind.HOSPITAL,
    "hospital": Kind.HOSPITAL,
}
# Words that only say "the next word is a place": not part of any name.
PLACE_MARKERS = ("จังหวัด", "อำเภอ", "ตำบล", "province", "district")

# Sound-alike letters and marks, folded for fuzzy matching. Patients spell by ear.
_FOLD = str.maketrans(
    {
        **dict.fromkeys("ฐฑฒถธ", "ท"),
        "ฏ": "ต",
        "ฎ": "ด",
        **dict.fromkeys("ซศษ", "ส"),
        **dict.fromkeys("ฃคฅฆ", "ข"),
        **dict.fromkeys("ผภ", "พ"),
        "ฝ": "ฟ",
        **dict.fromkeys("ฉฌ", "ช"),
        "ญ": "ย",
        "ณ": "น",
        "ฬ": "ล",
        "ฮ": "ห",
        "ใ": "ไ",
        "\u0e35": "\u0e34",  # ี -> ิ
        "\u0e37": "\u0e36",  # ื -> ึ
        "\u0e39": "\u0e38",  # ู -> ุ
        **dict.fromkeys("\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e", None),
    }
)


def normalize(text: str) -> str:
    """The text with every invisible or typing-order difference removed (not punctuation)."""
    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text)).casefold()
    text = _MARK_RUN.sub(_reorder_marks, text)
    # Nikhahit + sara aa is how ำ looks on some keyboards; two sara e is how แ is typed.
    text = text.replace("\u0e4d\u0e32", "\u0e33").replace("\u0e40\u0e40", "\u0e41")
    return _SPACES.sub(" ", text).strip()


def tidy(text: str) -> str:
    """`text` fit to store: NFC, no invisible characters, single spaces, case kept."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", _INVISIBLE.sub("", text))).strip()


def expand_abbreviations(text: str) -> str:
    """`normalize`d text with Thai abbreviations spelled out, separated by spaces."""
    for pattern, replacement in _ABBREVIATIONS:
        text = pattern.sub(replacement, text)
    return text


def words(text: str) -> list[str]:
    """`text` normalised, abbreviations expanded, split into words (punctuation dropped)."""
    return _SEPARATORS.sub(" ", expand_abbreviations(normalize(text))).split()


_LEADING_VOWEL = re.compile("([\u0e40-\u0e44])([\u0e01-\u0e2e])")


def sort_key(text: str) -> str:
    """`text` for sorting in Thai dictionary order, near enough: Thai sorts "เชียงใหม่"
    under ช, but code points put every leading vowel (เ แ โ ใ ไ) after all consonants."""
    return _LEADING_VOWEL.sub(_swap, text)


def _swap(match: re.Match[str]) -> str:
    return match.group(2) + match.group(1)


def fold(text: str) -> str:
    """A spelling-blind key of `normalize`d text, for fuzzy comparison only."""
    return text.translate(_FOLD)


def split_generic(compact: str, *, forgiving: bool = False) -> tuple[Kind | None, str]:
    """(kind, the rest) when `compact` starts with a generic word such as โรงพยาบาล.

    `forgiving`: a generic word typed with a slip or two ("โรงพยบาล") still counts.
    """
    for generic, kind in GENERIC_PREFIXES:
        if compact.startswith(generic):
            return kind, compact[len(generic) :]
    if not forgiving:
        return None, compact
    for generic, kind in GENERIC_PREFIXES:
        slips = 1 if len(generic) < 15 else 3
        best: tuple[int, int] | None = None  # (distance, -length): fewest slips, then longest
        for length in range(len(generic) - slips, min(len(generic) + slips, len(compact)) + 1):
            distance = levenshtein(compact[:length], generic, slips)
            if distance <= slips and (best is None or (distance, -length) < best):
                best = (distance, -length)
        if best is not None:
            return kind, compact[-best[1] :]
    return None, compact


def levenshtein(a: str, b: str, limit: int) -> int:
    """Edit distance between `a` and `b`, or `limit + 1` as soon as it must exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return min(previous[-1], limit + 1)


def substring_distance(pattern: str, text: str) -> int:
    """Fewest edits that turn `pattern` into some substring of `text`.

    Myers' bit-parallel algorithm (J. ACM 46(3), 1999): one pass over `text` with the
    pattern's columns packed in an integer, so checking thousands of names per query stays
    in the low milliseconds in pure Python.
    """
    m = len(pattern)
    if m == 0:
        return 0
    masks: dict[str, int] = {}
    for i, char in enumerate(pattern):
        masks[char] = masks.get(char, 0) | (1 << i)
    full = (1 << m) - 1
    high = 1 << (m - 1)
    positive, negative, score = full, 0, m
    best = m
    for char in text:
        eq = masks.get(char, 0)
        xv = eq | negative
        xh = ((((eq & positive) + positive) & full) ^ positive) | eq
        h_positive = (negative | ~(xh | positive)) & full
        h_negative = positive & xh
        if h_positive & high:
            score += 1
        elif h_negative & high:
            score -= 1
        # Shifting in 0 (not 1) lets a match start anywhere in `text`.
        h_positive = (h_positive << 1) & full
        h_negative = (h_negative << 1) & full
        positive = (h_negative | ~(xv | h_positive)) & full
        negative = h_positive & xv
        if score < best:
            best = score
    return best
