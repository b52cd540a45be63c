"""Consent's rules as tables: who has consented, what "accept" and a hospital pick do,
which greeting a follow gets, when the owed notice comes first, and when a "delete my
data" confirmation counts. Pure: no database, no HTTP (test_privacy.py runs them on the
stack)."""

from __future__ import annotations

from typing import Any

import pytest

from moph_connect import messages
from moph_connect.chatbot.consent_rules import (
    Accept,
    erase_confirmed,
    greeting,
    notice_first,
    on_accept,
    on_pick,
)
from moph_connect.chatbot.consent_rules import consented as has_consented
from moph_connect.messages.privacy import IMPORTED_CONSENT_VERSION

CURRENT = "2026-12"
OLDER = "2025-01"


@pytest.mark.parametrize(
    ("stored", "expected"),
    [(None, False), (CURRENT, True), (OLDER, False), (IMPORTED_CONSENT_VERSION, True), ("", False)],
)
def test_consented(stored: str | None, expected: bool) -> None:
    assert has_consented(stored, CURRENT) is expected


@pytest.mark.parametrize(
    ("stored", "tapped", "picked", "expected"),
    [
        pytest.param(None, CURRENT, False, Accept("recorded", record=True, forget=True),
                     id="first consent"),
        pytest.param(None, CURRENT, True, Accept("recorded_with_link", record=True, forget=True),
                     id="after a pick: the link follows"),
        pytest.param(None, OLDER, True, Accept("notice_again", record=False, forget=False),
                     id="a button from an older notice"),
        pytest.param(OLDER, CURRENT, False, Accept("recorded", record=True, forget=True),
                     id="an older consent renewed"),
        pytest.param(IMPORTED_CONSENT_VERSION, CURRENT, False,
                     Accept("recorded", record=True, forget=True),
                     id="an imported consent becomes ours"),
        pytest.param(CURRENT, CURRENT, False, Accept("recorded", record=False, forget=True),
                     id="a second tap records nothing new"),
        pytest.param(CURRENT, CURRENT, True,
                     Accept("recorded_with_link", record=False, forget=True),
                     id="a second tap after a pick"),
    ],
)  # fmt: skip
def test_on_accept(stored: str | None, tapped: str, picked: bool, expected: Accept) -> None:
    assert on_accept(stored, tapped, CURRENT, picked_hospital_open=picked) == expected


@pytest.mark.parametrize(
    ("hospital_open", "consented", "expected"),
    [
        (False, False, "find_another"),
        (False, True, "find_another"),
        (True, False, "ask_consent"),
        (True, True, "link"),
    ],
)
def test_on_pick(hospital_open: bool, consented: bool, expected: str) -> None:
    assert on_pick(hospital_open, has_consented=consented) == expected


@pytest.mark.parametrize(("consented", "expected"), [(False, "notice"), (True, "welcome")])
def test_greeting(consented: bool, expected: str) -> None:
    assert greeting(has_consented=consented) == expected


HELP = [messages.help_message("th")]
ASKS_CONSENT = [messages.privacy_notice("th", version=CURRENT, retention_days=30)]


@pytest.mark.parametrize(
    ("answer", "owed", "consented", "expected"),
    [
        pytest.param(HELP, False, False, False, id="nothing owed"),
        pytest.param(HELP, True, False, True, id="owed: the notice first"),
        pytest.param(HELP, True, True, False, id="consented in this turn"),
        pytest.param(ASKS_CONSENT, True, False, False, id="the answer asks already"),
    ],
)
def test_notice_first(
    answer: list[dict[str, Any]], owed: bool, consented: bool, expected: bool
) -> None:
    assert notice_first(answer, CURRENT, owed=owed, consented=consented) is expected


@pytest.mark.parametrize(
    ("asked", "tapped", "expected"),
    [
        ("n0nce", "n0nce", True),
        ("n0nce", "other", False),
        (None, "n0nce", False),  # no open question (expired, or never asked)
        ("n0nce", "n0nc", False),
        ("n0nce", "ñ0nce", False),  # non-ASCII data is refused, not an error
    ],
)
def test_erase_confirmed(asked: str | None, tapped: str, expected: bool) -> None:
    assert erase_confirmed(asked, tapped) is expected
