"""The console's FastAPI dependencies: who is signed in (`CurrentOperator`), in which
language, whether the request came over HTTPS, and a form whose anti-forgery token was
checked (`CheckedForm`)."""

from __future__ import annotations

import ipaddress
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from moph_connect.console import csrf
from moph_connect.console.errors import FormExpired, SignInRequired
from moph_connect.console.i18n import Lang, chosen_lang
from moph_connect.deps import RuntimeDep
from moph_connect.networks import within
from moph_connect.operators.service import SignedIn, current_operator

SESSION_COOKIE = "moph_console_session"
LANG_COOKIE = "moph_console_lang"
COOKIE_PATH = "/console"


def served_over_https(request: Request, runtime: RuntimeDep) -> bool:
    """HTTPS to the browser: our own TLS, or a trusted proxy's `X-Forwarded-Proto`."""
    if request.url.scheme == "https":
        return True
    forwarded = request.headers.get("x-forwarded-proto")
    if not forwarded or request.client is None:
        return False
    try:
        peer = ipaddress.ip_address(request.client.host)
    except ValueError:
        return False
    first = forwarded.split(",")[0].strip().lower()
    return first == "https" and within(peer, runtime.trusted_proxies)


HttpsDep = Annotated[bool, Depends(served_over_https)]


def get_lang(request: Request) -> Lang:
    return chosen_lang(request.cookies.get(LANG_COOKIE))


ConsoleLang = Annotated[Lang, Depends(get_lang)]


def get_current_operator(request: Request, runtime: RuntimeDep) -> SignedIn:
    token = request.cookies.get(SESSION_COOKIE)
    if not token or len(token) > 200:
        raise SignInRequired
    with runtime.database.transaction() as session:
        operator = current_operator(session, token, runtime.clock.now())
    if operator is None:
        raise SignInRequired
    return operator


CurrentOperator = Annotated[SignedIn, Depends(get_current_operator)]


async def checked_form(request: Request, operator: CurrentOperator) -> FormData:
    """The posted form, once its anti-forgery token is this session's."""
    form = await request.form()
    given = form.get(csrf.FIELD)
    if not csrf.same(
        csrf.session_token(operator.session_hash), given if isinstance(given, str) else None
    ):
        raise FormExpired
    return form


CheckedForm = Annotated[FormData, Depends(checked_form)]
