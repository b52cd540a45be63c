from __future__ import annotations

import secrets
from typing import Any

import pytest

from moph_connect.messages import (
    AppointmentsAction,
    BookAction,
    ConsentAction,
    EraseAction,
    EraseCancelAction,
    EraseConfirmAction,
    HelpAction,
    NearbyAction,
    PickAction,
    PostbackAction,
    PrivacyAction,
    RecommendAction,
    SkipCommentAction,
    SurveyAction,
    build_book,
    build_pick,
    build_survey,
    parse_postback,
)
from moph_connect.messages.postback import (
    build,
    build_consent,
    build_erase_confirm,
    build_recommend,
    build_skip_comment,
)

TOKEN = secrets.token_urlsafe(48)  # 64 characters, the longest allowed


def test_exact_formats() -> None:
    assert build_book() == "action=book"
    assert build_pick("10661") == "action=pick&hospital=10661"
    assert build_survey("abc_DEF-1", 5) == "action=survey&token=abc_DEF-1&score=5"


@pytest.mark.parametrize(
    ("data", "action"),
    [
        (build_book(), BookAction()),
        (build_pick("pth"), PickAction("pth")),
        (build_pick("10661"), PickAction("10661")),
        (build_pick("h.a_b~c-d"), PickAction("h.a_b~c-d")),
        (build_pick("x" * 64), PickAction("x" * 64)),
        # Ids without the random token: every pytest-xdist worker must collect the same.
        *[
            pytest.param(build_survey(TOKEN, n), SurveyAction(TOKEN, n), id=f"survey-64-{n}")
            for n in range(1, 6)
        ],
        (build_survey("t", 3), SurveyAction("t", 3)),
    ],
)
def test_round_trip(data: str, action: PostbackAction) -> None:
    assert len(data) <= 300
    assert parse_postback(data) == action


FORGED = [
    "",
    "action",
    "=book",
    "action=",
    "action=BOOK",
    "action=book&",
    "&action=book",
    "?action=book",
    "action=book#",
    "action=book\n",
    " action=book",
    "action=book&x=1",
    "action=book&action=book",
    "action=nope",
    "action=pick",
    "action=pick&hospital=",
    "action=pick&hospital=a b",
    "action=pick&hospital=a+b",
    "action=pick&hospital=a%20b",
    "action=pick&hospital=%61",  # "a", but not as we write it
    "action=pick&hospital=ก",
    "action=pick&hospital=" + "x" * 65,
    "hospital=pth&action=pick",
    "action=pick&hospital=pth&hospital=evil",
    "action=pick&hospital=pth&score=5",
    "action=pick;hospital=pth",
    "action=survey&token=abc",
    "action=survey&score=5",
    "action=survey&token=&score=5",
    "action=survey&token=abc&score=0",
    "action=survey&token=abc&score=6",
    "action=survey&token=abc&score=-1",
    "action=survey&token=abc&score=05",
    "action=survey&token=abc&score=+5",
    "action=survey&token=abc&score=%35",
    "action=survey&token=abc&score=5.0",
    "action=survey&token=abc&score=five",
    "action=survey&token=abc&score=",
    "action=survey&token=abc&score=5&score=1",
    "action=survey&token=abc&score=5&extra=1",
    "action=survey&score=5&token=abc",
    "action=survey&token=" + "t" * 65 + "&score=5",
    "action=survey&token=a/b&score=5",
    "action=survey&token=a%2Fb&score=5",
    "action=survey&token=abc&score=５",  # full-width digit
    "action=survey&token=abc&score=٥",  # Arabic-Indic five
    "action=book" + "&x=1" * 80,  # over 300 characters
]


@pytest.mark.parametrize("data", FORGED)
def test_forged_or_malformed_data_is_refused(data: str) -> None:
    assert parse_postback(data) is None


@pytest.mark.parametrize(
    "hospital_id", ["", "a b", "a&b", "a=b", "โรงพยาบาล", "x" * 65, "a/b", "a%b", "a\nb"]
)
def test_build_pick_refuses_unsafe_ids(hospital_id: str) -> None:
    with pytest.raises(ValueError, match="hospital_id"):
        build_pick(hospital_id)


@pytest.mark.parametrize(("token", "score"), [("", 3), ("a&score=1", 3), ("t" * 65, 3)])
def test_build_survey_refuses_unsafe_tokens(token: str, score: int) -> None:
    with pytest.raises(ValueError, match="token"):
        build_survey(token, score)


@pytest.mark.parametrize("score", [0, 6, -1, True, False])
def test_build_survey_refuses_bad_scores(score: int) -> None:
    with pytest.raises(ValueError, match="score"):
        build_survey("abc", score)


NEW_ACTIONS: list[tuple[str, PostbackAction]] = [
    ("action=appointments", AppointmentsAction()),
    ("action=nearby", NearbyAction()),
    ("action=help", HelpAction()),
    ("action=privacy", PrivacyAction()),
    ("action=erase", EraseAction()),
    ("action=erase_cancel", EraseCancelAction()),
    ("action=erase_confirm&nonce=AbC-_9", EraseConfirmAction("AbC-_9")),
    ("action=consent&version=2026-11", ConsentAction("2026-11")),
    ("action=skip&token=t.k", SkipCommentAction("t.k")),
    *[(f"action=recommend&token=t&score={n}", RecommendAction("t", n)) for n in range(11)],
]


@pytest.mark.parametrize(("data", "action"), NEW_ACTIONS)
def test_conversation_actions_round_trip(data: str, action: PostbackAction) -> None:
    assert build(action) == data
    assert parse_postback(data) == action


@pytest.mark.parametrize(
    "data",
    [
        "action=appointments&x=1",
        "action=erase_confirm",
        "action=erase_confirm&nonce=",
        "action=erase_confirm&nonce=a%20b",
        "action=erase_confirm&nonce=" + "a" * 65,
        "action=consent",
        "action=consent&version=2026_11",
        "action=consent&version=" + "1" * 17,
        "action=skip",
        "action=skip&token=t&score=1",
        "action=recommend&token=t&score=-1",
        "action=recommend&token=t&score=11",
        "action=recommend&token=t&score=05",
        "action=recommend&score=5&token=t",
        "action=survey&token=t&score=0",
        "action=Erase",
        "action=help&action=help",
    ],
)
def test_conversation_actions_forged(data: str) -> None:
    assert parse_postback(data) is None


@pytest.mark.parametrize(
    ("builder", "bad"),
    [
        (lambda: build_recommend("t", 11), "score"),
        (lambda: build_recommend("t", True), "score"),
        (lambda: build_recommend("a b", 1), "token"),
        (lambda: build_consent("2026 11"), "version"),
        (lambda: build_erase_confirm(""), "nonce"),
        (lambda: build_skip_comment("&"), "token"),
    ],
)
def test_builders_refuse_what_cannot_travel(builder: Any, bad: str) -> None:
    with pytest.raises(ValueError, match=bad):
        builder()
