"""Runs the step that answers an event: `routing.decide` chooses it (pure), the flows
(`booking`, `appointments_view`, `privacy`, `survey`) do it within the turn."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from moph_connect import messages
from moph_connect.chatbot import appointments_view, booking, privacy, survey
from moph_connect.chatbot.events import Incoming
from moph_connect.chatbot.routing import Route, Step, decide
from moph_connect.chatbot.turn import Message, Turn


def _help(turn: Turn, _route: Route) -> list[Message]:
    turn.forget_question()
    return [messages.help_message(turn.lang)]


_STEPS: Final[dict[Step, Callable[[Turn, Route], list[Message]]]] = {
    "nothing": lambda _turn, _route: [],
    "not_understood": lambda turn, _route: [messages.not_understood(turn.lang)],
    "book": lambda turn, _route: booking.start(turn),
    "search": lambda turn, route: booking.search(turn, route.text),
    "pick": lambda turn, route: booking.pick(turn, route.token),
    "appointments": lambda turn, _route: appointments_view.show(turn),
    "ask_location": lambda turn, _route: booking.ask_location(turn),
    "nearby": lambda turn, route: booking.nearby(turn, route.latitude, route.longitude),
    "help": _help,
    "privacy_notice": lambda turn, _route: privacy.notice(turn),
    "privacy_details": lambda turn, _route: privacy.details(turn),
    "consent": lambda turn, route: privacy.accept(turn, route.token),
    "erase_ask": lambda turn, _route: privacy.ask_erase(turn),
    "erase_confirm": lambda turn, route: privacy.confirm_erase(turn, route.token),
    "erase_cancel": lambda turn, _route: privacy.cancel_erase(turn),
    "survey_score": lambda turn, route: survey.score(turn, route.token, route.score),
    "survey_comment": lambda turn, route: survey.comment(turn, route.token, route.text),
    "survey_comment_not_text": lambda turn, route: survey.comment_not_text(turn, route.token),
    "survey_skip": lambda turn, route: survey.skip(turn, route.token),
    "survey_recommend": lambda turn, route: survey.recommend(turn, route.token, route.score),
}


def route(turn: Turn, incoming: Incoming) -> list[Message]:
    awaiting = turn.question("survey_comment")
    chosen = decide(incoming, awaiting.token if awaiting is not None else None)
    return _STEPS[chosen.step](turn, chosen)
