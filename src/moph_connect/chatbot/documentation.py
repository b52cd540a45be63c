"""How the LINE webhook endpoints read in OpenAPI: what `endpoints.py` declares beside
its routes. The endpoint reads its body and `x-line-signature` itself (the signature is
over the raw bytes), so FastAPI would document neither."""

from __future__ import annotations

from typing import Any

from moph_connect.api.openapi import problems

SIGNATURE_HEADER = "x-line-signature"

# LINE's webhook body as far as the endpoint reads it: an events array (an event that is
# not an object with a webhookEventId is skipped); the rest is LINE's (its webhook spec).
_BODY: dict[str, Any] = {
    "required": True,
    "description": "LINE's webhook body, signed in x-line-signature with the channel secret.",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["events"],
                "properties": {
                    "destination": {"type": "string"},
                    "events": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "webhookEventId": {"type": "string"},
                                "type": {"type": "string"},
                            },
                        },
                    },
                },
            }
        }
    },
}

WEBHOOK_OPENAPI: dict[str, Any] = {
    "parameters": [
        {
            "name": SIGNATURE_HEADER,
            "in": "header",
            "required": False,  # a call without it is answered (401), not refused unread
            "description": "Base64 HMAC-SHA256 of the raw body with the channel secret.",
            "schema": {"type": "string"},
        }
    ],
    "requestBody": _BODY,
}

WEBHOOK_ERRORS = problems(
    {
        400: "The body is not UTF-8 JSON with an events array",
        401: "Missing or wrong x-line-signature",
        413: "Body too large",
    },
    400,
    401,
    413,
)
