"""The deliveries pages: `/console/deliveries` (search) and `/console/deliveries/{id}`
(one message's timeline). Scoped like every console page: a hospital user finds only her
hospital's messages, and another hospital's id is 404.

Lists show no patient name. The detail page shows it only to her hospital's users, and
only when asked (a form posted with its anti-forgery token): each time, the audit records
who looked at which message (ids only, never the name).
"""

from __future__ import annotations

from datetime import date
from typing import Final, get_args

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from moph_connect.audit.repository import AuditRepository
from moph_connect.console.deps import CheckedForm, ConsoleLang, CurrentOperator
from moph_connect.console.errors import ConsoleNotFound
from moph_connect.console.pages import PREFIX, page
from moph_connect.console.scoping import scope_of
from moph_connect.deliveries.repository import PAGE_SIZE, DeliveryRepository, Filters
from moph_connect.deliveries.timeline import timeline
from moph_connect.deps import RuntimeDep
from moph_connect.environments import ENVIRONMENTS
from moph_connect.errors import ValidationFailed
from moph_connect.operators.service import SignedIn
from moph_connect.scheduling.rules import MessageKind

router = APIRouter(prefix=PREFIX, include_in_schema=False)
# Chat replies are outbox rows too ("chat"), beside the appointment messages.
KINDS: Final = (*get_args(MessageKind), "chat")
STATUSES: Final = ("pending", "sending", "sent", "failed", "cancelled")
PATIENT_VIEWED: Final = "console.patient_viewed"
BAD_STEPS: Final = frozenset({"failed", "dropped", "retry", "rate_limited", "paused"})


def _choice(field: str, value: str | None, allowed: tuple[str, ...]) -> str | None:
    if not value:
        return None
    if value not in allowed:
        raise ValidationFailed.field(field, f"must be one of {', '.join(allowed)}")
    return value


def _filters(
    appointment: str | None,
    queue: str | None,
    day: str | None,
    kind: str | None,
    status: str | None,
    environment: str | None,
    before: str | None,
) -> Filters:
    try:
        appointment_date = date.fromisoformat(day) if day else None
    except ValueError:
        raise ValidationFailed.field("date", "must be a date, YYYY-MM-DD") from None
    if before and not before.isdigit():
        raise ValidationFailed.field("before", "must be a message id")
    return Filters(
        appointment_id=(appointment or "").strip() or None,
        queue_number=(queue or "").strip() or None,
        appointment_date=appointment_date,
        kind=_choice("kind", kind, KINDS),
        status=_choice("status", status, STATUSES),
        environment=_choice("environment", environment, ENVIRONMENTS),
        before_id=int(before) if before else None,
    )


@router.get("/deliveries", response_class=HTMLResponse)
def deliveries_page(
    request: Request,
    runtime: RuntimeDep,
    operator: CurrentOperator,
    lang: ConsoleLang,
    appointment: str | None = Query(None, max_length=32),
    queue: str | None = Query(None, max_length=200),
    day: str | None = Query(None, alias="date", max_length=10),
    kind: str | None = Query(None, max_length=32),
    status: str | None = Query(None, max_length=16),
    environment: str | None = Query(None, max_length=16),
    before: str | None = Query(None, max_length=20),
) -> HTMLResponse:
    filters = _filters(appointment, queue, day, kind, status, environment, before)
    scope = scope_of(operator)
    with runtime.database.transaction() as session:
        found = DeliveryRepository(session).search(scope.hospital_id, filters, PAGE_SIZE + 1)
    rows, more = found[:PAGE_SIZE], len(found) > PAGE_SIZE
    # The form's own values, for the "older" link (the page's `before` replaced).
    kept = {
        "appointment": filters.appointment_id or "",
        "queue": filters.queue_number or "",
        "date": filters.appointment_date.isoformat() if filters.appointment_date else "",
        "kind": filters.kind or "",
        "status": filters.status or "",
        "environment": filters.environment or "",
    }
    return page(
        request,
        "deliveries.html",
        lang=lang,
        operator=operator,
        rows=rows,
        more=more,
        kept=kept,
        paged=filters.before_id is not None,
        kinds=KINDS,
        statuses=STATUSES,
        environments=ENVIRONMENTS,
        national=scope.national,
    )


def _detail_page(
    request: Request,
    runtime: RuntimeDep,
    operator: SignedIn,
    lang: ConsoleLang,
    message_id: int,
    *,
    reveal: bool,
) -> HTMLResponse:
    scope = scope_of(operator)
    patient_name: str | None = None
    with runtime.database.transaction() as session:
        repository = DeliveryRepository(session)
        detail = repository.detail(scope.hospital_id, message_id)
        if detail is None:
            raise ConsoleNotFound
        delivery = detail.delivery
        # Her hospital's users only: the ministry runs the service, not her care.
        may_reveal = (
            scope.hospital_id is not None
            and delivery.hospital_id == scope.hospital_id
            and delivery.appointment_id is not None
        )
        if reveal:
            if not may_reveal or delivery.appointment_id is None or scope.hospital_id is None:
                raise ConsoleNotFound
            patient_name = repository.patient_name(scope.hospital_id, delivery.appointment_id)
            AuditRepository(session).record(
                PATIENT_VIEWED,
                actor=operator.email,
                detail={
                    "operatorId": operator.operator_id,
                    "messageId": delivery.id,
                    "appointmentId": delivery.appointment_id,
                    "hospitalId": delivery.hospital_id,
                },
                now=runtime.clock.now(),
                environment=delivery.environment,
            )
    return page(
        request,
        "delivery.html",
        lang=lang,
        operator=operator,
        delivery=delivery,
        events=timeline(detail.state, detail.steps),
        may_reveal=may_reveal,
        patient_name=patient_name,
        bad_steps=BAD_STEPS,
        national=scope.national,
    )


@router.get("/deliveries/{message_id}", response_class=HTMLResponse)
def delivery_page(
    request: Request,
    runtime: RuntimeDep,
    operator: CurrentOperator,
    lang: ConsoleLang,
    message_id: str,
) -> HTMLResponse:
    if not message_id.isdigit() or len(message_id) > 19:
        raise ConsoleNotFound
    return _detail_page(request, runtime, operator, lang, int(message_id), reveal=False)


@router.post("/deliveries/{message_id}/patient", response_class=HTMLResponse)
def delivery_patient(
    request: Request,
    runtime: RuntimeDep,
    operator: CurrentOperator,
    lang: ConsoleLang,
    _form: CheckedForm,
    message_id: str,
) -> HTMLResponse:
    if not message_id.isdigit() or len(message_id) > 19:
        raise ConsoleNotFound
    return _detail_page(request, runtime, operator, lang, int(message_id), reveal=True)
