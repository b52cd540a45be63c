"""Registering hospitals and authenticating their queue systems."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from moph_connect.db.models import ApiKey, Hospital
from moph_connect.environments import ENVIRONMENTS, Environment
from moph_connect.errors import Unauthorized
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
    "AuthenticatedHospital",
    "NewHospital",
    "authenticate",
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


@dataclass(frozen=True)
class AuthenticatedHospital:
    hospital_id: str
    name: str
    environment: Environment


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


def authenticate(
    session: Session, authorization: str | None, environment: Environment
) -> AuthenticatedHospital:
    """Resolve `Authorization: Bearer <key>` for an API under `environment`."""
    if not authorization:
        raise Unauthorized("Send the hospital's API key as 'Authorization: Bearer <key>'.")
    scheme, _, key = authorization.partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        raise Unauthorized("The Authorization header must be 'Bearer <key>'.")
    key_environment = keys.environment_of(key)
    if key_environment is not None and key_environment != environment:
        where = "/test/api" if key_environment == "test" else "/api"
        raise Unauthorized(
            f"This is a {key_environment} key; it only opens {where}. "
            f"Use the hospital's {environment} key here."
        )
    found = HospitalRepository(session).key_by_hash(keys.hash_key(key))
    if found is None or found[0].revoked_at is not None or not found[1].active:
        raise Unauthorized("Unknown or revoked API key.")
    api_key, hospital = found
    if api_key.environment != environment:  # cannot happen with well-formed keys
        raise Unauthorized("This key belongs to the other environment.")
    return AuthenticatedHospital(hospital.id, hospital.name, environment)
