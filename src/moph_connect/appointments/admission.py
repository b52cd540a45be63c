"""Who is calling, and when the call may be served: the hospital API's front door.

Authentication comes before anything reads the call's fields, so an unauthenticated caller
learns nothing about them. It runs in one short transaction with the call's count (the
hospital's activity) and its rate-limit charge, committed before the call is served; a call
over the hospital's rate waits for its turn here, holding no thread, connection or lock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import anyio
from anyio import to_thread
from sqlalchemy.orm import Session

from moph_connect.api.bodies import CallBody
from moph_connect.environments import Environment
from moph_connect.errors import Forbidden, NotFound, Unauthorized
from moph_connect.hospitals.authentication import (
    AuthenticatedHospital,
    authenticate_call,
    authenticate_key,
)
from moph_connect.hospitals.repository import HospitalRepository
from moph_connect.networks import IPAddress
from moph_connect.runtime import Runtime
from moph_connect.scheduling import rules

Authenticate = Callable[[Session, datetime], AuthenticatedHospital]


def _admit(
    runtime: Runtime,
    environment: Environment,
    authenticate: Authenticate,
    client: IPAddress | None,
) -> tuple[AuthenticatedHospital, float]:
    """Who is calling, and how long to hold the call for its turn (rate limits): one
    short transaction, committed before the call is served."""
    limits = runtime.rate_limits
    now = runtime.clock.now()
    try:
        with runtime.database.transaction() as session:
            hospital = authenticate(session, now)
            HospitalRepository(session).count_call(
                hospital.hospital_id,
                environment,
                rules.bangkok_date(now),
                keyless=hospital.keyless,
                now=now,
            )
            wait = limits.admit_hospital(session, hospital.hospital_id, environment)
    except (Unauthorized, Forbidden, NotFound):
        with runtime.database.transaction() as session:
            limits.failed_authentication(session, client)  # 429 once a source is over
        raise
    return hospital, wait


async def admitted(
    runtime: Runtime,
    environment: Environment,
    authenticate: Authenticate,
    client: IPAddress | None,
) -> AuthenticatedHospital:
    hospital, wait = await to_thread.run_sync(_admit, runtime, environment, authenticate, client)
    if wait > 0:
        await anyio.sleep(wait)  # paced: no thread, connection or lock is held meanwhile
    return hospital


def by_call(
    environment: Environment, body: CallBody, authorization: str | None, client: IPAddress | None
) -> Authenticate:
    def authenticate(session: Session, now: datetime) -> AuthenticatedHospital:
        return authenticate_call(
            session,
            environment,
            authorization=authorization,
            user_id=body.fields.get("userId"),
            client=client,
            now=now,
        )

    return authenticate


def by_key(environment: Environment, authorization: str | None) -> Authenticate:
    def authenticate(session: Session, now: datetime) -> AuthenticatedHospital:
        return authenticate_key(session, authorization, environment, now)

    return authenticate
