"""Registering hospitals and authenticating their queue systems."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from moph_connect.db.models import ApiKey, Hospital
from moph_connect.environments import ENVIRONMENTS
from moph_connect.hospitals import keys
from moph_connect.hospitals.repository import HospitalRepository
from moph_connect.hospitals.validation import (
    REGIST_PLACEHOLDER,
    HospitalDetails,
    booking_link,
    checked_details,
    validate_booking_url,
)

# booking_link and validate_booking_url moved to `validation`; callers import them here.
__all__ = [
    "REGIST_PLACEHOLDER",
    "NewHospital",
    "booking_link",
    "new_hospital_values",
    "register_hospital",
    "validate_booking_url",
]


@dataclass(frozen=True)
class NewHospital:
    hospital_id: str
    name: str
    production_key: str
    test_key: str


def register_hospital(
    session: Session,
    name: str,
    booking_url: str,
    now: datetime,
    *,
    province: str | None = None,
    district: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    phone: str | None = None,
) -> NewHospital:
    """Register one hospital; ValidationFailed lists every field that is wrong."""
    details = checked_details(
        name,
        booking_url,
        province=province,
        district=district,
        latitude=latitude,
        longitude=longitude,
        phone=phone,
    )
    hospital, api_keys, new = new_hospital_values(details, now)
    HospitalRepository(session).add(Hospital(**hospital), [ApiKey(**key) for key in api_keys])
    return new


def new_hospital_values(
    details: HospitalDetails, now: datetime
) -> tuple[dict[str, Any], list[dict[str, Any]], NewHospital]:
    """Column values for a new hospital and its two keys, and the keys in plain (shown
    once). Plain values rather than ORM objects: `hospital import` writes 36,000 rows."""
    hospital_id = "h" + secrets.token_hex(8)
    hospital = {
        "id": hospital_id,
        "name": details.name,
        "booking_url": details.booking_url,
        "active": True,
        "province": details.province,
        "district": details.district,
        "latitude": details.latitude,
        "longitude": details.longitude,
        "phone": details.phone,
        "created_at": now,
    }
    plain = {environment: keys.generate_key(environment) for environment in ENVIRONMENTS}
    api_keys = [
        {
            "hospital_id": hospital_id,
            "environment": environment,
            "display_prefix": keys.display_prefix(key),
            "key_hash": keys.hash_key(key),
            "created_at": now,
            "revoked_at": None,
        }
        for environment, key in plain.items()
    ]
    new = NewHospital(hospital_id, details.name, plain["production"], plain["test"])
    return hospital, api_keys, new
