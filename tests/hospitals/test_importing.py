"""Reading a registry CSV: every problem reported with its line, or every row accepted."""

from __future__ import annotations

import pytest

from moph_connect.hospitals.importing import ImportRejected, read_rows

HEADER = "name,booking_url,province,district,latitude,longitude,phone\n"
PATHUM = (
    "โรงพยาบาลปทุมธานี,http://pth.ddns.net/q?regist={regist},ปทุมธานี,เมืองปทุมธานี,"
    "14.0208,100.5250,02-598-8888\n"
)


def problems(text: str) -> list[str]:
    with pytest.raises(ImportRejected) as caught:
        read_rows(text)
    return [str(problem) for problem in caught.value.problems]


def test_good_rows_are_read_with_a_bom_quotes_and_blank_cells() -> None:
    text = (
        "\ufeff"
        + HEADER
        + PATHUM
        + '"โรงพยาบาลศิริราช, ปิยมหาราชการุณย์",https://siph.example.th/,Bangkok,,,,\n'
        + "\n"
    )
    rows = read_rows(text)
    assert [row.line for row in rows] == [2, 3]
    assert rows[0].details.latitude == pytest.approx(14.0208)
    assert rows[1].details.name == "โรงพยาบาลศิริราช, ปิยมหาราชการุณย์"
    assert rows[1].details.province == "กรุงเทพมหานคร"
    assert rows[1].details.latitude is None


def test_columns_may_come_in_any_order_and_optional_ones_may_be_left_out() -> None:
    rows = read_rows("Booking_URL, Name\nhttp://a.example/,โรงพยาบาลหนึ่ง\n")
    assert rows[0].details.name == "โรงพยาบาลหนึ่ง"
    assert rows[0].details.province is None


def test_every_bad_row_is_reported_with_its_line_and_reason() -> None:
    text = (
        HEADER
        + PATHUM  # line 2: fine
        + ",http://a.example/,,,,,\n"  # 3: no name
        + "โรงพยาบาลก,ftp://a/,,,,,\n"  # 4: bad URL
        + "โรงพยาบาลข,http://b.example/,ปทุมทานี,,,,\n"  # 5: misspelt province
        + '"โรงพยาบาลค\nสาขา 2",http://c.example/,,,abc,100,\n'  # 6-7: a quoted newline
        + "โรงพยาบาลง,http://d.example/,,,95,100,\n"  # 8: latitude out of range
        + "โรงพยาบาลจ,http://e.example/,,,14,200,02-1\n"  # 9: longitude and phone
        + "โรงพยาบาลฉ,http://f.example/\n"  # 10: too few fields
        + PATHUM  # 11: the same hospital as line 2
    )
    assert problems(text) == [
        "line 3: name: must be 1 to 200 characters",
        "line 4: booking_url: must be an http:// or https:// URL with a host that LINE can open",
        "line 5: province: 'ปทุมทานี' is not a Thai province; did you mean ปทุมธานี?",
        "line 6: latitude: must be a number, not 'abc'",
        "line 8: latitude: must be between -90 and 90",
        "line 9: longitude: must be between -180 and 180",
        "line 9: phone: must be a Thai phone number of digits and dashes, e.g. 02-581-2345 or 1669",
        "line 10: has 2 fields; the header has 7",
        "line 11: name: same hospital as line 2",
    ]


def test_same_name_elsewhere_is_another_hospital_but_not_in_the_same_district() -> None:
    rpst = "โรงพยาบาลส่งเสริมสุขภาพตำบลบ้านใหม่,http://a.example/,นครราชสีมา,{district},,,\n"
    rows = read_rows(HEADER + rpst.format(district="โนนสูง") + rpst.format(district="ปักธงชัย"))
    assert len(rows) == 2
    # Written another way (รพ.สต., English province, อำเภอ): still the same hospital.
    same = "รพ.สต.บ้านใหม่,http://b.example/,Nakhon Ratchasima,อำเภอโนนสูง,,,\n"
    assert problems(HEADER + rpst.format(district="โนนสูง") + same) == [
        "line 3: name: same hospital as line 2"
    ]
    # Without a district there is no telling them apart.
    assert problems(HEADER + rpst.format(district="โนนสูง") + rpst.format(district="")) == [
        "line 3: name: same hospital as line 2"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "line 1: the file is empty; expected name,booking_url,province,district,"),
        (HEADER, "line 1: no hospitals after the header"),
        ("name,booking_url,lattitude\n", "line 1: unknown column(s) lattitude;"),
        ("name,province\n", "line 1: missing column(s) booking_url;"),
        ("name,name,booking_url\n", "line 1: repeated column(s) name;"),
    ],
)
def test_a_wrong_header_is_reported(text: str, expected: str) -> None:
    [problem] = problems(text)
    assert problem.startswith(expected)
