"""The hospital API: `/api/...` (production) and `/test/api/...` (test environment).

One router per environment, built by the same factory: the paths, bodies and answers are
identical, only the keys, the LINE channel and the data differ. Each call goes the same
way: read the body however it was sent (`api/bodies.py`), authenticate (by key, or the
keyless way for hospitals in legacy mode: `hospitals/authentication.py`), and only then
validate the fields, so that an unauthenticated caller learns nothing about them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import datetime

import anyio
import orjson
from anyio import to_thread
from fastapi import APIRouter
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.convertors import Convertor, register_url_convertor

from moph_connect.api.bodies import CallBody
from moph_connect.api.routing import allow_every_method
from moph_connect.appointments.documentation import (
    BY_ID_ERRORS,
    CALL_ERRORS,
    IDEMPOTENCY_KEY_PATTERN,
    SUMMARIES,
    IdempotencyKeyHeader,
    call_openapi,
)
from moph_connect.appointments.repository import AppointmentRepository
from moph_connect.appointments.schemas import (
    AlertCall,
    AppointmentOut,
    FieldWarning,
    QueueCall,
)
from moph_connect.appointments.service import AppointmentService
from moph_connect.db.models import IdempotencyRecord
from moph_connect.deps import AuthorizationDep, CallBodyDep, ClientAddressDep, RuntimeDep
from moph_connect.environments import Environment
from moph_connect.errors import (
    Forbidden,
    IdempotencyKeyReused,
    NotFound,
    Unauthorized,
    ValidationFailed,
)
from moph_connect.hospitals.authentication import (
    AuthenticatedHospital,
    authenticate_call,
    authenticate_key,
)
from moph_connect.hospitals.repository import HospitalRepository
from moph_connect.networks import IPAddress
from moph_connect.runtime import Runtime
from moph_connect.scheduling import rules
from moph_connect.scheduling.rules import CallKind


class AppointmentIdConvertor(Convertor[str]):
    """Only our ids ("a" and 24 hex digits) are appointment ids in a path: `/queue/cancel`
    stays the cancel route for every method, and `%00` or any other junk is a plain 404
    before anything reaches the database."""

    regex = "a[0-9a-f]{24}"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("appointment_id", AppointmentIdConvertor())

_IDEMPOTENCY_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)


def _check_idempotency_key(key: str | None) -> None:
    if key is not None and _IDEMPOTENCY_KEY.fullmatch(key) is None:  # documented the same
        raise ValidationFailed.field(
            "Idempotency-Key", "must be 1 to 200 printable ASCII characters, no spaces"
        )


def _validated(model: type[QueueCall], body: CallBody) -> tuple[QueueCall, list[FieldWarning]]:
    warnings = [FieldWarning(field=w.field, reason=w.reason) for w in body.warnings]
    try:
        call = model.model_validate(body.fields, context={"warnings": warnings})
    except ValidationError as error:
        # Rendered by the one problem+json handler, like FastAPI's own validation errors.
        raise RequestValidationError(error.errors(include_url=False)) from None
    return call, warnings


def _name_warning(call: QueueCall, hospital: AuthenticatedHospital) -> list[FieldWarning]:
    if call.hospitalName is None or call.hospitalName == hospital.name:
        return []
    return [
        FieldWarning(
            field="hospitalName",
            reason=f"differs from the registered name; messages say {hospital.name!r}",
        )
    ]


def _request_hash(call_kind: str, call: QueueCall) -> str:
    canonical = orjson.dumps(
        {"call": call_kind, "body": call.model_dump()}, option=orjson.OPT_SORT_KEYS
    )
    return hashlib.sha256(canonical).hexdigest()


def _admit(
    runtime: Runtime,
    environment: Environment,
    authenticate: Callable[[Session, datetime], AuthenticatedHospital],
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


async def _admitted(
    runtime: Runtime,
    environment: Environment,
    authenticate: Callable[[Session, datetime], AuthenticatedHospital],
    client: IPAddress | None,
) -> AuthenticatedHospital:
    hospital, wait = await to_thread.run_sync(_admit, runtime, environment, authenticate, client)
    if wait > 0:
        await anyio.sleep(wait)  # paced: no thread, connection or lock is held meanwhile
    return hospital


def _by_call(
    environment: Environment, body: CallBody, authorization: str | None, client: IPAddress | None
) -> Callable[[Session, datetime], AuthenticatedHospital]:
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


def _by_key(
    environment: Environment, authorization: str | None
) -> Callable[[Session, datetime], AuthenticatedHospital]:
    def authenticate(session: Session, now: datetime) -> AuthenticatedHospital:
        return authenticate_key(session, authorization, environment, now)

    return authenticate


def _handle(
    runtime: Runtime,
    hospital: AuthenticatedHospital,
    call_kind: CallKind,
    body: CallBody,
    idempotency_key: str | None,
) -> JSONResponse:
    model = AlertCall if call_kind == "alert" else QueueCall
    # Two identical calls racing each other: the loser hits a unique constraint, and on
    # its second try finds what the winner planned.
    for attempt in range(3):
        try:
            with runtime.database.transaction() as session:
                call, warnings = _validated(model, body)
                result = _handle_once(
                    session, runtime, hospital, call_kind, call, warnings, idempotency_key
                )
        except IntegrityError:
            if attempt == 2:
                raise
            continue
        runtime.wake_dispatcher()
        return result
    raise AssertionError("unreachable")


def _handle_once(
    session: Session,
    runtime: Runtime,
    hospital: AuthenticatedHospital,
    call_kind: CallKind,
    call: QueueCall,
    warnings: list[FieldWarning],
    idempotency_key: str | None,
) -> JSONResponse:
    now = runtime.clock.now()
    repository = AppointmentRepository(session)
    request_hash = _request_hash(call_kind, call)
    if idempotency_key is not None:
        record = repository.idempotency_record(
            hospital.hospital_id, hospital.environment, idempotency_key
        )
        if record is not None:
            if record.request_hash != request_hash:
                raise IdempotencyKeyReused(
                    "This Idempotency-Key was used with a different call or body."
                )
            return JSONResponse(record.response, status_code=record.status_code)
    answer = AppointmentService.for_settings(session, runtime.settings).handle_call(
        hospital, call_kind, call, now
    )
    answer.warnings = [*warnings, *_name_warning(call, hospital)]
    body = answer.model_dump(mode="json")
    if idempotency_key is not None:
        repository.add_idempotency_record(
            IdempotencyRecord(
                hospital_id=hospital.hospital_id,
                environment=hospital.environment,
                key=idempotency_key,
                request_hash=request_hash,
                status_code=202,
                response=body,
                # Erasure finds a patient's records by it (patients/erasure.py).
                appointment_id=answer.appointmentId,
                created_at=now,
            )
        )
    return JSONResponse(body, status_code=202)


def build_router(environment: Environment) -> APIRouter:
    prefix = "/api" if environment == "production" else "/test/api"
    tag = "Hospital API" if environment == "production" else "Hospital API (test environment)"
    router = APIRouter(prefix=prefix, tags=[tag])

    def add_call(call_kind: CallKind, path: str, summary: str, model: type[QueueCall]) -> None:
        # `call_kind` is bound by this closure, never by a parameter a caller could set.
        async def endpoint(
            runtime: RuntimeDep,
            body: CallBodyDep,
            authorization: AuthorizationDep,
            client: ClientAddressDep,
            idempotency_key: IdempotencyKeyHeader = None,
        ) -> JSONResponse:
            authenticate = _by_call(environment, body, authorization, client)
            hospital = await _admitted(runtime, environment, authenticate, client)
            _check_idempotency_key(idempotency_key)
            return await to_thread.run_sync(
                _handle, runtime, hospital, call_kind, body, idempotency_key
            )

        router.add_api_route(
            path,
            endpoint,
            methods=["POST"],
            status_code=202,
            response_model=AppointmentOut,
            summary=summary,
            operation_id=f"{environment}_{call_kind}",
            responses=CALL_ERRORS,
            openapi_extra=call_openapi(model),
        )

    for call_kind, (suffix, summary) in SUMMARIES.items():
        add_call(call_kind, "/queue" + suffix, summary, QueueCall)
    add_call(
        "alert", "/alert", "Send the patient an immediate alert, styled by the hospital.", AlertCall
    )

    @router.post(
        "/queue/cancel",
        status_code=202,
        response_model=AppointmentOut,
        summary="Cancel an appointment named by the call's body: pending messages are "
        "cancelled and the patient is told.",
        operation_id=f"{environment}_cancel",
        responses=CALL_ERRORS,
        openapi_extra=call_openapi(QueueCall),
    )
    async def cancel(
        runtime: RuntimeDep,
        body: CallBodyDep,
        authorization: AuthorizationDep,
        client: ClientAddressDep,
    ) -> AppointmentOut:
        authenticate = _by_call(environment, body, authorization, client)
        hospital = await _admitted(runtime, environment, authenticate, client)

        def cancelled() -> AppointmentOut:
            with runtime.database.transaction() as session:
                call, warnings = _validated(QueueCall, body)
                service = AppointmentService(session)
                answer = service.cancel_by_call(hospital, call, runtime.clock.now())
                answer.warnings = [*warnings, *_name_warning(call, hospital)]
            runtime.wake_dispatcher()
            return answer

        return await to_thread.run_sync(cancelled)

    @router.get(
        "/queue/{appointment_id:appointment_id}",
        response_model=AppointmentOut,
        summary="An appointment and the messages planned for it (owning hospital only; "
        "with a key).",
        operation_id=f"{environment}_get_appointment",
        responses=BY_ID_ERRORS,
    )
    async def get_appointment(
        appointment_id: str,
        runtime: RuntimeDep,
        authorization: AuthorizationDep,
        client: ClientAddressDep,
    ) -> AppointmentOut:
        hospital = await _admitted(
            runtime, environment, _by_key(environment, authorization), client
        )

        def described() -> AppointmentOut:
            with runtime.database.transaction() as session:
                service = AppointmentService(session)
                return service.describe(service.owned(hospital, appointment_id), [])

        return await to_thread.run_sync(described)

    @router.delete(
        "/queue/{appointment_id:appointment_id}",
        status_code=202,
        response_model=AppointmentOut,
        summary="Cancel an appointment by its id (same effect as /queue/cancel; with a key).",
        operation_id=f"{environment}_delete_appointment",
        responses=BY_ID_ERRORS,
    )
    async def delete_appointment(
        appointment_id: str,
        runtime: RuntimeDep,
        authorization: AuthorizationDep,
        client: ClientAddressDep,
    ) -> AppointmentOut:
        hospital = await _admitted(
            runtime, environment, _by_key(environment, authorization), client
        )

        def cancelled() -> AppointmentOut:
            with runtime.database.transaction() as session:
                service = AppointmentService(session)
                appointment = service.owned(hospital, appointment_id)
                answer = service.cancel(hospital, appointment, runtime.clock.now())
            runtime.wake_dispatcher()
            return answer

        return await to_thread.run_sync(cancelled)

    allow_every_method(router)  # GET and DELETE of /queue/{id}: a 405 names both
    return router
