"""Postback data: what a button sends back to our webhook when a patient taps it.

The data is visible to, and can be forged by, anyone who can post to the webhook, so
`parse_postback` accepts only the exact strings our builders produce and returns None
for everything else (unknown actions, missing or repeated fields, extra fields, scores
out of range, odd encodings, over-long values). Identifiers are restricted to the
characters URLs never escape, so the data is always the plain form
`action=survey&token=<token>&score=<n>` and needs no decoding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qsl, urlencode

POSTBACK_DATA_MAX: Final = 300  # LINE's limit
ID_MAX: Final = 64
SCORE_MIN: Final = 1
SCORE_MAX: Final = 5

# RFC 3986 "unreserved" characters: never percent-encoded, so build and parse agree.
_ID = re.compile(rf"[A-Za-z0-9._~-]{{1,{ID_MAX}}}")
_SCORES: Final = {str(n): n for n in range(SCORE_MIN, SCORE_MAX + 1)}


@dataclass(frozen=True)
class BookAction:
    """The patient wants to book a hospital queue."""


@dataclass(frozen=True)
class PickAction:
    """The patient picked a hospital from the list."""

    hospital_id: str


@dataclass(frozen=True)
class SurveyAction:
    """The patient answered a satisfaction survey."""

    token: str
    score: int


PostbackAction = BookAction | PickAction | SurveyAction


def is_valid_id(value: str) -> bool:
    """Whether `value` can travel as a hospital id or survey token in postback data."""
    return _ID.fullmatch(value) is not None


def _require_id(kind: str, value: str) -> str:
    if not is_valid_id(value):
        raise ValueError(f"{kind} must be 1-{ID_MAX} of A-Z a-z 0-9 . _ ~ -, got {value!r}")
    return value


def build_book() -> str:
    return "action=book"


def build_pick(hospital_id: str) -> str:
    return urlencode({"action": "pick", "hospital": _require_id("hospital_id", hospital_id)})


def build_survey(token: str, score: int) -> str:
    _require_id("survey token", token)
    if isinstance(score, bool) or not SCORE_MIN <= score <= SCORE_MAX:
        raise ValueError(f"score must be {SCORE_MIN}-{SCORE_MAX}, got {score!r}")
    return urlencode({"action": "survey", "token": token, "score": str(score)})


def _build(action: PostbackAction) -> str:
    match action:
        case BookAction():
            return build_book()
        case PickAction(hospital_id=hospital_id):
            return build_pick(hospital_id)
        case SurveyAction(token=token, score=score):
            return build_survey(token, score)


def _interpret(fields: dict[str, str]) -> PostbackAction | None:
    match fields:
        case {"action": "book", **rest} if not rest:
            return BookAction()
        case {"action": "pick", "hospital": hospital_id, **rest} if not rest:
            return PickAction(hospital_id) if is_valid_id(hospital_id) else None
        case {"action": "survey", "token": token, "score": score, **rest} if not rest:
            if not is_valid_id(token) or score not in _SCORES:
                return None
            return SurveyAction(token, _SCORES[score])
    return None


def parse_postback(data: str) -> PostbackAction | None:
    """The action `data` encodes, or None if it is not exactly what we would have built."""
    if not data or len(data) > POSTBACK_DATA_MAX or not data.isascii():
        return None
    try:
        pairs = parse_qsl(data, keep_blank_values=True, strict_parsing=True, max_num_fields=3)
    except ValueError:
        return None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        return None  # a repeated field: which one would we believe?
    action = _interpret(fields)
    if action is None:
        return None
    # Canonical form only: no reordering, percent-escapes or "+" for space.
    return action if _build(action) == data else None
