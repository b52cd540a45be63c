"""Signing in and out, and the language switch.

The client's address is the one `networks.client_address` sees (X-Forwarded-For only
from a trusted proxy): refused sign-ins count against it as well as against the account.
A wrong password is answered only after `console_failed_sign_in_delay_seconds`, waited
on the event loop (no thread is held); argon2 runs in at most `SIGN_INS_AT_ONCE` threads,
so that a flood of sign-ins neither takes the API's threads nor 64 MiB per attempt
without bound.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from functools import partial
from urllib.parse import quote

from anyio import CapacityLimiter, to_thread
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from moph_connect.api.routing import allow_every_method
from moph_connect.console import csrf
from moph_connect.console.deps import (
    COOKIE_PATH,
    LANG_COOKIE,
    SESSION_COOKIE,
    CheckedForm,
    ConsoleLang,
    CurrentOperator,
    HttpsDep,
)
from moph_connect.console.errors import FormExpired
from moph_connect.console.i18n import Lang, chosen_lang
from moph_connect.console.pages import PREFIX, page
from moph_connect.deps import ClientAddressDep, RuntimeDep
from moph_connect.operators.service import (
    LockOut,
    SignInResult,
    SourceLimit,
    sign_in,
    sign_out,
    source_of,
)
from moph_connect.runtime import Runtime

SIGN_INS_AT_ONCE = 4
HOME = f"{PREFIX}/overview"
LOGIN = f"{PREFIX}/login"
LANG_COOKIE_SECONDS = 365 * 24 * 3600

router = APIRouter(prefix=PREFIX, include_in_schema=False)
_sign_in_threads: CapacityLimiter | None = None


def argon2_limiter() -> CapacityLimiter:
    # Made lazily: a CapacityLimiter belongs to the event loop that first uses it.
    global _sign_in_threads
    if _sign_in_threads is None:
        _sign_in_threads = CapacityLimiter(SIGN_INS_AT_ONCE)
    return _sign_in_threads


def safe_next(value: str | None) -> str:
    """Only a console path of ours: never another site (no open redirect)."""
    if (
        value
        and value.startswith(PREFIX + "/")
        and "//" not in value
        and "\\" not in value
        and not any(ord(c) < 0x20 for c in value)
    ):
        return value
    return HOME


def login_url(next_path: str) -> str:
    return f"{LOGIN}?next={quote(next_path, safe='/')}"


def _login_page(
    request: Request,
    lang: Lang,
    token: str,
    *,
    next_path: str,
    email: str = "",
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return page(
        request,
        "login.html",
        lang=lang,
        operator=None,
        status_code=status_code,
        login_token=token,
        next=next_path,
        email=email,
        error=error,
        notice=notice,
    )


def _set_login_token(response: Response, token: str, https: bool) -> None:
    response.set_cookie(
        csrf.LOGIN_COOKIE, token, httponly=True, samesite="lax", secure=https, path=COOKIE_PATH
    )


@router.get("", response_class=RedirectResponse)
def console_home() -> RedirectResponse:
    return RedirectResponse(HOME, status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request, lang: ConsoleLang, https: HttpsDep, next: str = HOME, signed_out: int = 0
) -> HTMLResponse:
    token = request.cookies.get(csrf.LOGIN_COOKIE) or csrf.new_login_token()
    response = _login_page(
        request,
        lang,
        token,
        next_path=safe_next(next),
        notice="signed_out" if signed_out else None,
    )
    _set_login_token(response, token, https)
    return response


def _check_password(
    runtime: Runtime, email: str, password: str, source: str | None
) -> SignInResult:
    settings = runtime.settings
    with runtime.database.transaction() as session:
        return sign_in(
            session,
            email,
            password,
            now=runtime.clock.now(),
            lock_out=LockOut(
                settings.console_max_failed_sign_ins,
                timedelta(minutes=settings.console_lockout_minutes),
            ),
            session_length=timedelta(hours=settings.console_session_hours),
            source=source,
            source_limit=SourceLimit(
                settings.console_failed_sign_ins_per_address,
                timedelta(minutes=settings.console_failed_sign_in_window_minutes),
            ),
        )


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    runtime: RuntimeDep,
    lang: ConsoleLang,
    https: HttpsDep,
    client: ClientAddressDep,
) -> Response:
    form = await request.form()
    given = form.get(csrf.FIELD)
    expected = request.cookies.get(csrf.LOGIN_COOKIE)
    if not csrf.same(expected, given if isinstance(given, str) else None) or expected is None:
        raise FormExpired
    email = form.get("email")
    password = form.get("password")
    next_value = form.get("next")
    next_path = safe_next(next_value if isinstance(next_value, str) else None)
    email = email.strip() if isinstance(email, str) else ""
    if not email or not isinstance(password, str) or not password:
        return _login_page(
            request,
            lang,
            expected,
            next_path=next_path,
            email=email[:254],
            error="sign_in.missing",
            status_code=400,
        )
    result = await to_thread.run_sync(
        partial(_check_password, runtime, email, password, source_of(client)),
        limiter=argon2_limiter(),
    )
    if result.token is None:
        await asyncio.sleep(runtime.settings.console_failed_sign_in_delay_seconds)
        return _login_page(
            request,
            lang,
            expected,
            next_path=next_path,
            email=email[:254],
            error="sign_in.failed",
            status_code=401,
        )
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        result.token,
        max_age=int(runtime.settings.console_session_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=https,
        path=COOKIE_PATH,
    )
    # A new pre-sign-in token for the next time: the old one was seen by this page.
    response.delete_cookie(csrf.LOGIN_COOKIE, path=COOKIE_PATH)
    return response


@router.post("/logout", response_class=RedirectResponse)
def logout(
    request: Request,
    runtime: RuntimeDep,
    _operator: CurrentOperator,
    _form: CheckedForm,
    https: HttpsDep,
) -> RedirectResponse:
    token = request.cookies.get(SESSION_COOKIE, "")
    with runtime.database.transaction() as session:
        sign_out(session, token, now=runtime.clock.now())
    response = RedirectResponse(f"{LOGIN}?signed_out=1", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, path=COOKIE_PATH, secure=https, httponly=True, samesite="lax"
    )
    return response


@router.get("/language", response_class=RedirectResponse)
def language(https: HttpsDep, lang: str = "th", next: str = HOME) -> RedirectResponse:
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        LANG_COOKIE,
        chosen_lang(lang),
        max_age=LANG_COOKIE_SECONDS,
        httponly=True,
        samesite="lax",
        secure=https,
        path=COOKIE_PATH,
    )
    return response


# Last: a 405 on /console/login names both its methods.
allow_every_method(router)
