"""How the fields of a hospital's call are read, as systems in the field send them.

Pure functions, no I/O. Each returns the value it read and what it changed, so that the
answer can tell the developer (`warnings`) without failing her patients:

- text: line breaks kept as `\\n` (`\\r\\n` and `\\r` too), tabs as spaces, every other
  control character (NUL included: no database stores it) removed; numbers read as text;
- `appointmentDate`: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS[.ffffff]]` (`str(datetime.now())`)
  and ISO 8601 date-times (`T`, optional `Z` or offset): the Bangkok calendar date counts;
  a year of 2400 or more is a Buddhist-era year (2569 is 2026).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Generic, TypeVar

from moph_connect.clock import BANGKOK

T = TypeVar("T")

BUDDHIST_ERA_OFFSET = 543
# No Gregorian appointment is near 2400; Buddhist-era years of this century are 25xx.
FIRST_BUDDHIST_ERA_YEAR = 2400

# C0 controls, DEL and C1 controls, but not \n (kept) and \t (a space).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile(r"\r\n?")

_DATE_TIME = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
    r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d{1,9})?)?"
    r"\s*(?P<offset>Z|z|[+-]\d{2}(?::?\d{2})?)?)?"
)


@dataclass(frozen=True)
class Read(Generic[T]):
    value: T
    changes: tuple[str, ...] = ()


class FieldUnreadable(ValueError):
    """The value cannot be read; the message is the reason shown to the developer."""


def read_text(value: object, *, multiline: bool = True) -> Read[str]:
    """A text field: strings as they are, numbers as their text; anything else refused."""
    if type(value) is str and value.isprintable():
        # The usual case, checked in C: no control character, tab or line break, so only
        # the ends' spaces can change (tests/messages/test_fast_paths.py: the same answer).
        return Read(value.strip())
    return _read_any_text(value, multiline=multiline)


def _read_any_text(value: object, *, multiline: bool) -> Read[str]:
    changes: list[str] = []
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise FieldUnreadable("must be a string")
    if not isinstance(value, str):
        changes.append("a number; read as text")
        value = str(value)
    text = _LINE_BREAKS.sub("\n", value)
    if "\t" in text:
        text = text.replace("\t", " ")
        changes.append("tabs replaced by spaces")
    if not multiline and "\n" in text:
        text = text.replace("\n", " ")
        changes.append("line breaks replaced by spaces")
    cleaned = _CONTROL.sub("", text)
    if cleaned != text:
        changes.append("control characters removed")
    stripped = cleaned.strip()
    return Read(stripped, tuple(changes))


def read_appointment_date(value: object) -> Read[date]:
    if not isinstance(value, str):
        raise FieldUnreadable("must be a string, YYYY-MM-DD")
    text = value.strip()
    match = _DATE_TIME.fullmatch(text)
    if match is None:
        raise FieldUnreadable(
            "has the wrong format (expected YYYY-MM-DD, or a date and time such as "
            "YYYY-MM-DD HH:MM:SS or ISO 8601)"
        )
    changes: list[str] = []
    year = int(match["year"])
    if year >= FIRST_BUDDHIST_ERA_YEAR:
        changes.append(f"Buddhist-era year {year} read as {year - BUDDHIST_ERA_OFFSET} (Gregorian)")
        year -= BUDDHIST_ERA_OFFSET
    try:
        day = date(year, int(match["month"]), int(match["day"]))
    except ValueError:
        raise FieldUnreadable("is not a real calendar date") from None
    if match["hour"] is None:
        if text != day.isoformat() and not changes:
            changes.append(f"read as {day.isoformat()}")
        return Read(day, tuple(changes))
    hour, minute, second = int(match["hour"]), int(match["minute"]), int(match["second"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise FieldUnreadable("has a time of day that does not exist")
    moment = datetime(day.year, day.month, day.day, hour, minute, second)
    offset = match["offset"]
    if offset is None:
        bangkok_day = moment.date()
    else:
        zone = UTC if offset in ("Z", "z") else timezone(_offset(offset))
        bangkok_day = moment.replace(tzinfo=zone).astimezone(BANGKOK).date()
    if bangkok_day != day:
        changes.append(f"a date and time; read as the Bangkok date {bangkok_day.isoformat()}")
    else:
        changes.append(f"a date and time; read as {bangkok_day.isoformat()} (the time is not used)")
    return Read(bangkok_day, tuple(changes))


def _offset(text: str) -> timedelta:
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise FieldUnreadable("has an offset that does not exist")
    return sign * timedelta(hours=hours, minutes=minutes)
