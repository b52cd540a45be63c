"""Consent to the privacy notice, and "delete my data", applying the pure decisions of
`consent_rules.py`.

Consent is explicit (a tap on "accept" naming the notice version she saw) and recorded
with its time. Deleting is two taps: the question carries a fresh nonce, and only a
"yes" naming that nonce, within `ChatbotConfig.erase_window`, erases.
"""

from __future__ import annotations

import logging
import secrets

from moph_connect import messages
from moph_connect.chatbot import booking
from moph_connect.chatbot.consent_rules import erase_confirmed, on_accept
from moph_connect.chatbot.turn import Message, Turn
from moph_connect.patients.erasure import ErasureRepository

log = logging.getLogger(__name__)


def notice(turn: Turn) -> list[Message]:
    """The short notice (typed "privacy", or "accept" typed instead of tapped)."""
    return [
        messages.privacy_notice(
            turn.lang, version=turn.config.notice_version, retention_days=turn.config.retention_days
        )
    ]


def details(turn: Turn) -> list[Message]:
    """The full notice; "accept" offered while she has not."""
    return [
        messages.privacy_details(
            turn.lang,
            version=turn.config.notice_version,
            accepted=turn.consented,
            retention_days=turn.config.retention_days,
        )
    ]


def accept(turn: Turn, version: str) -> list[Message]:
    current = turn.config.notice_version
    pending = turn.question("consent")
    hospital = turn.hospitals.get(pending.token) if pending is not None else None
    decision = on_accept(
        turn.user.consent_version,
        version,
        current,
        picked_hospital_open=hospital is not None and hospital.active,
    )
    if decision.record:
        turn.patients.record_consent(turn.user, current, turn.now)
    if decision.forget:
        turn.forget_question()
    if decision.reply == "notice_again":
        return [
            messages.privacy_notice(
                turn.lang, version=current, retention_days=turn.config.retention_days
            )
        ]
    if decision.reply == "recorded_with_link" and hospital is not None:
        return [
            messages.consent_recorded(turn.lang, booking_follows=True),
            booking.link(turn, hospital),
        ]
    return [messages.consent_recorded(turn.lang)]


def ask_erase(turn: Turn) -> list[Message]:
    nonce = secrets.token_urlsafe(12)
    turn.ask("erase_confirm", nonce)
    return [messages.erase_question(nonce, turn.lang)]


def confirm_erase(turn: Turn, nonce: str) -> list[Message]:
    question = turn.question("erase_confirm")
    lang = turn.lang  # forgotten with her data
    if not erase_confirmed(question.token if question is not None else None, nonce):
        return [messages.erase_expired(lang)]
    counts = ErasureRepository(turn.session).erase(
        turn.user, turn.now, current_event_id=turn.event_id
    )
    log.info(
        "erased a patient's data: %d appointment(s), %d registration(s)",
        counts.appointments,
        counts.registrations,
    )
    return [messages.erased(lang)]


def cancel_erase(turn: Turn) -> list[Message]:
    if turn.question("erase_confirm") is not None:
        turn.forget_question()
    return [messages.erase_kept(turn.lang)]
