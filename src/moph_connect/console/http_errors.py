"""Starlette's own errors under /console as console pages: a path nobody serves (404) or a
method a page does not take (405, with its `Allow`) is answered with the console's page in
the operator's language, not the hospital API's problem+json, which stays for every other
path. Installed after `api.problems`, whose handler it wraps."""

from __future__ import annotations

import inspect

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from moph_connect.console.deps import get_lang
from moph_connect.console.pages import PREFIX, page

# (title, body) i18n keys by status; any other status gets the generic pair.
_WORDS = {
    404: ("not_found.title", "not_found.body"),
    405: ("method_not_allowed.title", "method_not_allowed.body"),
}
_OTHER = ("http_error.title", "http_error.body")


def in_console(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def install(app: FastAPI) -> None:
    api_handler = app.exception_handlers[HTTPException]

    async def answer(request: Request, exc: Exception) -> Response:
        if not isinstance(exc, HTTPException) or not in_console(request.url.path):
            response = api_handler(request, exc)
            return await response if inspect.isawaitable(response) else response
        title, body = _WORDS.get(exc.status_code, _OTHER)
        rendered = page(
            request,
            "message.html",
            lang=get_lang(request),
            operator=None,
            status_code=exc.status_code,
            title=title,
            body=body,
        )
        # A 405's Allow; a router with two routes on one path names both by
        # api.routing.allow_every_method (Starlette's own names the first's only).
        if exc.headers:
            rendered.headers.update(exc.headers)
        return rendered

    app.add_exception_handler(HTTPException, answer)
