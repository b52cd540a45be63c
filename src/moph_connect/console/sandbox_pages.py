"""The test sandbox: `/console/sandbox/{hospital_id}` shows a hospital's recent calls to
the test environment's API with their answers (sandbox/), and its test patients, each
by MOPH Connect ID; `/console/sandbox/{hospital_id}/patients/{regist_id}` what one test
patient received, drawn like the emulator's phone view (phone_view.py).

Scoped like every console page: a hospital user sees her own hospital's sandbox only
(`/console/sandbox` takes her there), another hospital's id is 404; the ministry picks a
hospital. Only the test environment is ever read: production calls are not recorded,
and production messages are not shown here. Names appear only inside the messages as
the test patient received them, never in lists.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from moph_connect.console.deps import ConsoleLang, CurrentOperator
from moph_connect.console.errors import ConsoleNotFound
from moph_connect.console.pages import PREFIX, page, templates
from moph_connect.console.phone_view import colors_css, colors_query, draw
from moph_connect.console.scoping import require_hospital, scope_of
from moph_connect.deps import RuntimeDep
from moph_connect.sandbox.repository import SandboxRepository

router = APIRouter(prefix=PREFIX, include_in_schema=False)
_REGIST_ID: Final = re.compile(r"[0-9a-f]{24}")
_HOSPITAL_ID: Final = re.compile(r"[A-Za-z0-9_-]{1,32}")
COLORS_PATH: Final = f"{PREFIX}/sandbox-colors.css"


def _pretty_json(value: Any) -> str:
    """Indented JSON with Thai as Thai (Jinja2's `tojson` writes \\u escapes); the
    template's autoescape makes it safe HTML."""
    return json.dumps(value, ensure_ascii=False, indent=2)


templates.env.filters["pretty_json"] = _pretty_json


def _hospital_name(runtime: RuntimeDep, hospital_id: str) -> str:
    if _HOSPITAL_ID.fullmatch(hospital_id) is None:
        raise ConsoleNotFound
    with runtime.database.transaction() as session:
        name = SandboxRepository(session).hospital_name(hospital_id)
    if name is None:
        raise ConsoleNotFound
    return name


@router.get("/sandbox", response_class=HTMLResponse)
def sandbox_home(
    request: Request,
    runtime: RuntimeDep,
    operator: CurrentOperator,
    lang: ConsoleLang,
    hospital: str | None = Query(None, max_length=32),
) -> Response:
    scope = scope_of(operator)
    if scope.hospital_id is not None:
        return RedirectResponse(f"{PREFIX}/sandbox/{scope.hospital_id}", status_code=303)
    if hospital and _HOSPITAL_ID.fullmatch(hospital.strip()):
        return RedirectResponse(f"{PREFIX}/sandbox/{hospital.strip()}", status_code=303)
    with runtime.database.transaction() as session:
        hospitals = SandboxRepository(session).hospitals_with_calls()
    return page(request, "sandbox_pick.html", lang=lang, operator=operator, hospitals=hospitals)


@router.get(COLORS_PATH.removeprefix(PREFIX), include_in_schema=False)
def sandbox_colors(c: str = Query("", max_length=2000)) -> Response:
    """The colour classes a phone view uses (no `style=` under the console's CSP). The
    same query always gives the same stylesheet, so browsers may keep it."""
    return Response(
        colors_css(c),
        media_type="text/css",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get("/sandbox/{hospital_id}", response_class=HTMLResponse)
def sandbox_page(
    request: Request,
    runtime: RuntimeDep,
    operator: CurrentOperator,
    lang: ConsoleLang,
    hospital_id: str,
) -> HTMLResponse:
    require_hospital(operator, hospital_id)
    name = _hospital_name(runtime, hospital_id)
    with runtime.database.transaction() as session:
        repository = SandboxRepository(session)
        calls = repository.recent(hospital_id)
        patients = repository.test_patients(hospital_id)
    return page(
        request,
        "sandbox.html",
        lang=lang,
        operator=operator,
        hospital_id=hospital_id,
        hospital_name=name,
        calls=calls,
        patients=patients,
    )


@router.get("/sandbox/{hospital_id}/patients/{regist_id}", response_class=HTMLResponse)
def sandbox_patient(
    request: Request,
    runtime: RuntimeDep,
    operator: CurrentOperator,
    lang: ConsoleLang,
    hospital_id: str,
    regist_id: str,
) -> HTMLResponse:
    require_hospital(operator, hospital_id)
    if _REGIST_ID.fullmatch(regist_id) is None:
        raise ConsoleNotFound
    name = _hospital_name(runtime, hospital_id)
    with runtime.database.transaction() as session:
        received = SandboxRepository(session).received(hospital_id, regist_id)
    if not received:  # not this hospital's test patient (or nothing was planned for her)
        raise ConsoleNotFound
    drawn = [(message, draw(message.messages)) for message in received]
    colors = set().union(*(drawing.colors for _, drawing in drawn))
    return page(
        request,
        "sandbox_patient.html",
        lang=lang,
        operator=operator,
        hospital_id=hospital_id,
        hospital_name=name,
        regist_id=regist_id,
        drawn=drawn,
        colors_href=f"{COLORS_PATH}?c={colors_query(colors)}",
    )
