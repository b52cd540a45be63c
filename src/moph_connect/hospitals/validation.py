"""What a hospital's registry entry must look like. Pure: used by `hospital add`, by
`hospital import` (which reports every bad field of every row) and by the service."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from moph_connect.errors import FieldError, ValidationFailed
from moph_connect.hospitals.provinces import closest_province, official_province
from moph_connect.hospitals.thai import tidy
from moph_connect.messages import normalize_link

REGIST_PLACEHOLDER = "{regist}"
MAX_NAME = 200
MAX_DISTRICT = 100
# Digits in groups joined by dashes, optionally after +66: "02-581-2345", "081-234-5678",
# "+66-2-581-2345", "1669".
_PHONE_SHAPE = re.compile(r"\+?[0-9]+(?:-[0-9]+)*")
PHONE_RULE = "must be a Thai phone number of digits and dashes, e.g. 02-581-2345 or 1669"


@dataclass(frozen=True)
class HospitalDetails:
    """A registry entry as stored: text tidied, province under its official Thai name."""

    name: str
    booking_url: str
    province: str | None = None
    district: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    phone: str | None = None


def booking_link(booking_url: str, regist_id: str) -> str:
    """The hospital's booking page with the patient's MOPH Connect ID filled in."""
    if REGIST_PLACEHOLDER in booking_url:
        return booking_url.replace(REGIST_PLACEHOLDER, regist_id)
    separator = "&" if "?" in booking_url else "?"
    return f"{booking_url}{separator}regist={regist_id}"


def booking_url_problem(url: str) -> str | None:
    if url.count(REGIST_PLACEHOLDER) > 1:
        return "may contain {regist} at most once"
    # Check the link as patients will get it, with a real-length ID filled in.
    if normalize_link(booking_link(url, "0" * 24)) is None:
        return "must be an http:// or https:// URL with a host that LINE can open"
    return None


def validate_booking_url(url: str) -> None:
    problem = booking_url_problem(url)
    if problem is not None:
        raise ValidationFailed.field("booking-url", problem)


def is_thai_phone(phone: str) -> bool:
    if not _PHONE_SHAPE.fullmatch(phone):
        return False
    digits = phone.replace("-", "")
    if digits.startswith("+66"):
        return len(digits) in (11, 12) and digits[3] != "0"  # +66 then the number without 0
    if digits.startswith("0"):
        return len(digits) in (9, 10)  # landlines 0X-XXX-XXXX, mobiles 0XX-XXX-XXXX
    return len(digits) == 4 and digits.startswith("1")  # hotlines: 1669, 1330


def checked_details(
    name: str,
    booking_url: str,
    *,
    province: str | None = None,
    district: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    phone: str | None = None,
) -> HospitalDetails:
    """The entry ready to store, or ValidationFailed listing every field that is wrong.

    Blank optional fields count as not given.
    """
    errors: list[FieldError] = []
    name = tidy(name)
    if not name or len(name) > MAX_NAME:
        errors.append(FieldError("name", f"must be 1 to {MAX_NAME} characters"))
    booking_url = booking_url.strip()
    problem = booking_url_problem(booking_url)
    if problem is not None:
        errors.append(FieldError("booking-url", problem))
    official: str | None = None
    if province is not None and tidy(province):
        official = official_province(province)
        if official is None:
            guess = closest_province(province)
            hint = f"did you mean {guess}?" if guess else "e.g. ปทุมธานี or Pathum Thani"
            errors.append(
                FieldError("province", f"{tidy(province)!r} is not a Thai province; {hint}")
            )
    district = tidy(district) if district is not None else None
    if district and len(district) > MAX_DISTRICT:
        errors.append(FieldError("district", f"must be at most {MAX_DISTRICT} characters"))
    errors.extend(_coordinate_errors(latitude, longitude))
    phone = phone.strip() if phone is not None else None
    if phone and not is_thai_phone(phone):
        errors.append(FieldError("phone", PHONE_RULE))
    if errors:
        detail = "; ".join(f"{e.field}: {e.reason}" for e in errors)
        raise ValidationFailed(detail, errors=errors)
    return HospitalDetails(
        name, booking_url, official, district or None, latitude, longitude, phone or None
    )


def _coordinate_errors(latitude: float | None, longitude: float | None) -> list[FieldError]:
    errors: list[FieldError] = []
    if latitude is not None and not (math.isfinite(latitude) and -90 <= latitude <= 90):
        errors.append(FieldError("latitude", "must be between -90 and 90"))
    if longitude is not None and not (math.isfinite(longitude) and -180 <= longitude <= 180):
        errors.append(FieldError("longitude", "must be between -180 and 180"))
    if (latitude is None) != (longitude is None):
        missing = "longitude" if longitude is None else "latitude"
        errors.append(FieldError(missing, "latitude and longitude go together: give both"))
    return errors
