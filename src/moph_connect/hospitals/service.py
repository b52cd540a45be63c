"""Registering hospitals and authenticating their queue systems."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from moph_connect.db.models import ApiKey, Hospital
from moph_connect.environments import ENVIRONMENTS, Environment
from moph_connect.errors import Unauthorized, ValidationFailed
from moph_connect.hospitals import keys
from moph_connect.hospitals.repository import HospitalRepository
from moph_connect.messages import normalize_link

REGIST_PLACEHOLDER = "{regist}"


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


def validate_booking_url(url: str) -> None:
    if url.count(REGIST_PLACEHOLDER) > 1:
        raise ValidationFailed.field("booking-url", "may contain {regist} at most once")
    # Check the link as patients will get it, with a real-length ID filled in.
    if normalize_link(booking_link(url, "0" * 24)) is None:
        raise ValidationFailed.field(
            "booking-url", "must be an http:// or https:// URL with a host that LINE can open"
        )


def booking_link(booking_url: str, regist_id: str) -> str:
    """The hospital's booking page with the patient's MOPH Connect ID filled in."""
    if REGIST_PLACEHOLDER in booking_url:
        return booking_url.replace(REGIST_PLACEHOLDER, regist_id)
    separator = "&" if "?" in booking_url else "?"
    return f"{booking_url}{separator}regist={regist_id}"


def register_hospital(session: Session, name: str, booking_url: str, now: datetime) -> NewHospital:
    name = name.strip()
    if not name or len(name) > 200:
        raise ValidationFailed.field("name", "must be 1 to 200 characters")
    validate_booking_url(booking_url)
    hospital = Hospital(
        id="h" + secrets.token_hex(8), name=name, booking_url=booking_url, created_at=now
    )
    plain = {environment: keys.generate_key(environment) for environment in ENVIRONMENTS}
    api_keys = [
        ApiKey(
            hospital_id=hospital.id,
            environment=environment,
            display_prefix=keys.display_prefix(key),
            key_hash=keys.hash_key(key),
            created_at=now,
        )
        for environment, key in plain.items()
    ]
    HospitalRepository(session).add(hospital, api_keys)
    return NewHospital(hospital.id, hospital.name, plain["production"], plain["test"])


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
