"""The one place errors become HTTP responses: `application/problem+json` (RFC 9457)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from moph_connect.errors import PROBLEM_BASE, FieldError, MophConnectError, TooManyRequests

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"


def problem_document(
    status: int, problem: str, title: str, detail: str, errors: Sequence[FieldError] = ()
) -> dict[str, Any]:
    """The problem+json body: of an answer, or of one item of a batch's answer."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + problem,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = [{"field": e.field, "reason": e.reason} for e in errors]
    return body


def problem_response(
    status: int,
    problem: str,
    title: str,
    detail: str,
    errors: Sequence[FieldError] = (),
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = problem_document(status, problem, title, detail, errors)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_name(loc: Sequence[int | str]) -> str:
    # FastAPI puts where a value came from first ("body", "query", ...); only that first
    # element is dropped, since a field may have such a name (an alert's "header").
    parts = [str(p) for p in loc]
    if (
        parts
        and parts[0] in ("body", "query", "path", "header")
        and (len(parts) > 1 or parts[0] != "header")
    ):
        parts = parts[1:]
    return ".".join(parts) or "body"


def _reason(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind == "missing":
        return "is required"
    if kind in ("string_type", "string_strict"):
        return "must be a string"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"must be at most {context.get('max_length')} characters"
    if kind == "string_pattern_mismatch":
        return f"has the wrong format (expected to match {context.get('pattern')})"
    if kind == "value_error":
        return str(context.get("error", error.get("msg", "is invalid")))
    return str(error.get("msg", "is invalid"))


def validation_problem(errors: Sequence[Any]) -> dict[str, Any]:
    """pydantic's (or FastAPI's) validation errors as one problem document."""
    errors = list(errors)
    if any(e.get("type") == "json_invalid" for e in errors):
        return problem_document(
            400, "invalid-json", "Malformed JSON", "The body is not valid JSON."
        )
    if any(e.get("type") == "model_attributes_type" or e.get("loc") == ("body",) for e in errors):
        return problem_document(
            400, "invalid-json", "Malformed body", "The body must be one JSON object."
        )
    fields = [FieldError(_field_name(e.get("loc", ())), _reason(e)) for e in errors]
    detail = "; ".join(f"{f.field}: {f.reason}" for f in fields)
    return problem_document(422, "validation", "The request has invalid fields", detail, fields)


def domain_problem(exc: MophConnectError) -> dict[str, Any]:
    return problem_document(exc.status, exc.problem, exc.title, exc.detail, exc.errors)


async def _validation_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    body = validation_problem(exc.errors())
    return JSONResponse(body, status_code=body["status"], media_type=PROBLEM_JSON)


async def _domain_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, MophConnectError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    if isinstance(exc, TooManyRequests):
        headers = {"Retry-After": str(exc.retry_after)}
    body = domain_problem(exc)
    return JSONResponse(body, status_code=exc.status, media_type=PROBLEM_JSON, headers=headers)


async def _http_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    titles = {404: "Not found", 405: "Method not allowed"}
    return problem_response(
        exc.status_code,
        "http-" + str(exc.status_code),
        titles.get(exc.status_code, "HTTP error"),
        str(exc.detail),
        headers=dict(exc.headers or {}),
    )


class AnsweredOutside(Exception):
    """Raised through the app for an outer middleware to answer (a body too large or too
    slow, see body_limit.py): UnexpectedErrors lets it pass."""


def _log_unexpected(exc: Exception) -> None:
    # The class and where, not the message: a driver's or a library's message may quote
    # the values it was given (a patient's name).
    frame = exc.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    where = f"{frame.tb_frame.f_code.co_filename}:{frame.tb_lineno}" if frame else "?"
    log.error("unexpected error %s.%s at %s", type(exc).__module__, type(exc).__name__, where)


def _internal() -> JSONResponse:
    return problem_response(500, "internal", "Internal error", "Something went wrong on our side.")


class UnexpectedErrors:
    """The innermost middleware: an error nothing else handled becomes a 500 problem here,
    inside CORS and the security headers (Starlette's own last resort sits outside every
    middleware, so its answer would carry neither)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except AnsweredOutside:
            raise
        except Exception as exc:
            _log_unexpected(exc)
            if started:  # too late for an answer: let the server close the connection
                raise
            await _internal()(scope, receive, send)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(MophConnectError, _domain_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
    # Added first, so it is the innermost middleware (see UnexpectedErrors).
    app.add_middleware(UnexpectedErrors)
