"""The hospital API: `/api/...` (production) and `/test/api/...` (test environment).

One router per environment, built by the same factory: the paths, bodies and answers are
identical, only the keys, the LINE channel and the data differ. Each call goes the same
way: read the body however it was sent (`api/bodies.py`), authenticate (by key, or the
keyless way for hospitals in legacy mode: `hospitals/authentication.py`), and only then
validate the fields, so that an unauthenticated caller learns nothing about them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from anyio import to_thread
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.convertors import Convertor, register_url_convertor

from moph_connect.api.routing import allow_every_method
from moph_connect.appointments import admission, batch, calls, group_commit
from moph_connect.appointments.documentation import (
    BY_ID_ERRORS,
    CALL_ERRORS,
    SUMMARIES,
    IdempotencyKeyHeader,
    call_openapi,
)
from moph_connect.appointments.schemas import AlertCall, AppointmentOut, QueueCall
from moph_connect.appointments.service import AppointmentService
from moph_connect.deps import CallBodyDep, HospitalCallerDep
from moph_connect.environments import Environment
from moph_connect.hospitals.authentication import AuthenticatedHospital
from moph_connect.sandbox.recording import CallNote
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


def build_router(environment: Environment) -> APIRouter:
    prefix = "/api" if environment == "production" else "/test/api"
    tag = "Hospital API" if environment == "production" else "Hospital API (test environment)"
    router = APIRouter(prefix=prefix, tags=[tag])

    def test_note(path: str, fields: dict[str, Any], method: str = "") -> CallNote | None:
        """Test calls are kept for the console's sandbox (admission.py records them);
        the endpoint is the path, with its method when that is not POST."""
        if environment != "test":
            return None
        return CallNote(f"{method} {prefix}{path}".strip(), fields)

    def add_call(call_kind: CallKind, path: str, summary: str, model: type[QueueCall]) -> None:
        # `call_kind` is bound by this closure, never by a parameter a caller could set.
        async def endpoint(
            caller: HospitalCallerDep,
            body: CallBodyDep,
            idempotency_key: IdempotencyKeyHeader = None,
        ) -> JSONResponse:
            runtime, client = caller.runtime, caller.client

            def serve(
                session: Session, hospital: AuthenticatedHospital, now: datetime | None = None
            ) -> JSONResponse:
                return calls.handle_in(
                    session, runtime, hospital, call_kind, body, idempotency_key, now
                )

            def serve_alone(hospital: AuthenticatedHospital) -> JSONResponse:
                return calls.handle(runtime, hospital, call_kind, body, idempotency_key)

            authenticate = admission.by_call(environment, body, caller.authorization, client)
            note = test_note(path, body.fields)
            # With the calls of the moment, in one transaction (or alone: group_commit.py).
            return await group_commit.admitted_and_served(
                runtime, environment, authenticate, client, serve, serve_alone, note
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
    batch.add_route(router, environment)

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
    async def cancel(caller: HospitalCallerDep, body: CallBodyDep) -> AppointmentOut:
        runtime, client = caller.runtime, caller.client
        authenticate = admission.by_call(environment, body, caller.authorization, client)
        note = test_note("/queue/cancel", body.fields)
        hospital = await admission.admitted(runtime, environment, authenticate, client, note)

        def cancel_in(session: Session) -> AppointmentOut:
            call, warnings = calls.validated(QueueCall, body)
            service = AppointmentService(session)
            answer = service.cancel_by_call(hospital, call, runtime.clock.now())
            answer.warnings = [*warnings, *calls.name_warning(call, hospital)]
            return answer

        def cancelled() -> AppointmentOut:
            answer = admission.served_and_recorded(runtime, note, hospital, 202, cancel_in)
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
    async def get_appointment(appointment_id: str, caller: HospitalCallerDep) -> AppointmentOut:
        runtime = caller.runtime
        authenticate = admission.by_key(environment, caller.authorization)
        note = test_note(f"/queue/{appointment_id}", {}, method="GET")
        hospital = await admission.admitted(runtime, environment, authenticate, caller.client, note)

        def described(session: Session) -> AppointmentOut:
            service = AppointmentService(session)
            return service.describe(service.owned(hospital, appointment_id), [])

        return await to_thread.run_sync(
            admission.served_and_recorded, runtime, note, hospital, 200, described
        )

    @router.delete(
        "/queue/{appointment_id:appointment_id}",
        status_code=202,
        response_model=AppointmentOut,
        summary="Cancel an appointment by its id (same effect as /queue/cancel; with a key).",
        operation_id=f"{environment}_delete_appointment",
        responses=BY_ID_ERRORS,
    )
    async def delete_appointment(appointment_id: str, caller: HospitalCallerDep) -> AppointmentOut:
        runtime = caller.runtime
        authenticate = admission.by_key(environment, caller.authorization)
        note = test_note(f"/queue/{appointment_id}", {}, method="DELETE")
        hospital = await admission.admitted(runtime, environment, authenticate, caller.client, note)

        def cancel_in(session: Session) -> AppointmentOut:
            service = AppointmentService(session)
            appointment = service.owned(hospital, appointment_id)
            return service.cancel(hospital, appointment, runtime.clock.now())

        def cancelled() -> AppointmentOut:
            answer = admission.served_and_recorded(runtime, note, hospital, 202, cancel_in)
            runtime.wake_dispatcher()
            return answer

        return await to_thread.run_sync(cancelled)

    allow_every_method(router)  # GET and DELETE of /queue/{id}: a 405 names both
    return router
