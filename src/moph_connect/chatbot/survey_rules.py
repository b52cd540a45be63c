"""The satisfaction survey's rules, as pure functions of (survey, answer) → (survey as it
is to be stored, what to reply, which question to wait on next).

She taps 1-5 → thanks, and "anything to add?" (typed text is the comment, "skip" skips)
→ "would you recommend MOPH Connect?" 0-10 → thanks. Each answer is kept once: a second
tap keeps the first answer and says so. A survey not scored by its expiry is closed.
`chatbot/survey.py` loads the survey, applies the decision and builds the messages.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from moph_connect.chatbot.conversation import Awaiting
from moph_connect.messages import COMMENT_MAX
from moph_connect.messages._text import clip

Reply = Literal[
    "unknown",  # not her survey (or gone): say so
    "already_answered",  # scored before: the first score stands
    "expired",
    "thanks",  # scored now; asks for a comment
    "ask_recommend",
    "recommend_already_answered",
    "finished",
]


@dataclass(frozen=True)
class SurveyState:
    score: int | None
    comment: str | None
    recommend: int | None
    expires_at: datetime


@dataclass(frozen=True)
class Decision:
    reply: Reply
    survey: SurveyState | None  # as it is to be stored (None: no survey of hers)
    ask: Awaiting | None = None  # the question to wait on next
    forget: bool = False  # stop waiting on the current question


def expires_at(stored: datetime | None, created_at: datetime, expiry: timedelta) -> datetime:
    """When a survey closes: as planned, or (rows from before that was stored) its
    creation plus the configured expiry."""
    return stored or created_at + expiry


def tidy_comment(text: str) -> str:
    """A comment as stored: control characters dropped (line breaks kept), ends trimmed,
    at most 500 characters."""
    kept = "".join(ch for ch in text if ch == "\n" or not unicodedata.category(ch).startswith("C"))
    return clip(kept.strip(), COMMENT_MAX) if kept.strip() else ""


def on_score(survey: SurveyState | None, value: int, now: datetime) -> Decision:
    if survey is None:
        return Decision("unknown", None)
    if survey.score is not None:
        return Decision("already_answered", survey)
    if now > survey.expires_at:
        return Decision("expired", survey)
    return Decision("thanks", replace(survey, score=value), ask="survey_comment")


def on_comment(survey: SurveyState | None, text: str) -> Decision:
    """Typed text while the bot waits for her comment; the first comment stands."""
    if survey is None or survey.score is None:
        return Decision("unknown", survey, forget=True)
    tidy = tidy_comment(text)
    kept = replace(survey, comment=tidy) if survey.comment is None and tidy else survey
    return Decision("ask_recommend", kept, ask="survey_recommend")


def on_skip(survey: SurveyState | None) -> Decision:
    if survey is None or survey.score is None:
        return Decision("unknown", survey)
    if survey.recommend is not None:
        return Decision("recommend_already_answered", survey)
    return Decision("ask_recommend", survey, ask="survey_recommend")


def on_recommend(survey: SurveyState | None, value: int, *, asked_now: bool) -> Decision:
    """`asked_now`: the bot is waiting on this survey's recommendation question (it is
    then answered, whatever the reply)."""
    if survey is None or survey.score is None:
        return Decision("unknown", survey)
    if survey.recommend is not None:
        return Decision("recommend_already_answered", survey, forget=asked_now)
    return Decision("finished", replace(survey, recommend=value), forget=asked_now)
