"""Dates the way Thai people write them: Thai month names and the Buddhist-era year.

`thai_long_date(date(2018, 4, 30))` is "วันจันทร์ที่ 30 เมษายน 2561". The Buddhist era is
the Common Era plus 543; that holds for every date since Thailand moved New Year to
1 January in 1941, which covers every appointment we will ever send.
"""

from __future__ import annotations

from datetime import date
from typing import Final

BUDDHIST_ERA_OFFSET: Final = 543

# Indexed by date.weekday(): Monday is 0.
WEEKDAYS: Final = (
    "วันจันทร์",
    "วันอังคาร",
    "วันพุธ",
    "วันพฤหัสบดี",
    "วันศุกร์",
    "วันเสาร์",
    "วันอาทิตย์",
)

# Indexed by date.month - 1.
MONTHS: Final = (
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
)

MONTHS_SHORT: Final = (
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
)


def buddhist_year(d: date) -> int:
    return d.year + BUDDHIST_ERA_OFFSET


def thai_long_date(d: date) -> str:
    """Weekday, day, month name, Buddhist-era year: วันจันทร์ที่ 30 เมษายน 2561."""
    return f"{WEEKDAYS[d.weekday()]}ที่ {d.day} {MONTHS[d.month - 1]} {buddhist_year(d)}"


def thai_short_date(d: date) -> str:
    """Day, abbreviated month, Buddhist-era year: 30 เม.ย. 2561."""
    return f"{d.day} {MONTHS_SHORT[d.month - 1]} {buddhist_year(d)}"
