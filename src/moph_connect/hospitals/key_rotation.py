"""Rotating and revoking a hospital's API keys.

Rotation issues a new key and lets the old ones run on for a grace period, so that a
hospital's queue system can be switched over without a gap in its calls; revocation refuses
them at once (a leaked key). Either is written to the audit table in the caller's
transaction, so that no key changes without its record. The audit holds the new key's
display prefix at most, never the key or its hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from moph_connect.audit.repository import AuditRepository
from moph_connect.db.models import ApiKey, Hospital
from moph_connect.environments import Environment
from moph_connect.errors import NotFound, ValidationFailed
from moph_connect.hospitals import keys
from moph_connect.hospitals.repository import HospitalRepository

DEFAULT_GRACE_HOURS = 24
# 30 days: long enough for the slowest hospital IT to redeploy, short enough that a key
# rotated out because it leaked does not stay open for months.
MAX_GRACE_HOURS = 720


@dataclass(frozen=True)
class RotatedKey:
    hospital_id: str
    hospital_name: str
    environment: Environment
    key: str  # in plain: shown once, then only its hash is kept
    key_prefix: str
    grace_hours: int
    keys_affected: int
    # When the last of the keys that were usable before stops working; None if there were none.
    previous_keys_expire_at: datetime | None


@dataclass(frozen=True)
class RevokedKeys:
    hospital_id: str
    hospital_name: str
    environment: Environment
    keys_affected: int
    revoked_at: datetime


def rotate_key(
    session: Session,
    hospital_id: str,
    environment: Environment,
    *,
    grace_hours: int,
    now: datetime,
    actor: str,
) -> RotatedKey:
    """Issue a new key; every key still usable ends at `now + grace_hours` (or keeps an
    earlier end it already had), or is revoked at once when `grace_hours` is 0."""
    if not 0 <= grace_hours <= MAX_GRACE_HOURS:
        raise ValidationFailed.field(
            "grace-hours", f"must be between 0 and {MAX_GRACE_HOURS} (hours), not {grace_hours}"
        )
    repository = HospitalRepository(session)
    hospital = _locked_hospital(repository, hospital_id)
    ends = now + timedelta(hours=grace_hours)
    affected = 0
    last_end: datetime | None = None
    for api_key in _usable_keys(repository, hospital_id, environment, now):
        if grace_hours == 0:
            api_key.revoked_at = now
            affected += 1
            end = now
        elif api_key.expires_at is None or ends < api_key.expires_at:
            api_key.expires_at = ends
            affected += 1
            end = ends
        else:  # already rotated, with less time left than this grace: never lengthened
            end = api_key.expires_at
        last_end = end if last_end is None else max(last_end, end)

    # Added after the loop: the new key is not among those it cuts short.
    plain = keys.generate_key(environment)
    prefix = keys.display_prefix(plain)
    repository.add_key(
        ApiKey(
            hospital_id=hospital_id,
            environment=environment,
            display_prefix=prefix,
            key_hash=keys.hash_key(plain),
            created_at=now,
            revoked_at=None,
            expires_at=None,
        )
    )
    AuditRepository(session).record(
        "api_key.rotated",
        actor=actor,
        detail={
            "hospitalId": hospital_id,
            "environment": environment,
            "keyPrefix": prefix,
            "graceHours": grace_hours,
            "keysAffected": affected,
        },
        now=now,
        environment=environment,
    )
    return RotatedKey(
        hospital_id, hospital.name, environment, plain, prefix, grace_hours, affected, last_end
    )


def revoke_keys(
    session: Session, hospital_id: str, environment: Environment, *, now: datetime, actor: str
) -> RevokedKeys:
    """Refuse every usable key of the hospital in `environment` from `now` on. Issues no
    new key: until `rotate_key` does, the hospital cannot call that environment."""
    repository = HospitalRepository(session)
    hospital = _locked_hospital(repository, hospital_id)
    usable = _usable_keys(repository, hospital_id, environment, now)
    for api_key in usable:
        api_key.revoked_at = now
    # Recorded even when nothing was usable: the operator's intent is worth keeping.
    AuditRepository(session).record(
        "api_key.revoked",
        actor=actor,
        detail={
            "hospitalId": hospital_id,
            "environment": environment,
            "graceHours": 0,
            "keysAffected": len(usable),
        },
        now=now,
        environment=environment,
    )
    return RevokedKeys(hospital_id, hospital.name, environment, len(usable), now)


def _locked_hospital(repository: HospitalRepository, hospital_id: str) -> Hospital:
    hospital = repository.get_for_update(hospital_id)
    if hospital is None:
        raise NotFound(f"No hospital {hospital_id!r}; `moph-connect hospital list` shows them.")
    return hospital


def _usable_keys(
    repository: HospitalRepository, hospital_id: str, environment: Environment, now: datetime
) -> list[ApiKey]:
    return [
        api_key
        for api_key in repository.unrevoked_keys(hospital_id, environment)
        if keys.is_usable(api_key.revoked_at, api_key.expires_at, now)
    ]
