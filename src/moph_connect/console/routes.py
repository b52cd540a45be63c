"""Putting the console into the service: its routers, its static files, and how its
three outcomes other than a page are answered (sign in first, 404, 403)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from moph_connect.console import (
    delivery_pages,
    hospital_pages,
    http_errors,
    overview,
    password_pages,
    sandbox_pages,
    satisfaction_pages,
    sign_in,
)
from moph_connect.console.deps import get_lang
from moph_connect.console.errors import ConsoleNotFound, FormExpired, SignInRequired
from moph_connect.console.pages import PREFIX, STATIC_DIR, page


async def _sign_in_first(request: Request, _exc: Exception) -> Response:
    path = request.url.path if request.method == "GET" else sign_in.HOME
    return RedirectResponse(sign_in.login_url(sign_in.safe_next(path)), status_code=303)


def _message(request: Request, title: str, body: str, status_code: int) -> HTMLResponse:
    return page(
        request,
        "message.html",
        lang=get_lang(request),
        operator=None,
        status_code=status_code,
        title=title,
        body=body,
    )


async def _not_found(request: Request, _exc: Exception) -> Response:
    return _message(request, "not_found.title", "not_found.body", 404)


async def _form_expired(request: Request, _exc: Exception) -> Response:
    return _message(request, "form_expired.title", "form_expired.body", 403)


def install(app: FastAPI) -> None:
    app.add_exception_handler(SignInRequired, _sign_in_first)
    app.add_exception_handler(ConsoleNotFound, _not_found)
    app.add_exception_handler(FormExpired, _form_expired)
    http_errors.install(app)  # unknown paths and methods under /console: pages too
    app.include_router(sign_in.router)
    app.include_router(overview.router)
    app.include_router(hospital_pages.router)
    app.include_router(delivery_pages.router)
    app.include_router(satisfaction_pages.router)
    app.include_router(sandbox_pages.router)
    app.include_router(password_pages.router)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC_DIR), name="console-static")
