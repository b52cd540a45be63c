"""The satisfaction survey as a short conversation.

She taps 1-5 on the survey card → thanks, and "anything to add?" (typed text is the
comment, "skip" skips) → "would you recommend MOPH Connect?" 0-10 → thanks. Each answer
is kept once: a second tap keeps the first answer and says so. A survey left unanswered
for `ChatbotConfig.survey_expiry` after it was planned is closed. Comments are patient
text: stored, never logged.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

from moph_connect import messages
from moph_connect.chatbot.turn import Message, Turn
from moph_connect.db.models import Survey
from moph_connect.messages import COMMENT_MAX
from moph_connect.messages._text import clip


def _expires_at(turn: Turn, survey: Survey) -> datetime:
    return survey.expires_at or survey.created_at + turn.config.survey_expiry


def _hers(turn: Turn, token: str) -> Survey | None:
    """Her survey with this token, or None (unknown, another user's, another channel's,
    or anonymous since its patient had her data deleted)."""
    found = turn.appointments.survey_owner(token)
    if found is None:
        return None
    survey, owner = found
    if owner != turn.user.id or survey.environment != turn.environment:
        return None
    return survey


def tidy_comment(text: str) -> str:
    """A comment as stored: control characters dropped (line breaks kept), ends trimmed,
    at most 500 characters."""
    kept = "".join(ch for ch in text if ch == "\n" or not unicodedata.category(ch).startswith("C"))
    return clip(kept.strip(), COMMENT_MAX) if kept.strip() else ""


def score(turn: Turn, token: str, value: int) -> list[Message]:
    survey = _hers(turn, token)
    if survey is None:
        return [messages.survey_unknown(turn.lang)]
    if survey.score is not None:
        return [messages.survey_already_answered(survey.score, turn.lang)]
    if turn.now > _expires_at(turn, survey):
        return [messages.survey_expired(turn.lang)]
    survey.score = value
    survey.answered_at = turn.now
    turn.ask("survey_comment", survey.token)
    return [messages.survey_thanks(value, survey.token, turn.lang)]


def comment(turn: Turn, token: str, text: str) -> list[Message]:
    """Typed text while we wait for her comment."""
    survey = _hers(turn, token)
    if survey is None or survey.score is None:
        turn.forget_question()
        return [messages.survey_unknown(turn.lang)]
    tidy = tidy_comment(text)
    if survey.comment is None and tidy:
        survey.comment = tidy
    return _ask_recommend(turn, survey)


def comment_not_text(turn: Turn, token: str) -> list[Message]:
    """A sticker or picture while we wait for her comment: ask again."""
    return [messages.comment_again(token, turn.lang)]


def skip(turn: Turn, token: str) -> list[Message]:
    survey = _hers(turn, token)
    if survey is None or survey.score is None:
        return [messages.survey_unknown(turn.lang)]
    if survey.recommend is not None:
        return [messages.recommend_already_answered(turn.lang)]
    return _ask_recommend(turn, survey)


def _ask_recommend(turn: Turn, survey: Survey) -> list[Message]:
    turn.ask("survey_recommend", survey.token)
    return [messages.recommend_question(survey.token, turn.lang)]


def recommend(turn: Turn, token: str, value: int) -> list[Message]:
    survey = _hers(turn, token)
    if survey is None or survey.score is None:
        return [messages.survey_unknown(turn.lang)]
    question = turn.question("survey_recommend")
    if question is not None and question.token == token:
        turn.forget_question()
    if survey.recommend is not None:
        return [messages.recommend_already_answered(turn.lang)]
    survey.recommend = value
    return [messages.survey_finished(turn.lang)]
