"""The survey's rules as a table: (survey, answer) → (survey as stored, reply, question
next). Pure: no database, no HTTP (test_survey.py runs the conversation on the stack)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from moph_connect.chatbot.survey_rules import (
    Decision,
    SurveyState,
    expires_at,
    on_comment,
    on_recommend,
    on_score,
    on_skip,
    tidy_comment,
)
from moph_connect.messages import COMMENT_MAX

NOW = datetime(2018, 5, 1, 5, 0, tzinfo=UTC)
CLOSES = NOW + timedelta(days=6)
FRESH = SurveyState(score=None, comment=None, recommend=None, expires_at=CLOSES)
SCORED = SurveyState(score=4, comment=None, recommend=None, expires_at=CLOSES)
COMMENTED = SurveyState(score=4, comment="ดีมาก", recommend=None, expires_at=CLOSES)
FINISHED = SurveyState(score=4, comment="ดีมาก", recommend=9, expires_at=CLOSES)


@pytest.mark.parametrize(
    ("survey", "value", "now", "expected"),
    [
        pytest.param(None, 5, NOW, Decision("unknown", None), id="not hers"),
        pytest.param(
            FRESH, 4, NOW, Decision("thanks", SCORED, ask="survey_comment"), id="first score"
        ),
        pytest.param(
            FRESH,
            1,
            CLOSES,
            Decision("thanks", SurveyState(1, None, None, CLOSES), ask="survey_comment"),
            id="at the expiry: still open",
        ),
        pytest.param(
            FRESH, 4, CLOSES + timedelta(seconds=1), Decision("expired", FRESH), id="expired"
        ),
        pytest.param(SCORED, 1, NOW, Decision("already_answered", SCORED), id="second tap"),
        pytest.param(
            SCORED,
            1,
            CLOSES + timedelta(days=1),
            Decision("already_answered", SCORED),
            id="second tap after the expiry",
        ),
    ],
)
def test_on_score(
    survey: SurveyState | None, value: int, now: datetime, expected: Decision
) -> None:
    assert on_score(survey, value, now) == expected


@pytest.mark.parametrize(
    ("survey", "text", "expected"),
    [
        pytest.param(None, "ดีมาก", Decision("unknown", None, forget=True), id="not hers"),
        pytest.param(FRESH, "ดีมาก", Decision("unknown", FRESH, forget=True), id="not scored"),
        pytest.param(
            SCORED,
            "ดีมาก",
            Decision("ask_recommend", COMMENTED, ask="survey_recommend"),
            id="the comment",
        ),
        pytest.param(
            SCORED,
            "  ดีมาก \x07 ",
            Decision("ask_recommend", COMMENTED, ask="survey_recommend"),
            id="tidied",
        ),
        pytest.param(
            SCORED,
            " \x00 ",
            Decision("ask_recommend", SCORED, ask="survey_recommend"),
            id="nothing left to keep",
        ),
        pytest.param(
            COMMENTED,
            "อีกครั้ง",
            Decision("ask_recommend", COMMENTED, ask="survey_recommend"),
            id="the first comment stands",
        ),
    ],
)
def test_on_comment(survey: SurveyState | None, text: str, expected: Decision) -> None:
    assert on_comment(survey, text) == expected


@pytest.mark.parametrize(
    ("survey", "expected"),
    [
        pytest.param(None, Decision("unknown", None), id="not hers"),
        pytest.param(FRESH, Decision("unknown", FRESH), id="not scored"),
        pytest.param(SCORED, Decision("ask_recommend", SCORED, ask="survey_recommend"), id="skip"),
        pytest.param(
            FINISHED, Decision("recommend_already_answered", FINISHED), id="already finished"
        ),
    ],
)
def test_on_skip(survey: SurveyState | None, expected: Decision) -> None:
    assert on_skip(survey) == expected


@pytest.mark.parametrize(
    ("survey", "value", "asked_now", "expected"),
    [
        pytest.param(None, 9, True, Decision("unknown", None), id="not hers"),
        pytest.param(FRESH, 9, True, Decision("unknown", FRESH), id="not scored"),
        pytest.param(
            COMMENTED, 9, True, Decision("finished", FINISHED, forget=True), id="answered"
        ),
        pytest.param(COMMENTED, 9, False, Decision("finished", FINISHED), id="from an older card"),
        pytest.param(
            FINISHED,
            2,
            True,
            Decision("recommend_already_answered", FINISHED, forget=True),
            id="the first answer stands",
        ),
    ],
)
def test_on_recommend(
    survey: SurveyState | None, value: int, asked_now: bool, expected: Decision
) -> None:
    assert on_recommend(survey, value, asked_now=asked_now) == expected


def test_expiry_is_as_planned_or_the_configured_days_after_planning() -> None:
    planned = NOW - timedelta(days=1)
    assert expires_at(CLOSES, planned, timedelta(days=7)) == CLOSES
    assert expires_at(None, planned, timedelta(days=7)) == planned + timedelta(days=7)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("ดีมาก", "ดีมาก"),
        ("  line one\nline two  ", "line one\nline two"),
        ("tab\there\x1b[31m", "tabhere[31m"),
        ("\u200b", ""),  # a zero-width space alone is nothing
        ("x" * (COMMENT_MAX + 50), None),  # clipped
    ],
)
def test_tidy_comment(text: str, stored: str | None) -> None:
    tidy = tidy_comment(text)
    if stored is None:
        assert len(tidy) <= COMMENT_MAX and tidy.startswith("x")
    else:
        assert tidy == stored
