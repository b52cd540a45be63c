"""What the OpenAPI document says about errors, in one place.

Every error answer is `application/problem+json` (`api/problems.py` renders them all), so
every operation declares its error statuses with `problems(...)`: one `Problem` component
schema, referenced, never a dict repeated per route. `4XX` covers the answers any path may
give before a route runs (405 a method the path does not serve, 408 a body too slow, 431
headers too large), so that no status the service answers is undocumented.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI

from moph_connect.api.problems import PROBLEM_JSON

PROBLEM_REF = "#/components/schemas/Problem"

# RFC 9457, as problems.problem_response builds it; `errors` only when fields are named.
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "An error (RFC 9457). `errors` names each invalid field and why.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "A URI naming the kind of problem."},
        "title": {"type": "string"},
        "status": {"type": "integer", "description": "The HTTP status, repeated."},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "reason"],
                "properties": {"field": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
    },
}

ANY_CLIENT_ERROR = (
    "Another client error: 405 a method this path does not serve (see Allow), 408 the "
    "body arrived too slowly, 431 request headers too large or too many"
)


def problem(description: str) -> dict[str, Any]:
    """One error response as OpenAPI declares it."""
    return {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}},
    }


def problems(descriptions: Mapping[int, str], *statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: the named statuses (described from `descriptions`) and
    `4XX` for the rest."""
    declared: dict[int | str, dict[str, Any]] = {
        status: problem(descriptions[status]) for status in statuses
    }
    declared["4XX"] = problem(ANY_CLIENT_ERROR)
    return declared


def install(app: FastAPI, components: Callable[[], dict[str, Any]]) -> None:
    """Adds `Problem` and what `components()` returns to the document's component schemas
    (the hospital calls' bodies: their endpoints read the body themselves, so FastAPI does
    not find them)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            schemas["Problem"] = PROBLEM_SCHEMA
            schemas.update(components())
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
