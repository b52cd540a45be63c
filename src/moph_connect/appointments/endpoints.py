"""The hospital API: `/api/...` (production) and `/test/api/...` (test environment).

One router per environment, built by the same factory: the paths, bodies and answers are
identical, only the keys, the LINE channel and the data differ.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from moph_connect.appointments.repository import AppointmentRepository
from moph_connect.appointments.schemas import AlertCall, AppointmentOut, QueueCall
from moph_connect.appointments.service import AppointmentService
from moph_connect.db.models import IdempotencyRecord
from moph_connect.deps import DatabaseDep, RuntimeDep
from moph_connect.environments import Environment
from moph_connect.errors import IdempotencyKeyReused, ValidationFailed
from moph_connect.hospitals.service import authenticate
from moph_connect.scheduling.rules import CallKind

AuthorizationHeader = Annotated[
    str | None, Header(description="`Bearer <key>`: the hospital's key for this environment.")
]
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Optional. Repeating a call with the same key returns the first answer; "
        "the same key with a different body is refused (422).",
    ),
]

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, unknown, or other-environment API key"},
    404: {"description": "userId not issued to this hospital, or no such appointment"},
    413: {"description": "Body too large"},
    422: {"description": "Invalid field (problem+json names the field and the reason)"},
}

_SUMMARIES: dict[CallKind, tuple[str, str]] = {
    "queue": ("", "A booking was made: send the queue card now."),
    "schedule": (
        "/schedule",
        "Plan the reminders: 09:00 the day before and 06:00 on the day (Asia/Bangkok).",
    ),
    "notify": (
        "/notify",
        "The patient's turn is near: alert now; satisfaction survey at 12:00 the next day.",
    ),
}


def _request_hash(call_kind: str, call: QueueCall) -> str:
    canonical = orjson.dumps(
        {"call": call_kind, "body": call.model_dump()}, option=orjson.OPT_SORT_KEYS
    )
    return hashlib.sha256(canonical).hexdigest()


def _handle(
    runtime: RuntimeDep,
    environment: Environment,
    call_kind: CallKind,
    call: QueueCall,
    authorization: str | None,
    idempotency_key: str | None,
) -> JSONResponse:
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= 200:
        raise ValidationFailed.field("Idempotency-Key", "must be 1 to 200 characters")
    # Two identical calls racing each other: the loser hits a unique constraint, and on
    # its second try finds what the winner planned.
    for attempt in range(3):
        try:
            result = _handle_once(
                runtime, environment, call_kind, call, authorization, idempotency_key
            )
        except IntegrityError:
            if attempt == 2:
                raise
            continue
        runtime.wake_dispatcher()
        return result
    raise AssertionError("unreachable")


def _handle_once(
    runtime: RuntimeDep,
    environment: Environment,
    call_kind: CallKind,
    call: QueueCall,
    authorization: str | None,
    idempotency_key: str | None,
) -> JSONResponse:
    now = runtime.clock.now()
    with runtime.database.transaction() as session:
        hospital = authenticate(session, authorization, environment)
        repository = AppointmentRepository(session)
        request_hash = _request_hash(call_kind, call)
        if idempotency_key is not None:
            record = repository.idempotency_record(
                hospital.hospital_id, environment, idempotency_key
            )
            if record is not None:
                if record.request_hash != request_hash:
                    raise IdempotencyKeyReused(
                        "This Idempotency-Key was used with a different call or body."
                    )
                return JSONResponse(record.response, status_code=record.status_code)
        answer = AppointmentService(
            session, survey_expiry_days=runtime.settings.survey_expiry_days
        ).handle_call(hospital, call_kind, call, now)
        body = answer.model_dump(mode="json")
        if idempotency_key is not None:
            repository.add_idempotency_record(
                IdempotencyRecord(
                    hospital_id=hospital.hospital_id,
                    environment=environment,
                    key=idempotency_key,
                    request_hash=request_hash,
                    status_code=202,
                    response=body,
                    created_at=now,
                )
            )
    return JSONResponse(body, status_code=202)


def build_router(environment: Environment) -> APIRouter:
    prefix = "/api" if environment == "production" else "/test/api"
    tag = "Hospital API" if environment == "production" else "Hospital API (test environment)"
    router = APIRouter(prefix=prefix, tags=[tag], responses=_ERRORS)

    for call_kind, (suffix, summary) in _SUMMARIES.items():

        def endpoint(
            call: QueueCall,
            runtime: RuntimeDep,
            authorization: AuthorizationHeader = None,
            idempotency_key: IdempotencyKeyHeader = None,
            _kind: CallKind = call_kind,
        ) -> JSONResponse:
            return _handle(runtime, environment, _kind, call, authorization, idempotency_key)

        router.add_api_route(
            "/queue" + suffix,
            endpoint,
            methods=["POST"],
            status_code=202,
            response_model=AppointmentOut,
            summary=summary,
            operation_id=f"{environment}_{call_kind}",
        )

    @router.post(
        "/alert",
        status_code=202,
        response_model=AppointmentOut,
        summary="Send the patient an immediate alert, styled by the hospital.",
        operation_id=f"{environment}_alert",
    )
    def alert(
        call: AlertCall,
        runtime: RuntimeDep,
        authorization: AuthorizationHeader = None,
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> JSONResponse:
        return _handle(runtime, environment, "alert", call, authorization, idempotency_key)

    @router.get(
        "/queue/{appointment_id}",
        response_model=AppointmentOut,
        summary="An appointment and the messages planned for it (owning hospital only).",
        operation_id=f"{environment}_get_appointment",
    )
    def get_appointment(
        appointment_id: str,
        database: DatabaseDep,
        authorization: AuthorizationHeader = None,
    ) -> AppointmentOut:
        with database.transaction() as session:
            hospital = authenticate(session, authorization, environment)
            service = AppointmentService(session)
            return service.describe(service.owned(hospital, appointment_id), [])

    @router.post(
        "/queue/cancel",
        status_code=202,
        response_model=AppointmentOut,
        summary="Cancel an appointment named by the call's body: pending messages are "
        "cancelled and the patient is told.",
        operation_id=f"{environment}_cancel",
    )
    def cancel(
        call: QueueCall, runtime: RuntimeDep, authorization: AuthorizationHeader = None
    ) -> AppointmentOut:
        with runtime.database.transaction() as session:
            hospital = authenticate(session, authorization, environment)
            answer = AppointmentService(session).cancel_by_call(hospital, call, runtime.clock.now())
        runtime.wake_dispatcher()
        return answer

    @router.delete(
        "/queue/{appointment_id}",
        status_code=202,
        response_model=AppointmentOut,
        summary="Cancel an appointment by its id (same effect as /queue/cancel).",
        operation_id=f"{environment}_delete_appointment",
    )
    def delete_appointment(
        appointment_id: str, runtime: RuntimeDep, authorization: AuthorizationHeader = None
    ) -> AppointmentOut:
        with runtime.database.transaction() as session:
            hospital = authenticate(session, authorization, environment)
            service = AppointmentService(session)
            appointment = service.owned(hospital, appointment_id)
            answer = service.cancel(hospital, appointment, runtime.clock.now())
        runtime.wake_dispatcher()
        return answer

    return router
