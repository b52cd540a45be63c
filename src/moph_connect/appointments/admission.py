"""Who is calling, and when the call may be served: the hospital API's front door.

Authentication comes before anything reads the call's fields, so an unauthenticated caller
learns nothing about them. It runs in one short transaction with the call's count (the
hospital's activity) and its rate-limit charge, committed before the call is served; a call
over the hospital's rate waits for its turn here, holding no thread, connection or lock.

A call to the test environment (`/test/api/...`) carries a `CallNote`: the call is then
also recorded for the console's test sandbox (sandbox/), answered or refused, whenever
its hospital is known. The usual call records it in the admission's transaction (one
INSERT more); a refusal, with the count that records it anyway; a call held for its
turn, in one more transaction of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import anyio
import orjson
from anyio import to_thread
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.responses import Response

from moph_connect.api.bodies import CallBody
from moph_connect.api.problems import domain_problem, problem_document, validation_problem
from moph_connect.environments import Environment
from moph_connect.errors import Forbidden, MophConnectError, NotFound, Unauthorized
from moph_connect.hospitals.authentication import (
    AuthenticatedHospital,
    authenticate_call,
    authenticate_key,
)
from moph_connect.hospitals.repository import HospitalRepository
from moph_connect.networks import IPAddress
from moph_connect.runtime import Runtime
from moph_connect.sandbox.recording import CallNote
from moph_connect.sandbox.repository import SandboxRepository
from moph_connect.scheduling import rules

Authenticate = Callable[[Session, datetime], AuthenticatedHospital]
T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


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


def _problem_of(error: Exception) -> dict[str, Any]:
    """The problem+json body the caller gets for `error` (api/problems.py answers it)."""
    if isinstance(error, RequestValidationError):
        return validation_problem(error.errors())
    if isinstance(error, MophConnectError):
        return domain_problem(error)
    return problem_document(500, "internal", "Internal error", "Something went wrong on our side.")


def _record(
    session: Session,
    note: CallNote,
    hospital_id: str,
    outcome: Any,
    now: datetime,
) -> None:
    """The sandbox's row for this call: its answer (a Response) or its refusal."""
    if isinstance(outcome, Response):
        body = orjson.loads(bytes(outcome.body)) if outcome.body else {}
        status = outcome.status_code
    else:
        body = _problem_of(outcome)
        status = int(body["status"])
    SandboxRepository(session).record(hospital_id, note, status, body, now)


def _failed_authentication(
    runtime: Runtime,
    client: IPAddress | None,
    note: CallNote | None = None,
    error: MophConnectError | None = None,
) -> None:
    with runtime.database.transaction() as session:
        if note is not None and error is not None and error.hospital_id is not None:
            _record(session, note, error.hospital_id, error, runtime.clock.now())
        runtime.rate_limits.failed_authentication(session, client)  # 429 once over


def _admit(
    runtime: Runtime,
    environment: Environment,
    authenticate: Authenticate,
    client: IPAddress | None,
    note: CallNote | None = None,
    refused: Exception | None = None,
) -> tuple[AuthenticatedHospital, float]:
    """Who is calling, and how long to hold the call for its turn (rate limits): one
    short transaction, committed before the call is served. With `refused` (the call
    failed once admitted), the sandbox's record of that refusal in the same."""
    try:
        with runtime.database.transaction() as session:
            now = runtime.clock.now()
            admission = _admit_in(session, runtime, environment, authenticate, now)
            if note is not None and refused is not None:
                _record(session, note, admission[0].hospital_id, refused, now)
            return admission
    except (Unauthorized, Forbidden, NotFound) as error:
        _failed_authentication(runtime, client, note, error)
        raise


def _record_alone(
    runtime: Runtime, note: CallNote, hospital: AuthenticatedHospital, outcome: Any
) -> None:
    with runtime.database.transaction() as session:
        _record(session, note, hospital.hospital_id, outcome, runtime.clock.now())


def served_and_recorded(
    runtime: Runtime,
    note: CallNote | None,
    hospital: AuthenticatedHospital,
    status: int,
    serve: Callable[[Session], M],
) -> M:
    """`serve` in a transaction of its own, for a call already admitted (cancel, get,
    delete); a test call's answer is recorded in the same transaction, its refusal in
    one of its own."""
    try:
        with runtime.database.transaction() as session:
            answer = serve(session)
            if note is not None:
                body = answer.model_dump(mode="json")
                repository = SandboxRepository(session)
                repository.record(hospital.hospital_id, note, status, body, runtime.clock.now())
    except Exception as error:
        if note is not None:
            _record_alone(runtime, note, hospital, error)
        raise
    return answer


