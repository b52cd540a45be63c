"""What a registry entry must look like."""

from __future__ import annotations

import pytest

from moph_connect.errors import ValidationFailed
from moph_connect.hospitals.validation import checked_details, is_thai_phone

URL = "http://pth.ddns.net/queue/que_register.php?regist={regist}"


@pytest.mark.parametrize(
    "phone", ["02-581-2345", "025812345", "081-234-5678", "0812345678", "+66-2-581-2345", "1669"]
)
def test_thai_phone_numbers_are_accepted(phone: str) -> None:
    assert is_thai_phone(phone)


@pytest.mark.parametrize(
    "phone",
    ["12", "02-581", "02 581 2345", "02--5812345", "-025812345", "+66-02-581-2345", "โทร 1669"],
)
def test_other_phone_numbers_are_refused(phone: str) -> None:
    assert not is_thai_phone(phone)


def test_details_are_tidied_and_the_province_stored_under_its_thai_name() -> None:
    details = checked_details(
        " โรงพยาบาล\u200bปทุมธานี ",
        URL,
        province="Pathum Thani",
        district=" เมืองปทุมธานี ",
        latitude=14.0208,
        longitude=100.525,
        phone="02-598-8888",
    )
    assert details.name == "โรงพยาบาลปทุมธานี"
    assert details.province == "ปทุมธานี"
    assert details.district == "เมืองปทุมธานี"
    blank = checked_details("x", URL, province=" ", district="", phone="")
    assert (blank.province, blank.district, blank.phone) == (None, None, None)


def test_every_bad_field_is_reported_at_once() -> None:
    with pytest.raises(ValidationFailed) as caught:
        checked_details(
            "",
            "ftp://x/",
            province="ปทุมทานี",
            district="ก" * 101,
            latitude=91,
            longitude=float("nan"),
            phone="12",
        )
    reasons = {error.field: error.reason for error in caught.value.errors}
    assert set(reasons) == {
        "name",
        "booking-url",
        "province",
        "district",
        "latitude",
        "longitude",
        "phone",
    }
    assert reasons["latitude"] == "must be between -90 and 90"
    assert "did you mean ปทุมธานี?" in reasons["province"]


def test_latitude_and_longitude_go_together() -> None:
    with pytest.raises(ValidationFailed) as caught:
        checked_details("x", URL, latitude=14.0)
    assert [e.field for e in caught.value.errors] == ["longitude"]
