"""JSON responses in LINE's shapes, serialised with orjson (the push path is hot)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import Response

from line_emulator.validation import ErrorDetail


def json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(
        orjson.dumps(data), status_code=status, headers=headers, media_type="application/json"
    )


def error_body(message: str, details: list[ErrorDetail] | None = None, **extra: Any) -> bytes:
    """LINE's `ErrorResponse`, serialised: `details` appears only when there are some."""
    body: dict[str, Any] = {"message": message}
    if details:
        body["details"] = [detail.to_json() for detail in details]
    body.update(extra)
    return orjson.dumps(body)


def error_response(
    status: int,
    message: str,
    details: list[ErrorDetail] | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    """LINE's `ErrorResponse` as a response."""
    return Response(
        error_body(message, details, **extra),
        status_code=status,
        headers=headers,
        media_type="application/json",
    )
