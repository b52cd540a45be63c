"""Dates and times in the patient's language.

Thai: Thai month names and the Buddhist-era year (`thai_dates`). English: the Gregorian
year and English month names, as an English reader in Thailand expects them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Final

from moph_connect.messages.i18n import Lang
from moph_connect.messages.thai_dates import thai_long_date, thai_short_date

EN_WEEKDAYS: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
EN_MONTHS: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def english_long_date(d: date) -> str:
    """Monday 30 April 2018."""
    return f"{EN_WEEKDAYS[d.weekday()]} {d.day} {EN_MONTHS[d.month - 1]} {d.year}"


def english_short_date(d: date) -> str:
    """30 Apr 2018."""
    return f"{d.day} {EN_MONTHS[d.month - 1][:3]} {d.year}"


def long_date(d: date, lang: Lang = "th") -> str:
    return english_long_date(d) if lang == "en" else thai_long_date(d)


def short_date(d: date, lang: Lang = "th") -> str:
    return english_short_date(d) if lang == "en" else thai_short_date(d)


def short_datetime(local: datetime, lang: Lang = "th") -> str:
    """A local (Bangkok) wall-clock instant: "29 เม.ย. 2561 09:00 น." or "29 Apr 2018, 09:00"."""
    clock = f"{local.hour:02d}:{local.minute:02d}"
    if lang == "en":
        return f"{english_short_date(local.date())}, {clock}"
    return f"{thai_short_date(local.date())} {clock} น."
