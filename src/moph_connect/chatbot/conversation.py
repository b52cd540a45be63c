"""The one question the bot may be waiting for her to answer, kept on `LineUser.conversation`.

    {"awaiting": "survey_comment", "token": "<survey token>", "since": "<ISO 8601 UTC>"}

An answer is only taken within a window after the question (`ChatbotConfig`); after it,
what she types is a new request. Whatever is stored that we cannot read is no question.

One other state is kept there, `NOTICE_OWED`: no question, but a notice to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Literal, get_args

Awaiting = Literal["survey_comment", "survey_recommend", "erase_confirm", "consent"]
_AWAITING: Final[dict[str, Awaiting]] = {name: name for name in get_args(Awaiting)}


# For a patient loaded from the MOPH Connect that ran before (`registrations import`) with
# no consent time: she follows the LINE account already, so no follow event will greet her
# with the privacy notice; her next chat shows it (`ChatbotService`), once.
NOTICE_OWED: Final[dict[str, Any]] = {"notice": "owed"}


def notice_owed(state: Any) -> bool:
    return isinstance(state, dict) and state.get("notice") == NOTICE_OWED["notice"]


@dataclass(frozen=True)
class Question:
    awaiting: Awaiting
    token: str  # the survey token, the erase nonce or the hospital picked before consent
    since: datetime

    def to_json(self) -> dict[str, Any]:
        return {"awaiting": self.awaiting, "token": self.token, "since": self.since.isoformat()}

    def open_at(self, now: datetime, window: timedelta) -> bool:
        return self.since <= now <= self.since + window


def read_question(state: Any) -> Question | None:
    if not isinstance(state, dict):
        return None
    awaiting = _AWAITING.get(str(state.get("awaiting")))
    token, since = state.get("token"), state.get("since")
    if awaiting is None or not isinstance(token, str) or not isinstance(since, str):
        return None
    try:
        when = datetime.fromisoformat(since)
    except ValueError:
        return None
    if when.tzinfo is None:
        return None
    return Question(awaiting, token, when)
