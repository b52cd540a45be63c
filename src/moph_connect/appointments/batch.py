"""`POST /api/queue/schedule/batch`: the midnight run's schedule calls, many in one request.

Beyond the seed, for hospital systems that can use it: at 00:00 a hospital schedules every
appointment of the next day, and one request for up to 1,000 of them costs a fraction of
1,000 requests (one connection, one authentication, one thread hop, a commit per chunk).
Each item is exactly the seed's `/api/queue/schedule` body and is answered as that call
would be, in its own place of the answer: accepted (202, the same answer) or refused (its
own problem+json). All-or-nothing per item, never per batch: each item runs in a savepoint,
so one refused item leaves no trace and the others still count.

A batch needs the hospital's key (no keyless legacy mode: a batch is a new integration) and
counts as one call against the hospital's rate limit; each item still counts against the
per-patient daily limit. Items are idempotent like single calls (a repeated item plans
nothing new), so a batch that got no answer can be sent again whole.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from moph_connect.api.bodies import BatchBody, CallBody, read_batch_body
from moph_connect.api.problems import domain_problem, problem_document, validation_problem
from moph_connect.appointments import admission, calls
from moph_connect.appointments.documentation import BATCH_ERRORS, batch_openapi
from moph_connect.appointments.schemas import BatchItemOut, BatchOut, QueueCall
from moph_connect.appointments.service import AppointmentService
from moph_connect.deps import AuthorizationDep, ClientAddressDep, RuntimeDep
from moph_connect.environments import Environment
from moph_connect.errors import FieldError, MophConnectError
from moph_connect.hospitals.authentication import AuthenticatedHospital
from moph_connect.runtime import Runtime

MAX_ITEMS = 1000
# Items per transaction: on SQLite a transaction holds the database's one write lock, which
# the dispatcher needs too; 50 items hold it for ~0.1 s.
CHUNK = 50


def batch_path(environment: Environment) -> str:
    prefix = "/api" if environment == "production" else "/test/api"
    return prefix + "/queue/schedule/batch"


def _refused(index: int, problem: dict[str, Any]) -> BatchItemOut:
    return BatchItemOut(index=index, status=problem["status"], problem=problem)


def _item(
    service: AppointmentService,
    hospital: AuthenticatedHospital,
    index: int,
    item: Any,
    warnings: list[FieldError],
    now: datetime,
) -> BatchItemOut:
    if not isinstance(item, dict):
        return _refused(
            index,
            problem_document(
                400,
                "invalid-json",
                "Malformed body",
                "Each item of the batch must be one JSON object with a call's fields.",
                [FieldError("body", "must be a JSON object")],
            ),
        )
    try:
        call, call_warnings = calls.validated(QueueCall, CallBody(item, list(warnings)))
    except RequestValidationError as error:
        return _refused(index, validation_problem(error.errors()))
    # Two identical calls racing each other: the loser hits a unique constraint, and on its
    # second try finds what the winner planned (as for one call).
    for _attempt in range(3):
        try:
            with service.session.begin_nested():
                answer = service.handle_call(hospital, "schedule", call, now)
        except IntegrityError:
            continue
        except MophConnectError as error:
            return _refused(index, domain_problem(error))
        answer.warnings = [*call_warnings, *calls.name_warning(call, hospital)]
        return BatchItemOut(index=index, status=202, appointment=answer)
    return _refused(
        index,
        problem_document(
            409,
            "conflict",
            "Concurrent calls",
            "Other calls for the same appointment kept changing it meanwhile; send this "
            "item again.",
        ),
    )


def run_batch(runtime: Runtime, hospital: AuthenticatedHospital, batch: BatchBody) -> BatchOut:
    results: list[BatchItemOut] = []
    for start in range(0, len(batch.items), CHUNK):
        with runtime.database.transaction() as session:
            service = AppointmentService.for_settings(session, runtime.settings)
            now = runtime.clock.now()
            for index in range(start, min(start + CHUNK, len(batch.items))):
                results.append(
                    _item(service, hospital, index, batch.items[index], batch.warnings, now)
                )
        runtime.wake_dispatcher()
    accepted = sum(1 for result in results if result.status == 202)
    return BatchOut(accepted=accepted, refused=len(results) - accepted, results=results)


def add_route(router: APIRouter, environment: Environment) -> None:
    @router.post(
        "/queue/schedule/batch",
        response_model=BatchOut,
        summary="Schedule up to 1,000 appointments in one request (the midnight run), each "
        "answered as its own /queue/schedule call (with a key).",
        operation_id=f"{environment}_schedule_batch",
        responses=BATCH_ERRORS,
        openapi_extra=batch_openapi(MAX_ITEMS),
    )
    async def schedule_batch(
        request: Request,
        runtime: RuntimeDep,
        authorization: AuthorizationDep,
        client: ClientAddressDep,
    ) -> JSONResponse:
        hospital = await admission.admitted(
            runtime, environment, admission.by_key(environment, authorization), client
        )
        batch = await read_batch_body(request, MAX_ITEMS)
        answer = await to_thread.run_sync(run_batch, runtime, hospital, batch)
        return JSONResponse(answer.model_dump(mode="json"))