async def admitted(
    runtime: Runtime,
    environment: Environment,
    authenticate: Authenticate,
    client: IPAddress | None,
    note: CallNote | None = None,
) -> AuthenticatedHospital:
    """The caller, once its turn has come (refusals of a known hospital recorded in the
    sandbox when `note` is given)."""
    hospital, wait = await to_thread.run_sync(
        _admit, runtime, environment, authenticate, client, note
    )
    if wait > 0:
        await anyio.sleep(wait)  # paced: no thread, connection or lock is held meanwhile
    return hospital


def _admit_and_serve(
    runtime: Runtime,
    environment: Environment,
    authenticate: Authenticate,
    client: IPAddress | None,
    serve: Callable[[Session, AuthenticatedHospital], T],
    note: CallNote | None = None,
) -> tuple[AuthenticatedHospital, float, T | None]:
    """Admission and the call in one transaction: one thread hop and one commit fewer
    than one after the other, for the usual call (within its rate, served at once).
    Otherwise the result is None and the call is to be served on its own: after `wait`
    seconds (over its rate: the admission commits alone), or at once when serving it in
    the same transaction met a concurrent identical call (IntegrityError). A call that
    fails once admitted still counts: its admission is then recorded on its own (with
    the sandbox's record of the refusal, for a test call)."""
    admitted = False
    try:
        with runtime.database.transaction() as session:
            now = runtime.clock.now()
            hospital, wait = _admit_in(session, runtime, environment, authenticate, now)
            admitted = True
            if wait > 0:
                return hospital, wait, None
            result = _served_in(session, hospital, serve, note, now)
    except Exception as error:
        if not admitted:
            if isinstance(error, (Unauthorized, Forbidden, NotFound)):
                _failed_authentication(runtime, client, note, error)
            raise
        if isinstance(error, IntegrityError):
            hospital, _ = _admit(runtime, environment, authenticate, client)
            return hospital, 0.0, None
        hospital, _ = _admit(runtime, environment, authenticate, client, note, error)
        raise
    runtime.wake_dispatcher()
    return hospital, 0.0, result


def admitted_and_served_in(
    session: Session,
    runtime: Runtime,
    environment: Environment,
    authenticate: Authenticate,
    serve: Callable[[Session, AuthenticatedHospital, datetime], T],
    note: CallNote | None,
    now: datetime,
) -> T | None:
    """What `_admit_and_serve`'s transaction does, in a transaction the caller owns (a
    group commit's, appointments/group_commit.py), at the caller's `now`: None when the
    call is over its rate (to be held for its turn, on its own path). Its errors are
    the caller's to handle: the call is then served on its own path, which records them."""
    hospital, wait = _admit_in(session, runtime, environment, authenticate, now)
    if wait > 0:
        return None

    def serve_now(session: Session, hospital: AuthenticatedHospital) -> T:
        return serve(session, hospital, now)

    return _served_in(session, hospital, serve_now, note, now)


def _served_in(
    session: Session,
    hospital: AuthenticatedHospital,
    serve: Callable[[Session, AuthenticatedHospital], T],
    note: CallNote | None,
    now: datetime,
) -> T:
    """An admitted call served in the admission's transaction (and recorded, for a test
    call: the test environment's one statement more)."""
    result = serve(session, hospital)
    if note is not None:
        _record(session, note, hospital.hospital_id, result, now)
    return result


async def admitted_and_served(
    runtime: Runtime,
    environment: Environment,
    authenticate: Authenticate,
    client: IPAddress | None,
    serve: Callable[[Session, AuthenticatedHospital], T],
    serve_alone: Callable[[AuthenticatedHospital], T],
    note: CallNote | None = None,
) -> T:
    """`serve(session, hospital)` in the admission's transaction when it can be, else
    `serve_alone(hospital)` (its own transactions) once the call's turn has come."""
    hospital, wait, result = await to_thread.run_sync(
        _admit_and_serve, runtime, environment, authenticate, client, serve, note
    )
    if result is not None:
        return result
    if wait > 0:
        await anyio.sleep(wait)  # paced: no thread, connection or lock is held meanwhile
    try:
        alone = await to_thread.run_sync(serve_alone, hospital)
    except Exception as error:
        if note is not None:
            await to_thread.run_sync(_record_alone, runtime, note, hospital, error)
        raise
    if note is not None:
        await to_thread.run_sync(_record_alone, runtime, note, hospital, alone)
    return alone


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
