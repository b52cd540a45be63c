"""`/console/password`: the signed-in operator changes her own password.

The current password and the new one twice, with the form's anti-forgery token. The new
one follows `operator add`'s rule (`passwords.MIN_LENGTH` to `MAX_LENGTH` characters).
Both argon2 computations run in the sign-in's bounded threads; a wrong current password
is answered as late as a wrong sign-in and counts against her lock-out. Once changed,
every other session of hers ends; this browser stays signed in.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from functools import partial

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from moph_connect.api.routing import allow_every_method
from moph_connect.console.deps import CheckedForm, ConsoleLang, CurrentOperator
from moph_connect.console.i18n import Lang
from moph_connect.console.pages import PREFIX, page
from moph_connect.console.sign_in import argon2_limiter
from moph_connect.deps import RuntimeDep
from moph_connect.operators.password_changes import Change, change_password
from moph_connect.operators.passwords import MAX_LENGTH, MIN_LENGTH
from moph_connect.operators.service import LockOut, SignedIn
from moph_connect.runtime import Runtime

PATH = f"{PREFIX}/password"

router = APIRouter(prefix=PREFIX, include_in_schema=False)

# What each refusal says (an i18n key) and its status.
_REFUSALS: dict[str, tuple[str, int]] = {
    "missing": ("password.missing", 400),
    "differ": ("password.differ", 400),
    "length": ("password.length", 400),
    "unchanged": ("password.unchanged", 400),
    "wrong_password": ("password.wrong", 401),
    "locked_out": ("password.wrong", 401),
    "locked": ("password.wrong", 401),
}


def _form_page(
    request: Request,
    lang: Lang,
    operator: SignedIn,
    *,
    error: str | None = None,
    changed: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    message, status = _REFUSALS[error] if error else (None, status_code)
    return page(
        request,
        "password.html",
        lang=lang,
        operator=operator,
        status_code=status,
        error=message,
        changed=changed,
        min_length=MIN_LENGTH,
        max_length=MAX_LENGTH,
    )


@router.get("/password", response_class=HTMLResponse)
def password_form(
    request: Request, lang: ConsoleLang, operator: CurrentOperator, changed: int = 0
) -> HTMLResponse:
    return _form_page(request, lang, operator, changed=bool(changed))


def _change(runtime: Runtime, operator: SignedIn, current: str, new: str) -> Change:
    settings = runtime.settings
    with runtime.database.transaction() as session:
        return change_password(
            session,
            operator,
            current,
            new,
            now=runtime.clock.now(),
            lock_out=LockOut(
                settings.console_max_failed_sign_ins,
                timedelta(minutes=settings.console_lockout_minutes),
            ),
        )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


@router.post("/password", response_class=HTMLResponse)
async def change_own_password(
    request: Request,
    runtime: RuntimeDep,
    lang: ConsoleLang,
    operator: CurrentOperator,
    form: CheckedForm,
) -> Response:
    current = _text(form.get("current_password"))
    new = _text(form.get("new_password"))
    again = _text(form.get("new_password_again"))
    refusal: str | None = None
    if not current or not new or not again:
        refusal = "missing"
    elif new != again:
        refusal = "differ"
    elif not MIN_LENGTH <= len(new) <= MAX_LENGTH:
        refusal = "length"
    if refusal is None:
        change = await to_thread.run_sync(
            partial(_change, runtime, operator, current, new), limiter=argon2_limiter()
        )
        if change.outcome == "changed":
            return RedirectResponse(f"{PATH}?changed=1", status_code=303)
        refusal = change.outcome
        if refusal != "unchanged":
            await asyncio.sleep(runtime.settings.console_failed_sign_in_delay_seconds)
    return _form_page(request, lang, operator, error=refusal)


# Last: a 405 on /console/password names both its methods.
allow_every_method(router)
