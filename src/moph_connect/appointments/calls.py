"""One hospital call served: its fields validated, the service run in one transaction,
the answer kept for its Idempotency-Key. The endpoints only translate HTTP to this."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

import orjson
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from moph_connect.api.bodies import CallBody
from moph_connect.appointments.documentation import IDEMPOTENCY_KEY_PATTERN
from moph_connect.appointments.repository import AppointmentRepository
from moph_connect.appointments.schemas import AlertCall, FieldWarning, QueueCall
from moph_connect.appointments.service import AppointmentService
from moph_connect.db.models import IdempotencyRecord
from moph_connect.errors import IdempotencyKeyReused, ValidationFailed
from moph_connect.hospitals.authentication import AuthenticatedHospital
from moph_connect.runtime import Runtime
from moph_connect.scheduling.rules import CallKind

_IDEMPOTENCY_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)


def check_idempotency_key(key: str | None) -> None:
    if key is not None and _IDEMPOTENCY_KEY.fullmatch(key) is None:  # documented the same
        raise ValidationFailed.field(
            "Idempotency-Key", "must be 1 to 200 printable ASCII characters, no spaces"
        )


def validated(model: type[QueueCall], body: CallBody) -> tuple[QueueCall, list[FieldWarning]]:
    warnings = [FieldWarning(field=w.field, reason=w.reason) for w in body.warnings]
    try:
        call = model.model_validate(body.fields, context={"warnings": warnings})
    except ValidationError as error:
        # Rendered by the one problem+json handler, like FastAPI's own validation errors.
        raise RequestValidationError(error.errors(include_url=False)) from None
    return call, warnings


def name_warning(call: QueueCall, hospital: AuthenticatedHospital) -> list[FieldWarning]:
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


def handle_in(
    session: Session,
    runtime: Runtime,
    hospital: AuthenticatedHospital,
    call_kind: CallKind,
    body: CallBody,
    idempotency_key: str | None,
    now: datetime | None = None,
) -> JSONResponse:
    """The call in the caller's transaction (the admission's, see admission.py). `now`:
    the caller's time for it (a group commit runs a call again at the same time)."""
    check_idempotency_key(idempotency_key)
    call, warnings = validated(AlertCall if call_kind == "alert" else QueueCall, body)
    return _handle_once(session, runtime, hospital, call_kind, call, warnings, idempotency_key, now)


def handle(
    runtime: Runtime,
    hospital: AuthenticatedHospital,
    call_kind: CallKind,
    body: CallBody,
    idempotency_key: str | None,
) -> JSONResponse:
    """The call in transactions of its own."""
    check_idempotency_key(idempotency_key)
    model = AlertCall if call_kind == "alert" else QueueCall
    # Two identical calls racing each other: the loser hits a unique constraint, and on
    # its second try finds what the winner planned.
    for attempt in range(3):
        try:
            with runtime.database.transaction() as session:
                call, warnings = validated(model, body)
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
    now: datetime | None = None,
) -> JSONResponse:
    now = runtime.clock.now() if now is None else now
    repository = AppointmentRepository(session)
    # Only a call with an Idempotency-Key needs its body's hash.
    request_hash = "" if idempotency_key is None else _request_hash(call_kind, call)
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
    answer.warnings = [*warnings, *name_warning(call, hospital)]
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
