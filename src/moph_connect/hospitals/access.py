"""How a hospital's system may call the API: its auth mode, the networks keyless calls
must come from, and the browser origins granted CORS. Changed by the ministry only, and
every change is audited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from moph_connect.audit.repository import AuditRepository
from moph_connect.errors import FieldError, NotFound, ValidationFailed
from moph_connect.hospitals.authentication import AUTH_MODES
from moph_connect.hospitals.cors_origins import origin_of
from moph_connect.hospitals.repository import HospitalRepository
from moph_connect.networks import parse_networks
from moph_connect.scheduling.rules import bangkok_date

# `--allow-ip any` / `--cors-origin none` empty the list.
CLEAR_NETWORKS = "any"
CLEAR_ORIGINS = "none"
KEYLESS_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class HospitalAccess:
    hospital_id: str
    name: str
    auth: str
    allowed_networks: list[str]
    cors_origins: list[str]


def checked_auth_mode(mode: str) -> str:
    if mode not in AUTH_MODES:
        raise ValidationFailed.field("auth", f"must be one of {', '.join(AUTH_MODES)}")
    return mode


def checked_networks(values: Sequence[str]) -> list[str]:
    if list(values) == [CLEAR_NETWORKS]:
        return []
    try:
        return [str(network) for network in parse_networks(" ".join(values))]
    except ValueError as error:
        raise ValidationFailed.field("allow-ip", str(error)) from None


def checked_origins(values: Sequence[str]) -> list[str]:
    if list(values) == [CLEAR_ORIGINS]:
        return []
    origins: list[str] = []
    errors: list[FieldError] = []
    for value in values:
        origin = origin_of(value)
        if origin is None or value.strip().rstrip("/") != origin:
            errors.append(
                FieldError("cors-origin", f"{value!r} must be an origin: scheme://host[:port]")
            )
        elif origin not in origins:
            origins.append(origin)
    if errors:
        raise ValidationFailed("; ".join(e.reason for e in errors), errors=errors)
    return origins


def update_access(
    session: Session,
    hospital_id: str,
    *,
    auth: str | None,
    allowed_networks: Sequence[str] | None,
    cors_origins: Sequence[str] | None,
    actor: str,
    now: datetime,
) -> HospitalAccess:
    """Change what is given (None: leave as it is); each change goes to the audit trail."""
    hospital = HospitalRepository(session).get(hospital_id)
    if hospital is None:
        raise NotFound(f"No hospital {hospital_id}.")
    changes: dict[str, object] = {}
    if auth is not None and checked_auth_mode(auth) != hospital.auth_mode:
        changes["auth"] = {"from": hospital.auth_mode, "to": auth}
        hospital.auth_mode = auth
    if allowed_networks is not None:
        networks = checked_networks(allowed_networks)
        if networks != (hospital.allowed_networks or []):
            changes["allowedNetworks"] = networks
            hospital.allowed_networks = networks
    if cors_origins is not None:
        origins = checked_origins(cors_origins)
        if origins != (hospital.cors_origins or []):
            changes["corsOrigins"] = origins
            hospital.cors_origins = origins
    if changes:
        AuditRepository(session).record(
            "hospital.access_changed",
            actor=actor,
            detail={"hospitalId": hospital.id, **changes},
            now=now,
        )
    return HospitalAccess(
        hospital.id,
        hospital.name,
        hospital.auth_mode,
        list(hospital.allowed_networks or []),
        list(hospital.cors_origins or []),
    )


def keyless_calls_in_window(session: Session, now: datetime) -> dict[str, int]:
    """Calls without a key per hospital over the last 30 days (Bangkok days)."""
    return HospitalRepository(session).keyless_calls_since(bangkok_date(now - KEYLESS_WINDOW))
