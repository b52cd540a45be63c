"""Rendering a console page: the templates, the words of the chosen language, the
navigation the operator may use, and the headers every page carries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from moph_connect.console import csrf
from moph_connect.console.i18n import CATALOGUE, Lang, translator
from moph_connect.operators.service import SignedIn
from moph_connect.scheduling.rules import bangkok_iso

PACKAGE = Path(__file__).parent
STATIC_DIR = PACKAGE / "static"
PREFIX = "/console"

templates = Jinja2Templates(directory=str(PACKAGE / "templates"))


def _bangkok(instant: datetime | None) -> str:
    """ "2026-12-03 21:05" (Asia/Bangkok): what the operators read."""
    if instant is None:
        return ""
    return bangkok_iso(instant)[:16].replace("T", " ")


templates.env.filters["bangkok"] = _bangkok


@dataclass(frozen=True)
class NavItem:
    path: str
    label: str  # an i18n key
    ministry_only: bool = False


# The console's menu, in order. A page of another module adds its entry here.
NAV: list[NavItem] = [
    NavItem(f"{PREFIX}/overview", "nav.overview"),
    NavItem(f"{PREFIX}/hospitals", "nav.hospitals", ministry_only=True),
    NavItem(f"{PREFIX}/deliveries", "nav.deliveries"),
    NavItem(f"{PREFIX}/satisfaction", "nav.satisfaction"),
    NavItem(f"{PREFIX}/sandbox", "nav.sandbox"),
]


def nav_for(operator: SignedIn | None) -> list[NavItem]:
    if operator is None:
        return []
    return [item for item in NAV if operator.is_ministry or not item.ministry_only]


def page(
    request: Request,
    template: str,
    *,
    lang: Lang,
    operator: SignedIn | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """The page, never cached (it shows operational data, and new keys once)."""
    values: dict[str, Any] = {
        "t": translator(lang),
        "lang": lang,
        "operator": operator,
        "csrf_field": csrf.FIELD,
        "csrf_token": None if operator is None else csrf.session_token(operator.session_hash),
        "nav": nav_for(operator),
        "path": request.url.path,
        "prefix": PREFIX,
        "catalogue": CATALOGUE,
        **context,
    }
    response = templates.TemplateResponse(request, template, values, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response
