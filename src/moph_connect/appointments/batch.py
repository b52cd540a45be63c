"""`POST /api/queue/schedule/batch`: the midnight run's schedule calls, many in one request.

Beyond the seed, for hospital systems that can use it: at 00:00 a hospital schedules every
appointment of the next day, and one request for up to 1,000 of them costs a fraction of
1,000 requests (one connection, one authentication, one thread hop, a commit per chunk).
Each item is exactly the seed's `/api/queue/schedule` body and is answered as that call
would be, in its own place of the answer: accepted (202, the same answer) or refused (its
own problem+json). All-or-nothing per item, never per batch: one refused item leaves no
trace and the others still count (see `_run_chunk` for how, without a savepoint per item).

A batch needs the hospital's key (no keyless legacy mode: a batch is a new integration) and
counts as one call against the hospital's rate limit; each item still counts against the
per-patient daily limit. Items are idempotent like single calls (a repeated item plans
nothing new), so a batch that got no answer can be sent again whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from moph_connect.api.bodies import BatchBody, CallBody, read_batch_body
from moph_connect.api.problems import domain_problem, problem_document, validation_problem
from moph_connect.appointments import admission, calls
from moph_connect.appointments.batch_repository import (
    ChunkAppointments,
    ChunkOutbox,
    ChunkPatients,
    ChunkWrites,
)
from moph_connect.appointments.documentation import BATCH_ERRORS, batch_openapi
from moph_connect.appointments.schemas import (
    AppointmentOut,
    BatchItemOut,
    BatchOut,
    FieldWarning,
    QueueCall,
)
from moph_connect.appointments.service import AppointmentService
from moph_connect.deps import AuthorizationDep, ClientAddressDep, RuntimeDep
from moph_connect.environments import Environment
from moph_connect.errors import FieldError, MophConnectError
from moph_connect.hospitals.authentication import AuthenticatedHospital
from moph_connect.runtime import Runtime
from moph_connect.scheduling import rules
from moph_connect.settings import Settings

MAX_ITEMS = 1000
# Valid items per transaction: on SQLite a transaction holds the database's one write
# lock, which the dispatcher needs too; 50 items hold it for ~0.1 s.
CHUNK = 50
# Runs of a chunk without savepoints, each after one more item was refused, before the
# chunk is run item by item in savepoints.
FAST_ROUNDS = 3


def batch_path(environment: Environment) -> str:
    prefix = "/api" if environment == "production" else "/test/api"
    return prefix + "/queue/schedule/batch"


def _refused(index: int, problem: dict[str, Any]) -> BatchItemOut:
    return BatchItemOut(index=index, status=problem["status"], problem=problem)


@dataclass(frozen=True)
class _Item:
    """A valid item, ready to run."""

    index: int
    call: QueueCall
    warnings: list[FieldWarning]


def _validated(index: int, item: Any, warnings: list[FieldError]) -> _Item | BatchItemOut:
    """The item's fields read as its single call reads them (pure, no database): ready
    to run, or refused with its problem."""
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
    return _Item(index, call, call_warnings)


def _accepted(item: _Item, answer: AppointmentOut, hospital: AuthenticatedHospital) -> BatchItemOut:
    answer.warnings = [*item.warnings, *calls.name_warning(item.call, hospital)]
    return BatchItemOut(index=item.index, status=202, appointment=answer)


class _ItemRefused(Exception):
    """An item refused in a chunk run without savepoints: the chunk is rolled back."""

    def __init__(self, answer: BatchItemOut) -> None:
        super().__init__(answer.index)
        self.answer = answer


def _chunk_service(
    session: Session,
    settings: Settings,
    hospital: AuthenticatedHospital,
    items: Sequence[_Item],
    now: datetime,
) -> tuple[AppointmentService, ChunkWrites]:
    """The single call's service, reading and writing the chunk set-based
    (appointments/batch_repository.py)."""
    service = AppointmentService.for_settings(session, settings)
    regists = {item.call.userId for item in items}
    writes = ChunkWrites(session)
    patients = ChunkPatients(session, hospital.environment, regists)
    # The start of today, Bangkok, as the per-patient daily limit counts (a count read
    # for another start is not used: the service then counts for itself).
    since = rules.bangkok_time(rules.bangkok_date(now), time(0))
    service.patients = patients
    service.appointments = ChunkAppointments(session, writes, hospital.hospital_id, regists)
    service.outbox = ChunkOutbox(
        session,
        writes,
        patients,
        hospital.hospital_id,
        since if settings.patient_messages_per_day > 0 else None,
    )
    return service, writes


def _without_savepoints(
    runtime: Runtime, hospital: AuthenticatedHospital, items: Sequence[_Item], now: datetime
) -> list[BatchItemOut]:
    """The chunk's items in one transaction and no savepoint: the common case. The first
    item refused raises _ItemRefused (the transaction is rolled back)."""
    with runtime.database.transaction() as session:
        service, writes = _chunk_service(session, runtime.settings, hospital, items, now)
        answers = []
        for item in items:
            try:
                answer = service.handle_call(hospital, "schedule", item.call, now)
            except MophConnectError as error:
                raise _ItemRefused(_refused(item.index, domain_problem(error))) from None
            answers.append(_accepted(item, answer, hospital))
        writes.flush()
    return answers


def _in_savepoints(
    runtime: Runtime, hospital: AuthenticatedHospital, items: Sequence[_Item], now: datetime
) -> list[BatchItemOut]:
    """The chunk's items one by one, each in a savepoint of its own."""
    with runtime.database.transaction() as session:
        service = AppointmentService.for_settings(session, runtime.settings)
        return [_in_savepoint(service, hospital, item, now) for item in items]


