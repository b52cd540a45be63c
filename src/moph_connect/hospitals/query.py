"""What a patient's search text asks for: a kind of hospital, a name, maybe a place. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from moph_connect.hospitals.thai import GENERIC_WORDS, PLACE_MARKERS, Kind, split_generic, words

MAX_QUERY_CHARS = 200  # the name column's length: nothing longer can be a name


@dataclass(frozen=True, slots=True)
class Query:
    kind: Kind | None  # the patient asked for this kind ("รพ.สต. ...")
    core: str  # the rest, without spaces
    words: tuple[str, ...]  # the rest, word by word


def parse_query(text: str) -> Query | None:
    """The query's kind and core, or None when it cannot match anything (empty, emoji...)."""
    if len(text) > 4 * MAX_QUERY_CHARS:
        return None  # not worth normalising; no name is that long
    found = words(text)
    if not found or sum(map(len, found)) > MAX_QUERY_CHARS:
        return None
    kind, rest = split_kind(found, query=True)
    return Query(kind, "".join(rest), tuple(rest))


def split_kind(found: list[str], *, query: bool) -> tuple[Kind | None, list[str]]:
    """The kind the words name (โรงพยาบาล, รพ.สต., hospital) and the words without it.

    For a query, a mistyped generic word still counts and place markers (จังหวัด, อำเภอ)
    are dropped; a stored name is taken as it is.
    """
    if query:
        found = [_without_marker(w) for w in found if w not in PLACE_MARKERS]
    kind, rest = split_generic("".join(found), forgiving=query)
    kept = _drop_leading(found, sum(map(len, found)) - len(rest))
    for word in kept:  # "Siriraj Hospital", "ศิริราช โรงพยาบาล"
        if word in GENERIC_WORDS and kind is None:
            kind = GENERIC_WORDS[word]
    return kind, [w for w in kept if w not in GENERIC_WORDS]


def allowed_slips(length: int) -> int:
    """Edits forgiven in a query of `length` characters (Thai marks count as characters)."""
    if length <= 3:
        return 0
    if length <= 8:
        return 1
    if length <= 14:
        return 2
    return 3


def _without_marker(word: str) -> str:
    for marker in PLACE_MARKERS:
        if word.startswith(marker) and len(word) > len(marker):
            return word[len(marker) :]
    return word


def _drop_leading(found: list[str], count: int) -> list[str]:
    """`found` without its first `count` characters (counted across words)."""
    kept: list[str] = []
    for word in found:
        if count >= len(word):
            count -= len(word)
            continue
        kept.append(word[count:])
        count = 0
    return kept
