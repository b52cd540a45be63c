"""Finding a hospital and getting its booking link.

She finds one by typing (a name, a province, a district: the directory decides), by
sharing her location, or among the hospitals she booked with before. Picking one sends
the hospital's booking page with her MOPH Connect ID for that hospital, issued on first
use, but only once she has accepted the privacy notice: until then the pick is kept and
the notice shown, and accepting it sends the link.
"""

from __future__ import annotations

from collections.abc import Sequence

from moph_connect import messages
from moph_connect.chatbot.commands import has_words
from moph_connect.chatbot.consent_rules import on_pick
from moph_connect.chatbot.turn import Message, Turn
from moph_connect.db.models import Hospital
from moph_connect.hospitals.service import booking_link
from moph_connect.messages import HospitalChoice
from moph_connect.messages._text import clean, clip

MAX_SHOWN = 12  # LINE's carousel limit
QUERY_MAX = 100  # characters of what she typed that are searched


def _choice(hospital: Hospital) -> HospitalChoice:
    return HospitalChoice(
        hospital_id=hospital.id,
        name=hospital.name,
        province=hospital.province,
        district=hospital.district,
        phone=hospital.phone,
    )


def _used_before(turn: Turn) -> list[HospitalChoice]:
    return [_choice(h) for h in turn.patients.hospitals_used(turn.user, limit=MAX_SHOWN)]


def start(turn: Turn) -> list[Message]:
    """ "Book a hospital queue": the hospitals she used before, and how to find another."""
    turn.forget_question()
    before = _used_before(turn)
    if not before:
        return [messages.search_prompt(turn.lang)]
    return [
        messages.hospital_picker(before, turn.lang),
        messages.search_prompt(turn.lang, after_results=True),
    ]


def search(turn: Turn, text: str) -> list[Message]:
    """What she typed, as a hospital search; her own hospitals first when they match."""
    turn.forget_question()
    query = clip(clean(text), QUERY_MAX)
    if not has_words(query):
        return [messages.not_understood(turn.lang)]
    preferred = [h.hospital_id for h in _used_before(turn)]
    found = turn.finder.search(query, limit=MAX_SHOWN, preferred_ids=preferred)
    return [_results(turn, found) if found else messages.no_results(query, turn.lang)]


def ask_location(turn: Turn) -> list[Message]:
    turn.forget_question()
    return [messages.location_request(turn.lang)]


def nearby(turn: Turn, latitude: float, longitude: float) -> list[Message]:
    """The hospitals nearest the location she shared (the location itself is not kept
    beyond the stored webhook event)."""
    turn.forget_question()
    preferred = [h.hospital_id for h in _used_before(turn)]
    found = turn.finder.nearest(latitude, longitude, limit=MAX_SHOWN, preferred_ids=preferred)
    if not found:
        return [messages.no_nearby(turn.lang)]
    return [messages.hospital_picker(found, turn.lang, nearby=True)]


def _results(turn: Turn, found: Sequence[HospitalChoice]) -> Message:
    return messages.hospital_picker(found[:MAX_SHOWN], turn.lang)


def pick(turn: Turn, hospital_id: str) -> list[Message]:
    hospital = turn.hospitals.get(hospital_id)
    decision = on_pick(hospital is not None and hospital.active, has_consented=turn.consented)
    if decision == "find_another" or hospital is None:
        return start(turn)  # gone since the list was shown (or never was): find another
    if decision == "ask_consent":
        turn.ask("consent", hospital.id)
        notice = messages.privacy_notice(
            turn.lang,
            version=turn.config.notice_version,
            before_booking=True,
            retention_days=turn.config.retention_days,
        )
        return [notice]
    turn.forget_question()
    return [link(turn, hospital)]


def link(turn: Turn, hospital: Hospital) -> Message:
    """Her booking link at `hospital` (she has consented)."""
    registration = turn.patients.registration_for(turn.user, hospital.id, turn.now)
    return messages.booking_link(
        hospital.name, booking_link(hospital.booking_url, registration.regist_id), turn.lang
    )
