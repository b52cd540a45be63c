"""Which step answers an event: a pure function of the event and the question the bot is
waiting on, so that every rule of the router is a table-driven unit test.

Typed text, a shared location, a tapped button, or anything else (stickers, pictures,
files: a short helpful answer with the menu). A survey comment the bot asked for is
answered first; every other action leaves it behind ("delete my data" is never taken as
a comment). `chatbot/router.py` runs the step it names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from moph_connect.chatbot.commands import Command, command_of
from moph_connect.chatbot.events import Incoming
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

Step = Literal[
    "nothing",  # not a message or a tap (read receipts, unsends, ...): no answer
    "not_understood",
    "book",
    "search",
    "pick",
    "appointments",
    "ask_location",
    "nearby",
    "help",
    "privacy_notice",
    "privacy_details",
    "consent",
    "erase_ask",
    "erase_confirm",
    "erase_cancel",
    "survey_score",
    "survey_comment",
    "survey_comment_not_text",
    "survey_skip",
    "survey_recommend",
]


@dataclass(frozen=True)
class Route:
    step: Step
    # The survey token, the erase nonce, the hospital id or the notice version it names.
    token: str = ""
    text: str = ""  # what she typed (a search, a comment)
    score: int = 0
    latitude: float = 0.0
    longitude: float = 0.0


_COMMANDS: Final[dict[Command, Step]] = {
    Command.BOOK: "book",
    Command.APPOINTMENTS: "appointments",
    Command.NEARBY: "ask_location",
    Command.HELP: "help",
    Command.PRIVACY: "privacy_notice",
    Command.ERASE: "erase_ask",
    Command.SKIP: "not_understood",  # "skip" with nothing to skip
}


def decide(incoming: Incoming, awaiting_comment: str | None = None) -> Route:
    """The step for `incoming`; `awaiting_comment` is the token of the survey whose
    comment the bot is waiting for (within its window), if any."""
    if incoming.kind == "postback":
        data = incoming.postback_data
        return tapped(parse_postback(data) if data is not None else None)
    if incoming.kind != "message":
        return Route("nothing")
    if incoming.text is not None:
        command = command_of(incoming.text)
        if awaiting_comment is not None and command is not Command.ERASE:
            if command is Command.SKIP:
                return Route("survey_skip", token=awaiting_comment)
            return Route("survey_comment", token=awaiting_comment, text=incoming.text)
        if command is not None:
            return Route(_COMMANDS[command])
        return Route("search", text=incoming.text)
    if incoming.latitude is not None and incoming.longitude is not None:
        return Route("nearby", latitude=incoming.latitude, longitude=incoming.longitude)
    if awaiting_comment is not None:
        return Route("survey_comment_not_text", token=awaiting_comment)
    return Route("not_understood")  # stickers, pictures, video, audio, files


def tapped(action: PostbackAction | None) -> Route:
    """The step for a tapped button's data (None: unknown or forged)."""
    match action:
        case BookAction():
            return Route("book")
        case PickAction(hospital_id=hospital_id):
            return Route("pick", token=hospital_id)
        case AppointmentsAction():
            return Route("appointments")
        case NearbyAction():
            return Route("ask_location")
        case HelpAction():
            return Route("help")
        case PrivacyAction():
            return Route("privacy_details")
        case ConsentAction(version=version):
            return Route("consent", token=version)
        case EraseAction():
            return Route("erase_ask")
        case EraseConfirmAction(nonce=nonce):
            return Route("erase_confirm", token=nonce)
        case EraseCancelAction():
            return Route("erase_cancel")
        case SurveyAction(token=token, score=score):
            return Route("survey_score", token=token, score=score)
        case SkipCommentAction(token=token):
            return Route("survey_skip", token=token)
        case RecommendAction(token=token, score=score):
            return Route("survey_recommend", token=token, score=score)
    return Route("not_understood")
