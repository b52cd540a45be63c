"""Who is calling the hospital API: the one place that decides.

Two ways, chosen per hospital (`hospitals.auth_mode`):
- `key`: `Authorization: Bearer <key>`, the key's SHA-256 looked up, for this environment;
- `legacy`: no Authorization header at all, as MOPH Connect's clients have called since
  2018. The body's `userId` names the hospital: a MOPH Connect ID is random, per patient
  and hospital, so it opens exactly one patient at one hospital, in the environment that
  issued it. Optionally only from the hospital's networks.

A call that carries an Authorization header is judged by its key alone, legacy hospital or
not: a wrong key is 401, never a fallback to the keyless way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from moph_connect.environments import Environment
from moph_connect.errors import Forbidden, NotFound, Unauthorized
from moph_connect.hospitals import keys
from moph_connect.hospitals.repository import HospitalRepository
from moph_connect.networks import IPAddress, IPNetwork, parse_networks, within

AUTH_MODES = ("key", "legacy")
# What a MOPH Connect ID looks like (patients/repository.new_regist_id; imported ones too).
_REGIST_ID = re.compile(r"[0-9a-f]{24}")
GUIDE = "docs/hospital-guide.en.md (ไทย: docs/hospital-guide.th.md)"


@dataclass(frozen=True)
class AuthenticatedHospital:
    hospital_id: str
    name: str
    environment: Environment
    keyless: bool = False


def _api_path(environment: Environment) -> str:
    return "/api" if environment == "production" else "/test/api"


def authenticate_key(
    session: Session, authorization: str | None, environment: Environment, now: datetime
) -> AuthenticatedHospital:
    """Resolve `Authorization: Bearer <key>` for the API under `environment`."""
    if not authorization:
        raise Unauthorized(
            "Send the hospital's API key as 'Authorization: Bearer <key>'. "
            f"How to get one: {GUIDE}."
        )
    scheme, _, key = authorization.partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        raise Unauthorized("The Authorization header must be 'Bearer <key>'.")
    key_environment = keys.environment_of(key)
    if key_environment is not None and key_environment != environment:
        refused = Unauthorized(
            f"This is a {key_environment} key; it only opens {_api_path(key_environment)}. "
            f"Use the hospital's {environment} key here."
        )
        if environment == "test":  # the sandbox shows her this refusal: whose key is it?
            other = HospitalRepository(session).key_by_hash(keys.hash_key(key))
            if other is not None:
                raise refused.of_hospital(other.hospital_id)
        raise refused
    found = HospitalRepository(session).key_by_hash(keys.hash_key(key))
    if found is None or not found.hospital_active:
        raise Unauthorized("Unknown, revoked or expired API key.")
    if not keys.is_usable(found.revoked_at, found.expires_at, now):
        raise Unauthorized("Unknown, revoked or expired API key.").of_hospital(found.hospital_id)
    if found.environment != environment:  # cannot happen with well-formed keys
        raise Unauthorized("This key belongs to the other environment.")
    return AuthenticatedHospital(found.hospital_id, found.hospital_name, environment)


def _not_issued(environment: Environment) -> NotFound:
    # One answer for every reason an ID opens nothing (never issued, another
    # environment's, malformed, an inactive hospital's). An issued ID of a hospital in key
    # mode is told apart (401, saying to send the key), as a developer needs; telling
    # that much costs nothing, since 96 random bits cannot be probed (and failed
    # authentications are rate limited).
    return NotFound(
        f"userId is not a MOPH Connect ID issued in the {environment} environment "
        f"({_api_path(environment)} takes IDs issued by the "
        f"{'[TEST] ' if environment == 'test' else ''}MOPH Connect LINE account). It comes "
        "from '?regist=' on your booking page when a patient picks your hospital."
    )


def authenticate_keyless(
    session: Session,
    user_id: object,
    environment: Environment,
    client: IPAddress | None,
) -> AuthenticatedHospital:
    """A call with no Authorization header: the hospital that issued `userId`, if it
    accepts keyless calls."""
    if not isinstance(user_id, str) or not user_id.strip():
        raise Unauthorized(
            "Send the hospital's API key as 'Authorization: Bearer <key>' (hospitals in "
            f"legacy mode may instead send the patient's MOPH Connect ID as userId). {GUIDE}."
        )
    regist_id = user_id.strip()
    if _REGIST_ID.fullmatch(regist_id) is None:  # never a query for what cannot be an ID
        raise _not_issued(environment)
    issuer = HospitalRepository(session).issuer_of(regist_id)
    if issuer is None or issuer.environment != environment or not issuer.hospital.active:
        raise _not_issued(environment)
    hospital = issuer.hospital
    if hospital.auth_mode != "legacy":
        raise Unauthorized(
            "This hospital authenticates with API keys: send 'Authorization: Bearer <key>' "
            f"with its {environment} key. Calls without a key are accepted only for "
            f"hospitals the ministry has put in legacy mode. {GUIDE}."
        ).of_hospital(hospital.id)
    networks = allowed_networks(hospital.allowed_networks)
    if networks and not within(client, networks):
        raise Forbidden(
            f"Calls without a key for this hospital are accepted only from its registered "
            f"networks; this one came from {client or 'an unknown address'}. Send the "
            f"hospital's API key instead, or ask the ministry to add the network. {GUIDE}."
        ).of_hospital(hospital.id)
    return AuthenticatedHospital(hospital.id, hospital.name, environment, keyless=True)


def allowed_networks(stored: Sequence[str] | None) -> list[IPNetwork]:
    return parse_networks(" ".join(stored or ()))


def authenticate_call(
    session: Session,
    environment: Environment,
    *,
    authorization: str | None,
    user_id: object,
    client: IPAddress | None,
    now: datetime,
) -> AuthenticatedHospital:
    """A call that names a patient (`userId` in its body): by key when it carries an
    Authorization header, else the keyless way."""
    if authorization is not None:
        return authenticate_key(session, authorization, environment, now)
    return authenticate_keyless(session, user_id, environment, client)
