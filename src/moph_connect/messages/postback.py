"""Postback data: what a button sends back to our webhook when a patient taps it.

The data is visible to, and can be forged by, anyone who can post to the webhook, so
`parse_postback` accepts only the exact strings our builders produce and returns None
for everything else (unknown actions, missing or repeated fields, extra fields, scores
out of range, odd encodings, over-long values). Identifiers are restricted to the
characters URLs never escape, so the data is always the plain form
`action=survey&token=<token>&score=<n>` and needs no decoding.

| data                                      | meaning                                   |
|-------------------------------------------|-------------------------------------------|
| `action=book`                             | book a hospital queue (find a hospital)   |
| `action=pick&hospital=<id>`               | this hospital: send the booking link      |
| `action=appointments`                     | my upcoming appointments                  |
| `action=nearby`                           | hospitals near me: ask for her location   |
| `action=help`                             | help and privacy                          |
| `action=privacy`                          | the full privacy notice                   |
| `action=consent&version=<v>`              | she accepts privacy notice version v      |
| `action=erase`                            | delete my data (asks for confirmation)    |
| `action=erase_confirm&nonce=<n>`          | yes, delete (n: the question's nonce)     |
| `action=erase_cancel`                     | no, keep my data                          |
| `action=survey&token=<t>&score=<1-5>`     | satisfaction score                        |
| `action=skip&token=<t>`                   | no comment for survey t                   |
| `action=recommend&token=<t>&score=<0-10>` | how likely she is to recommend us         |
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
RECOMMEND_MIN: Final = 0
RECOMMEND_MAX: Final = 10
VERSION_MAX: Final = 16

# RFC 3986 "unreserved" characters: never percent-encoded, so build and parse agree.
_ID = re.compile(rf"[A-Za-z0-9._~-]{{1,{ID_MAX}}}")
_VERSION = re.compile(rf"[A-Za-z0-9.-]{{1,{VERSION_MAX}}}")
_SCORES: Final = {str(n): n for n in range(SCORE_MIN, SCORE_MAX + 1)}
_RECOMMEND: Final = {str(n): n for n in range(RECOMMEND_MIN, RECOMMEND_MAX + 1)}


@dataclass(frozen=True)
class BookAction:
    """The patient wants to book a hospital queue."""


@dataclass(frozen=True)
class PickAction:
    """The patient picked a hospital from the list."""

    hospital_id: str


@dataclass(frozen=True)
class AppointmentsAction:
    """The patient wants to see her upcoming appointments."""


@dataclass(frozen=True)
class NearbyAction:
    """The patient wants hospitals near her: we ask her to share her location."""


@dataclass(frozen=True)
class HelpAction:
    """Help and privacy."""


@dataclass(frozen=True)
class PrivacyAction:
    """The full privacy notice."""


@dataclass(frozen=True)
class ConsentAction:
    """The patient accepts the privacy notice of this version."""

    version: str


@dataclass(frozen=True)
class EraseAction:
    """The patient asks us to delete her data (we ask her to confirm)."""


@dataclass(frozen=True)
class EraseConfirmAction:
    """Yes, delete my data; `nonce` names the question she answers."""

    nonce: str


@dataclass(frozen=True)
class EraseCancelAction:
    """No, keep my data."""


@dataclass(frozen=True)
class SurveyAction:
    """The patient answered a satisfaction survey."""

    token: str
    score: int


@dataclass(frozen=True)
class SkipCommentAction:
    """The patient has no comment for the survey."""

    token: str


@dataclass(frozen=True)
class RecommendAction:
    """How likely the patient is to recommend MOPH Connect, 0-10."""

    token: str
    score: int


PostbackAction = (
    BookAction
    | PickAction
    | AppointmentsAction
    | NearbyAction
    | HelpAction
    | PrivacyAction
    | ConsentAction
    | EraseAction
    | EraseConfirmAction
    | EraseCancelAction
    | SurveyAction
    | SkipCommentAction
    | RecommendAction
)

# Actions without fields, by their `action=` name.
_PLAIN: Final[dict[str, PostbackAction]] = {
    "book": BookAction(),
    "appointments": AppointmentsAction(),
    "nearby": NearbyAction(),
    "help": HelpAction(),
    "privacy": PrivacyAction(),
    "erase": EraseAction(),
    "erase_cancel": EraseCancelAction(),
}
_PLAIN_NAMES: Final = {type(action): name for name, action in _PLAIN.items()}


def is_valid_id(value: str) -> bool:
    """Whether `value` can travel as a hospital id, survey token or nonce in postback data."""
    return _ID.fullmatch(value) is not None


def is_valid_version(value: str) -> bool:
    return _VERSION.fullmatch(value) is not None


def _require_id(kind: str, value: str) -> str:
    if not is_valid_id(value):
        raise ValueError(f"{kind} must be 1-{ID_MAX} of A-Z a-z 0-9 . _ ~ -, got {value!r}")
    return value


def _require_score(value: int, low: int, high: int) -> str:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"score must be {low}-{high}, got {value!r}")
    return str(value)


def build_book() -> str:
    return "action=book"


def build_pick(hospital_id: str) -> str:
    return urlencode({"action": "pick", "hospital": _require_id("hospital_id", hospital_id)})


def build_survey(token: str, score: int) -> str:
    _require_id("survey token", token)
    return urlencode(
        {"action": "survey", "token": token, "score": _require_score(score, SCORE_MIN, SCORE_MAX)}
    )


def build_recommend(token: str, score: int) -> str:
    _require_id("survey token", token)
    score_text = _require_score(score, RECOMMEND_MIN, RECOMMEND_MAX)
    return urlencode({"action": "recommend", "token": token, "score": score_text})


def build_skip_comment(token: str) -> str:
    return urlencode({"action": "skip", "token": _require_id("survey token", token)})


def build_consent(version: str) -> str:
    if not is_valid_version(version):
        raise ValueError(f"version must be 1-{VERSION_MAX} of A-Z a-z 0-9 . -, got {version!r}")
    return urlencode({"action": "consent", "version": version})


def build_erase_confirm(nonce: str) -> str:
    return urlencode({"action": "erase_confirm", "nonce": _require_id("nonce", nonce)})


def build(action: PostbackAction) -> str:
    """The data of any action (the inverse of `parse_postback`)."""
    match action:
        case PickAction(hospital_id=hospital_id):
            return build_pick(hospital_id)
        case SurveyAction(token=token, score=score):
            return build_survey(token, score)
        case RecommendAction(token=token, score=score):
            return build_recommend(token, score)
        case SkipCommentAction(token=token):
            return build_skip_comment(token)
        case ConsentAction(version=version):
            return build_consent(version)
        case EraseConfirmAction(nonce=nonce):
            return build_erase_confirm(nonce)
    return f"action={_PLAIN_NAMES[type(action)]}"


def _interpret(fields: dict[str, str]) -> PostbackAction | None:
    match fields:
        case {"action": str(name), **rest} if not rest and name in _PLAIN:
            return _PLAIN[name]
        case {"action": "pick", "hospital": hospital_id, **rest} if not rest:
            return PickAction(hospital_id) if is_valid_id(hospital_id) else None
        case {"action": "survey", "token": token, "score": score, **rest} if not rest:
            if not is_valid_id(token) or score not in _SCORES:
                return None
            return SurveyAction(token, _SCORES[score])
        case {"action": "recommend", "token": token, "score": score, **rest} if not rest:
            if not is_valid_id(token) or score not in _RECOMMEND:
                return None
            return RecommendAction(token, _RECOMMEND[score])
        case {"action": "skip", "token": token, **rest} if not rest:
            return SkipCommentAction(token) if is_valid_id(token) else None
        case {"action": "consent", "version": version, **rest} if not rest:
            return ConsentAction(version) if is_valid_version(version) else None
        case {"action": "erase_confirm", "nonce": nonce, **rest} if not rest:
            return EraseConfirmAction(nonce) if is_valid_id(nonce) else None
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
    return action if build(action) == data else None