def _in_savepoint(
    service: AppointmentService, hospital: AuthenticatedHospital, item: _Item, now: datetime
) -> BatchItemOut:
    # Two identical calls racing each other: the loser hits a unique constraint, and on its
    # second try finds what the winner planned (as for one call).
    for _attempt in range(3):
        try:
            with service.session.begin_nested():
                answer = service.handle_call(hospital, "schedule", item.call, now)
        except IntegrityError:
            continue
        except MophConnectError as error:
            return _refused(item.index, domain_problem(error))
        return _accepted(item, answer, hospital)
    return _refused(
        item.index,
        problem_document(
            409,
            "conflict",
            "Concurrent calls",
            "Other calls for the same appointment kept changing it meanwhile; send this "
            "item again.",
        ),
    )


def _run_chunk(
    runtime: Runtime, hospital: AuthenticatedHospital, items: Sequence[_Item]
) -> list[BatchItemOut]:
    """All-or-nothing per item. A savepoint per item cost PostgreSQL as much CPU as a
    whole single call (a subtransaction each), so a chunk runs without: an item refused
    (its own problem, found before or after it wrote) rolls the chunk back, and the chunk
    runs again without it. Its answer stands: it met the rows of the items before it,
    which run again the same, at the same `now`. After FAST_ROUNDS refusals, or when the
    database refused a statement (a concurrent identical call), the chunk runs item by
    item in savepoints, as single calls would. Nothing is written, counted or enqueued
    twice: only the last run commits."""
    refused: dict[int, BatchItemOut] = {}
    now = runtime.clock.now()  # one time for every run of the chunk
    for _round in range(FAST_ROUNDS):
        try:
            answers = _without_savepoints(
                runtime, hospital, [item for item in items if item.index not in refused], now
            )
        except _ItemRefused as refusal:
            refused[refusal.answer.index] = refusal.answer
            continue
        except IntegrityError:
            break
        return [*refused.values(), *answers]
    return _in_savepoints(runtime, hospital, items, now)


def run_batch(runtime: Runtime, hospital: AuthenticatedHospital, batch: BatchBody) -> BatchOut:
    checked = [_validated(n, item, batch.warnings) for n, item in enumerate(batch.items)]
    results = [item for item in checked if isinstance(item, BatchItemOut)]
    valid = [item for item in checked if isinstance(item, _Item)]
    for start in range(0, len(valid), CHUNK):
        results.extend(_run_chunk(runtime, hospital, valid[start : start + CHUNK]))
        runtime.wake_dispatcher()
    results.sort(key=_by_index)
    accepted = sum(1 for result in results if result.status == 202)
    return BatchOut(accepted=accepted, refused=len(results) - accepted, results=results)


def _by_index(result: BatchItemOut) -> int:
    return result.index


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
