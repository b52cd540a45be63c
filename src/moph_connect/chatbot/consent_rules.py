"""Consent to the privacy notice, as pure decisions: whether she has consented, what a
tap on "accept" does, what picking a hospital does before and after consent, which
greeting a follow gets, and when a "delete my data" confirmation counts.

Consent is explicit (a tap on "accept" naming the notice version she saw) and recorded
with its time; no booking link before it: a pick is kept and the notice shown, and
accepting it sends the link. `chatbot/privacy.py`, `booking.py` and `service.py` apply
these decisions.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import orjson

from moph_connect.messages.postback import build_consent
from moph_connect.messages.privacy import IMPORTED_CONSENT_VERSION


def consented(consent_version: str | None, notice_version: str) -> bool:
    """An older notice of ours is asked again; a consent given to the MOPH Connect that
    ran before (the ministry's too; imported with its time) stands."""
    return consent_version in (notice_version, IMPORTED_CONSENT_VERSION)


AcceptReply = Literal[
    "notice_again",  # a button from an older notice: she has not seen what she would accept
    "recorded",
    "recorded_with_link",  # she had picked a hospital before: its booking link follows
]


@dataclass(frozen=True)
class Accept:
    reply: AcceptReply
    record: bool  # store her consent to the current notice, with its time
    forget: bool  # the pick she made before consenting is answered


def on_accept(
    consent_version: str | None,
    tapped_version: str,
    notice_version: str,
    *,
    picked_hospital_open: bool,
) -> Accept:
    """`picked_hospital_open`: she picked a hospital before consenting (within the
    question's window), and it still takes bookings."""
    if tapped_version != notice_version:
        return Accept("notice_again", record=False, forget=False)
    # An imported consent becomes one to ours; an accepted one is not recorded twice.
    record = consent_version != notice_version
    reply: AcceptReply = "recorded_with_link" if picked_hospital_open else "recorded"
    return Accept(reply, record=record, forget=True)


Pick = Literal[
    "find_another",  # gone since the list was shown (or never was): the booking start
    "ask_consent",  # the pick is kept and the notice shown
    "link",
]


def on_pick(hospital_open: bool, *, has_consented: bool) -> Pick:
    if not hospital_open:
        return "find_another"
    return "link" if has_consented else "ask_consent"


Greeting = Literal["welcome", "notice"]


def greeting(*, has_consented: bool) -> Greeting:
    """A follow is greeted with the privacy notice until she has accepted it."""
    return "welcome" if has_consented else "notice"


def notice_first(
    answer: Sequence[Mapping[str, Any]], notice_version: str, *, owed: bool, consented: bool
) -> bool:
    """Whether a chat answer is preceded by the privacy notice: owed to a patient
    imported without consent, unless she consented in this very turn or the answer
    already asks for her consent (she picked a hospital: the notice before the link)."""
    if not owed or consented:
        return False
    return build_consent(notice_version) not in orjson.dumps(answer).decode()


def erase_confirmed(asked_nonce: str | None, tapped_nonce: str) -> bool:
    """Only a "yes" naming the nonce of the open question erases (constant time)."""
    if asked_nonce is None:
        return False
    # As bytes: `compare_digest` refuses str with non-ASCII characters, and tapped data
    # may carry any.
    return secrets.compare_digest(asked_nonce.encode(), tapped_nonce.encode())
