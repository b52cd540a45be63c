from __future__ import annotations

from datetime import date

import pytest

from moph_connect.messages import thai_long_date, thai_short_date

# Weekdays checked against a calendar; together they cover every month and every weekday.
CASES = [
    (date(2018, 4, 30), "วันจันทร์ที่ 30 เมษายน 2561", "30 เม.ย. 2561"),  # the seed
    (date(2024, 1, 1), "วันจันทร์ที่ 1 มกราคม 2567", "1 ม.ค. 2567"),
    (date(2024, 2, 1), "วันพฤหัสบดีที่ 1 กุมภาพันธ์ 2567", "1 ก.พ. 2567"),
    (date(2024, 3, 1), "วันศุกร์ที่ 1 มีนาคม 2567", "1 มี.ค. 2567"),
    (date(2024, 4, 1), "วันจันทร์ที่ 1 เมษายน 2567", "1 เม.ย. 2567"),
    (date(2024, 5, 1), "วันพุธที่ 1 พฤษภาคม 2567", "1 พ.ค. 2567"),
    (date(2024, 6, 1), "วันเสาร์ที่ 1 มิถุนายน 2567", "1 มิ.ย. 2567"),
    (date(2024, 7, 1), "วันจันทร์ที่ 1 กรกฎาคม 2567", "1 ก.ค. 2567"),
    (date(2024, 8, 1), "วันพฤหัสบดีที่ 1 สิงหาคม 2567", "1 ส.ค. 2567"),
    (date(2024, 9, 1), "วันอาทิตย์ที่ 1 กันยายน 2567", "1 ก.ย. 2567"),
    (date(2024, 10, 1), "วันอังคารที่ 1 ตุลาคม 2567", "1 ต.ค. 2567"),
    (date(2024, 11, 1), "วันศุกร์ที่ 1 พฤศจิกายน 2567", "1 พ.ย. 2567"),
    (date(2024, 12, 1), "วันอาทิตย์ที่ 1 ธันวาคม 2567", "1 ธ.ค. 2567"),
    # leap days
    (date(2020, 2, 29), "วันเสาร์ที่ 29 กุมภาพันธ์ 2563", "29 ก.พ. 2563"),
    (date(2024, 2, 29), "วันพฤหัสบดีที่ 29 กุมภาพันธ์ 2567", "29 ก.พ. 2567"),
    (date(2000, 2, 29), "วันอังคารที่ 29 กุมภาพันธ์ 2543", "29 ก.พ. 2543"),
    # year boundaries: the Buddhist-era year turns with the Common-era one
    (date(2018, 12, 31), "วันจันทร์ที่ 31 ธันวาคม 2561", "31 ธ.ค. 2561"),
    (date(2019, 1, 1), "วันอังคารที่ 1 มกราคม 2562", "1 ม.ค. 2562"),
    (date(1999, 12, 31), "วันศุกร์ที่ 31 ธันวาคม 2542", "31 ธ.ค. 2542"),
    (date(2000, 1, 1), "วันเสาร์ที่ 1 มกราคม 2543", "1 ม.ค. 2543"),
    # two-digit days, no leading zeros
    (date(2025, 10, 9), "วันพฤหัสบดีที่ 9 ตุลาคม 2568", "9 ต.ค. 2568"),
    (date(2025, 11, 18), "วันอังคารที่ 18 พฤศจิกายน 2568", "18 พ.ย. 2568"),
]


@pytest.mark.parametrize(("day", "long", "short"), CASES, ids=[str(c[0]) for c in CASES])
def test_thai_dates(day: date, long: str, short: str) -> None:
    assert thai_long_date(day) == long
    assert thai_short_date(day) == short


def test_cases_cover_every_month_and_weekday() -> None:
    assert {day.month for day, _, _ in CASES} == set(range(1, 13))
    assert {day.weekday() for day, _, _ in CASES} == set(range(7))


def test_every_day_of_a_leap_year_is_well_formed() -> None:
    day = date(2024, 1, 1)
    seen_long: set[str] = set()
    while day.year == 2024:
        long = thai_long_date(day)
        assert long.startswith("วัน")
        assert long.endswith(" 2567")
        assert f"ที่ {day.day} " in long
        assert thai_short_date(day).startswith(f"{day.day} ")
        seen_long.add(long)
        day = date.fromordinal(day.toordinal() + 1)
    assert len(seen_long) == 366
