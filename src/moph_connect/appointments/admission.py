"""Who is calling, and when the call may be served: the hospital API's front door.

Authentication comes before anything reads the call's fields, so an unauthenticated caller
learns nothing about them. It runs in one short transaction with the call's count (the
hospital's activity) and its rate-limit charge, committed before the call is served; a call
over the hospital's rate waits for its turn here, holding no thread, connection or lock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

import anyio
from anyio import to_thread
from sqlalchemy.exc import IntegrityError
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
T = TypeVar("T")


def _admit_in(
    session: Session,
    runtime: Runtime,
    environment: Environment,
    authenticate: Authenticate,
    now: datetime,
) -> tuple[AuthenticatedHospital, float]:
    hospital = authenticate(session, now)
    HospitalRepository(session).count_call(
        hospital.hospital_id,
        environment,
        rules.bangkok_date(now),
        keyless=hospital.keyless,
        now=now,
    )
    return hospital, runtime.rate_limits.admit_hospital(session, hospital.hospital_id, environment)


def _failed_authentication(runtime: Runtime, client: IPAddress | None) -> None:
    with runtime.database.transaction() as session:
        runtime.rate_limits.failed_authentication(session, client)  # 429 once over


def _admit(
    runtime: Runtime,
    environment: Environment,
    authenticate: Authenticate,
    client: IPAddress | None,
) -> tuple[AuthenticatedHospital, float]:
    """Who is calling, and how long to hold the call for its turn (rate limits): one
    short transaction, committed before the call is served."""
    try:
        with runtime.database.transaction() as session:
            return _admit_in(session, runtime, environment, authenticate, runtime.clock.now())
    except (Unauthorized, Forbidden, NotFound):
        _failed_authentication(runtime, client)
        raise


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


def _admit_and_serve(
    runtime: Runtime,
    environment: Environment,
    authenticate: Authenticate,
    client: IPAddress | None,
    serve: Callable[[Session, AuthenticatedHospital], T],
) -> tuple[AuthenticatedHospital, float, T | None]:
    """Admission and the call in one transaction: one thread hop and one commit fewer
    than one after the other, for the usual call (within its rate, served at once).
    Otherwise the result is None and the call is to be served on its own: after `wait`
    seconds (over its rate: the admission commits alone), or at once when serving it in
    the same transaction met a concurrent identical call (IntegrityError). A call that
    fails once admitted still counts: its admission is then recorded on its own."""
    admitted = False
    try:
        with runtime.database.transaction() as session:
            hospital, wait = _admit_in(
                session, runtime, environment, authenticate, runtime.clock.now()
            )
            admitted = True
            if wait > 0:
                return hospital, wait, None
            result = serve(session, hospital)
    except Exception as error:
        if not admitted:
            if isinstance(error, (Unauthorized, Forbidden, NotFound)):
                _failed_authentication(runtime, client)
            raise
        hospital, _ = _admit(runtime, environment, authenticate, client)
        if isinstance(error, IntegrityError):
            return hospital, 0.0, None
        raise
    runtime.wake_dispatcher()
    return hospital, 0.0, result


async def admitted_and_served(
    runtime: Runtime,
    environment: Environment,
    authenticate: Authenticate,
    client: IPAddress | None,
    serve: Callable[[Session, AuthenticatedHospital], T],
    serve_alone: Callable[[AuthenticatedHospital], T],
) -> T:
    """`serve(session, hospital)` in the admission's transaction when it can be, else
    `serve_alone(hospital)` (its own transactions) once the call's turn has come."""
    hospital, wait, result = await to_thread.run_sync(
        _admit_and_serve, runtime, environment, authenticate, client, serve
    )
    if result is not None:
        return result
    if wait > 0:
        await anyio.sleep(wait)  # paced: no thread, connection or lock is held meanwhile
    return await to_thread.run_sync(serve_alone, hospital)


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
