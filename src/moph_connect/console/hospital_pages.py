"""The hospitals pages: the registry (ministry; searched with `hospitals.directory`),
and each hospital's mode, activity, keys and booking link. The ministry issues, rotates
and revokes keys (through `hospitals.key_rotation`: the new key is shown once) and
changes the mode (`hospitals.access`, audited). A hospital user sees her own hospital's
page, read-only; every other hospital, and every action, is 404 to her."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from moph_connect.console.deps import CheckedForm, ConsoleLang, CurrentOperator
from moph_connect.console.errors import ConsoleNotFound
from moph_connect.console.hospital_repository import Activity, ConsoleHospitalRepository
from moph_connect.console.pages import PREFIX, page
from moph_connect.console.scoping import require_hospital, require_ministry
from moph_connect.db.models import Hospital
from moph_connect.deps import RuntimeDep
from moph_connect.environments import ENVIRONMENTS, Environment
from moph_connect.errors import ValidationFailed
from moph_connect.hospitals.access import checked_auth_mode, update_access
from moph_connect.hospitals.authentication import AUTH_MODES
from moph_connect.hospitals.directory import HospitalDirectory
from moph_connect.hospitals.key_rotation import (
    DEFAULT_GRACE_HOURS,
    MAX_GRACE_HOURS,
    RotatedKey,
    revoke_keys,
    rotate_key,
)
from moph_connect.hospitals.keys import is_usable
from moph_connect.hospitals.validation import booking_link
from moph_connect.scheduling.rules import bangkok_date

router = APIRouter(prefix=PREFIX, include_in_schema=False)
PAGE_SIZE = 50
ACTIVITY_DAYS = 7
# What "try it" puts in ?regist=: the shape of a MOPH Connect ID (24 hex digits) but
# issued to nobody, so a booking page that calls us with it is told so (404).
SAMPLE_REGIST = "5a3b1e0c0ffee0000000cafe"
Notice = Literal["mode", "revoked"]


@dataclass(frozen=True)
class HospitalRow:
    hospital_id: str
    name: str
    province: str | None
    active: bool
    auth_mode: str
    activity: Activity


@dataclass(frozen=True)
class KeyRow:
    environment: str
    prefix: str
    created_at: datetime
    state: Literal["usable", "revoked", "expired"]
    expires_at: datetime | None


@dataclass(frozen=True)
class HospitalDetail:
    row: HospitalRow
    district: str | None
    phone: str | None
    booking_url: str
    try_it: str
    allowed_networks: list[str]
    keys: list[KeyRow]


def _rows(
    repository: ConsoleHospitalRepository, hospitals: list[Hospital], now: datetime
) -> list[HospitalRow]:
    since = bangkok_date(now) - timedelta(days=ACTIVITY_DAYS - 1)
    activity = repository.activity([h.id for h in hospitals], since)
    return [
        HospitalRow(h.id, h.name, h.province, h.active, h.auth_mode, activity.get(h.id, Activity()))
        for h in hospitals
    ]


def _detail(session: Session, hospital_id: str, now: datetime) -> HospitalDetail:
    repository = ConsoleHospitalRepository(session)
    hospital = repository.get(hospital_id)
    if hospital is None:
        raise ConsoleNotFound
    keys = [
        KeyRow(
            key.environment,
            key.display_prefix,
            key.created_at,
            "revoked"
            if key.revoked_at is not None
            else "usable"
            if is_usable(key.revoked_at, key.expires_at, now)
            else "expired",
            key.expires_at,
        )
        for key in repository.keys(hospital_id)
    ]
    return HospitalDetail(
        _rows(repository, [hospital], now)[0],
        hospital.district,
        hospital.phone,
        hospital.booking_url,
        booking_link(hospital.booking_url, SAMPLE_REGIST),
        list(hospital.allowed_networks or []),
        keys,
    )


@router.get("/hospitals", response_class=HTMLResponse)
def hospitals_page(
    request: Request,
    runtime: RuntimeDep,
    operator: CurrentOperator,
    lang: ConsoleLang,
    q: str = Query("", max_length=200),
    page_number: int = Query(1, alias="page", ge=1, le=10_000),
) -> HTMLResponse:
    require_ministry(operator)
    now = runtime.clock.now()
    query = q.strip()
    with runtime.database.transaction() as session:
        repository = ConsoleHospitalRepository(session)
        if query:
            matches = HospitalDirectory(session).search(query, limit=PAGE_SIZE)
            hospitals = repository.by_ids([m.hospital_id for m in matches])
            total = len(hospitals)
        else:
            hospitals = list(repository.page(limit=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE))
            total = repository.count()
        rows = _rows(repository, hospitals, now)
    return page(
        request,
        "hospitals.html",
        lang=lang,
        operator=operator,
        rows=rows,
        q=query,
        total=total,
        page_number=page_number,
        has_next=not query and page_number * PAGE_SIZE < total,
    )


def _detail_page(
    request: Request,
    runtime: RuntimeDep,
    operator: CurrentOperator,
    lang: ConsoleLang,
    hospital_id: str,
    *,
    new_key: RotatedKey | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    with runtime.database.transaction() as session:
        detail = _detail(session, hospital_id, runtime.clock.now())
    return page(
        request,
        "hospital.html",
        lang=lang,
        operator=operator,
        detail=detail,
        can_manage=operator.is_ministry,
        new_key=new_key,
        notice=notice,
        environments=ENVIRONMENTS,
        auth_modes=AUTH_MODES,
        default_grace_hours=DEFAULT_GRACE_HOURS,
        max_grace_hours=MAX_GRACE_HOURS,
    )


@router.get("/hospitals/{hospital_id}", response_class=HTMLResponse)
def hospital_page(
    request: Request,
    runtime: RuntimeDep,
    operator: CurrentOperator,
    lang: ConsoleLang,
    hospital_id: str,
    notice: Notice | None = None,
) -> HTMLResponse:
    require_hospital(operator, hospital_id)
    return _detail_page(request, runtime, operator, lang, hospital_id, notice=notice)


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _environment(form: FormData) -> Environment:
    value = _field(form, "environment")
    for environment in ENVIRONMENTS:
        if value == environment:
            return environment
    raise ValidationFailed.field("environment", f"must be one of {', '.join(ENVIRONMENTS)}")


def _grace_hours(form: FormData) -> int:
    value = _field(form, "grace_hours") or str(DEFAULT_GRACE_HOURS)
    try:
        return int(value)
    except ValueError:
        raise ValidationFailed.field("grace_hours", "must be a whole number of hours") from None


def _managed(runtime: RuntimeDep, operator: CurrentOperator, hospital_id: str) -> None:
    """Ministry only, and the hospital must exist: else 404, as for any other page."""
    require_ministry(operator)
    with runtime.database.transaction() as session:
        if ConsoleHospitalRepository(session).get(hospital_id) is None:
            raise ConsoleNotFound


@router.post("/hospitals/{hospital_id}/keys/rotate", response_class=HTMLResponse)
def rotate(
    request: Request,
    runtime: RuntimeDep,
    operator: CurrentOperator,
    lang: ConsoleLang,
    form: CheckedForm,
    hospital_id: str,
) -> HTMLResponse:
    """Answered with the page itself (not a redirect): the new key is in it, once."""
    _managed(runtime, operator, hospital_id)
    environment, grace_hours = _environment(form), _grace_hours(form)
    with runtime.database.transaction() as session:
        rotated = rotate_key(
            session,
            hospital_id,
            environment,
            grace_hours=grace_hours,
            now=runtime.clock.now(),
            actor=operator.email,
        )
    return _detail_page(request, runtime, operator, lang, hospital_id, new_key=rotated)


@router.post("/hospitals/{hospital_id}/keys/revoke", response_class=RedirectResponse)
def revoke(
    runtime: RuntimeDep, operator: CurrentOperator, form: CheckedForm, hospital_id: str
) -> RedirectResponse:
    _managed(runtime, operator, hospital_id)
    environment = _environment(form)
    with runtime.database.transaction() as session:
        revoke_keys(
            session, hospital_id, environment, now=runtime.clock.now(), actor=operator.email
        )
    return RedirectResponse(f"{PREFIX}/hospitals/{hospital_id}?notice=revoked", status_code=303)


@router.post("/hospitals/{hospital_id}/mode", response_class=RedirectResponse)
def change_mode(
    runtime: RuntimeDep, operator: CurrentOperator, form: CheckedForm, hospital_id: str
) -> RedirectResponse:
    _managed(runtime, operator, hospital_id)
    auth = checked_auth_mode(_field(form, "auth"))
    with runtime.database.transaction() as session:
        update_access(
            session,
            hospital_id,
            auth=auth,
            allowed_networks=None,
            cors_origins=None,
            actor=operator.email,
            now=runtime.clock.now(),
        )
    return RedirectResponse(f"{PREFIX}/hospitals/{hospital_id}?notice=mode", status_code=303)
