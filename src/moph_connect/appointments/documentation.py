"""How the hospital API's operations read in OpenAPI (`/docs`, `/openapi.json`): what
`endpoints.py` declares beside its routes, kept apart so that the routes stay readable.

The document is a contract the fuzzer holds the service to (tests/fuzz): every value it
calls valid is accepted, everything else refused, and every answer is declared.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header
from pydantic import WithJsonSchema

from moph_connect.api.openapi import problems
from moph_connect.appointments.schemas import SEED_EXAMPLE, AlertCall, QueueCall
from moph_connect.scheduling.rules import CallKind

# What endpoints.py enforces, after authentication (an unauthenticated caller learns
# nothing about the call): visible ASCII, what a UUID or a hash looks like, and nothing a
# database refuses (a NUL) or a log could be fooled by (line breaks).
IDEMPOTENCY_KEY_PATTERN = r"^[!-~]{1,200}$"

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Optional, 1 to 200 visible ASCII characters (no spaces). Repeating a "
        "call with the same key returns the first answer; the same key with a different "
        "body is refused (422).",
    ),
    # The header's schema as documented (not enforced here: see above).
    WithJsonSchema(
        {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN, "minLength": 1, "maxLength": 200}
    ),
]

_ERRORS: dict[int, str] = {
    400: "The body is not one JSON object or form, or not UTF-8",
    401: "Missing, unknown, revoked or other-environment API key",
    403: "A keyless call from outside the hospital's registered networks",
    404: "userId not issued to this hospital, or no such appointment",
    409: "The appointment was cancelled",
    410: "The patient had her data deleted",
    413: "Body too large",
    422: "Invalid field (problem+json names the field and the reason)",
    429: "Over a rate limit (the hospital's calls, failed authentications from this address, "
    "or messages to this patient today); see Retry-After",
}
CALL_ERRORS = problems(_ERRORS, 400, 401, 403, 404, 409, 410, 413, 422, 429)
BY_ID_ERRORS = problems(_ERRORS, 401, 404, 429)

SUMMARIES: dict[CallKind, tuple[str, str]] = {
    "queue": ("", "A booking was made: send the queue card now."),
    "schedule": (
        "/schedule",
        "Plan the reminders: 09:00 the day before and 06:00 on the day (Asia/Bangkok).",
    ),
    "notify": (
        "/notify",
        "The patient's turn is near: alert now; satisfaction survey at 12:00 the next day.",
    ),
}

_BODY_TYPES = (
    "application/json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
)

# Added to the OpenAPI components by `openapi_components` (no body parameter brings them:
# the endpoints read the body themselves).
REQUEST_MODELS: tuple[type[QueueCall], ...] = (QueueCall, AlertCall)


def openapi_components() -> dict[str, Any]:
    return {
        model.__name__: model.model_json_schema(ref_template="#/components/schemas/{model}")
        for model in REQUEST_MODELS
    }


def call_openapi(model: type[QueueCall]) -> dict[str, Any]:
    """`openapi_extra` of a POST call: the body as OpenAPI shows it (read whatever the
    Content-Type says, see api/bodies.py), and the key as optional: hospitals in legacy
    mode call without one (`{}` in `security` is "no authentication"; FastAPI's own
    entry, the bearer key, comes first)."""
    schema = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {
        "security": [{}],  # appended to FastAPI's [{"HospitalKey": []}]
        "requestBody": {
            "required": True,
            "description": "The seed's JSON object. It is read as JSON whatever the "
            "Content-Type says (`application/json`, `text/plain`, none, or a form type "
            "whose raw body is a JSON object); a form whose fields carry the same names is "
            "read too. UTF-8, with or without a BOM. Unknown fields are ignored (and "
            "listed in `warnings`).",
            "content": {media_type: {"schema": schema} for media_type in _BODY_TYPES},
        },
    }


BATCH_ERRORS = problems(_ERRORS, 400, 401, 413, 422, 429)


def batch_openapi(max_items: int) -> dict[str, Any]:
    """`openapi_extra` of the schedule batch: a JSON array of the seed's bodies.

    The items are documented as what the request accepts, any value: an item that is not
    a valid call is answered in its own place (200 for the batch), as the fuzzer holds
    the document to. What an item should be is said in words and by example."""
    items = {
        "description": f"A /queue/schedule body ({QueueCall.__name__}). Anything else is "
        "refused in its own place of the answer, with the problem its single call would get.",
        "examples": [SEED_EXAMPLE],
        # A machine-readable pointer to the call's schema, for client generators.
        "x-item-schema": {"$ref": f"#/components/schemas/{QueueCall.__name__}"},
    }
    schema = {"type": "array", "minItems": 1, "maxItems": max_items, "items": items}
    return {
        "requestBody": {
            "required": True,
            "description": f"1 to {max_items:,} of the seed's /queue/schedule bodies in one "
            "JSON array (read as JSON whatever the Content-Type says). An item that is not "
            "valid is refused in its own place of the answer; the others still count.",
            "content": {"application/json": {"schema": schema}},
        },
    }
