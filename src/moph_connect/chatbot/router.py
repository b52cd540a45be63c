"""Which flow answers an event: typed text, a shared location, a tapped button, or
anything else (stickers, pictures, files: a short helpful answer with the menu).

A question the bot asked (a survey comment, a confirmation) is answered first; every
other action leaves it behind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from moph_connect import messages
from moph_connect.chatbot import appointments_view, booking, privacy, survey
from moph_connect.chatbot.commands import Command, command_of
from moph_connect.chatbot.events import Incoming
from moph_connect.chatbot.turn import Message, Turn
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
    parse_postback,
)


def _help(turn: Turn) -> list[Message]:
    turn.forget_question()
    return [messages.help_message(turn.lang)]


def _not_understood(turn: Turn) -> list[Message]:
    return [messages.not_understood(turn.lang)]


_COMMANDS: Final[dict[Command, Callable[[Turn], list[Message]]]] = {
    Command.BOOK: booking.start,
    Command.APPOINTMENTS: appointments_view.show,
    Command.NEARBY: booking.ask_location,
    Command.HELP: _help,
    Command.PRIVACY: privacy.notice,
    Command.ERASE: privacy.ask_erase,
    Command.SKIP: _not_understood,
}


def route(turn: Turn, incoming: Incoming) -> list[Message]:
    if incoming.kind == "postback":
        data = incoming.postback_data
        return postback(turn, parse_postback(data) if data is not None else None)
    if incoming.kind == "message":
        return _message(turn, incoming)
    return []  # read receipts, unsends, ...: nothing to say


def _message(turn: Turn, incoming: Incoming) -> list[Message]:
    awaiting_comment = turn.question("survey_comment")
    if incoming.text is not None:
        command = command_of(incoming.text)
        if awaiting_comment is not None and command is not Command.ERASE:
            if command is Command.SKIP:
                return survey.skip(turn, awaiting_comment.token)
            return survey.comment(turn, awaiting_comment.token, incoming.text)
        if command is not None:
            return _COMMANDS[command](turn)
        return booking.search(turn, incoming.text)
    if incoming.latitude is not None and incoming.longitude is not None:
        return booking.nearby(turn, incoming.latitude, incoming.longitude)
    if awaiting_comment is not None:
        return survey.comment_not_text(turn, awaiting_comment.token)
    return _not_understood(turn)  # stickers, pictures, video, audio, files


def postback(turn: Turn, action: PostbackAction | None) -> list[Message]:
    match action:
        case BookAction():
            return booking.start(turn)
        case PickAction(hospital_id=hospital_id):
            return booking.pick(turn, hospital_id)
        case AppointmentsAction():
            return appointments_view.show(turn)
        case NearbyAction():
            return booking.ask_location(turn)
        case HelpAction():
            return _help(turn)
        case PrivacyAction():
            return privacy.details(turn)
        case ConsentAction(version=version):
            return privacy.accept(turn, version)
        case EraseAction():
            return privacy.ask_erase(turn)
        case EraseConfirmAction(nonce=nonce):
            return privacy.confirm_erase(turn, nonce)
        case EraseCancelAction():
            return privacy.cancel_erase(turn)
        case SurveyAction(token=token, score=score):
            return survey.score(turn, token, score)
        case SkipCommentAction(token=token):
            return survey.skip(turn, token)
        case RecommendAction(token=token, score=score):
            return survey.recommend(turn, token, score)
    return _not_understood(turn)  # unknown or forged data
