"""The satisfaction survey as a short conversation, on the pure rules of
`survey_rules.py`: this module finds her survey, stores what the rules decide and builds
the reply. A survey left unanswered for `ChatbotConfig.survey_expiry` after it was
planned is closed. Comments are patient text: stored, never logged.
"""

from __future__ import annotations

from moph_connect import messages
from moph_connect.chatbot.survey_rules import (
    Decision,
    SurveyState,
    expires_at,
    on_comment,
    on_recommend,
    on_score,
    on_skip,
)
from moph_connect.chatbot.turn import Message, Turn
from moph_connect.db.models import Survey


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


def _state(turn: Turn, survey: Survey | None) -> SurveyState | None:
    if survey is None:
        return None
    closes = expires_at(survey.expires_at, survey.created_at, turn.config.survey_expiry)
    return SurveyState(survey.score, survey.comment, survey.recommend, closes)


def _apply(turn: Turn, token: str, survey: Survey | None, decision: Decision) -> list[Message]:
    after = decision.survey
    if survey is not None and after is not None:
        if survey.score is None and after.score is not None:
            survey.score = after.score
            survey.answered_at = turn.now
        survey.comment = after.comment
        survey.recommend = after.recommend
    if decision.ask is not None:
        turn.ask(decision.ask, token)
    elif decision.forget:
        turn.forget_question()
    return [_reply(turn, token, decision)]


def _reply(turn: Turn, token: str, decision: Decision) -> Message:
    lang = turn.lang
    after = decision.survey
    match decision.reply:
        case "already_answered" if after is not None and after.score is not None:
            return messages.survey_already_answered(after.score, lang)
        case "expired":
            return messages.survey_expired(lang)
        case "thanks" if after is not None and after.score is not None:
            return messages.survey_thanks(after.score, token, lang)
        case "ask_recommend":
            return messages.recommend_question(token, lang)
        case "recommend_already_answered":
            return messages.recommend_already_answered(lang)
        case "finished":
            return messages.survey_finished(lang)
    return messages.survey_unknown(lang)


def score(turn: Turn, token: str, value: int) -> list[Message]:
    survey = _hers(turn, token)
    return _apply(turn, token, survey, on_score(_state(turn, survey), value, turn.now))


def comment(turn: Turn, token: str, text: str) -> list[Message]:
    """Typed text while we wait for her comment."""
    survey = _hers(turn, token)
    return _apply(turn, token, survey, on_comment(_state(turn, survey), text))


def comment_not_text(turn: Turn, token: str) -> list[Message]:
    """A sticker or picture while we wait for her comment: ask again."""
    return [messages.comment_again(token, turn.lang)]


def skip(turn: Turn, token: str) -> list[Message]:
    survey = _hers(turn, token)
    return _apply(turn, token, survey, on_skip(_state(turn, survey)))


def recommend(turn: Turn, token: str, value: int) -> list[Message]:
    survey = _hers(turn, token)
    question = turn.question("survey_recommend")
    asked_now = question is not None and question.token == token
    return _apply(
        turn, token, survey, on_recommend(_state(turn, survey), value, asked_now=asked_now)
    )
