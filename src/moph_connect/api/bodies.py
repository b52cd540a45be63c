"""Reading a hospital call's body as clients in the field send it: the one place that does.

Since 2018 hospital systems have posted the seed's JSON in every way HTTP allows:
`application/json` (any charset), `text/plain` (a browser `fetch` with a string body, which
needs no CORS preflight), no Content-Type at all (Python `requests.post(data=...)`),
`application/x-www-form-urlencoded` with a JSON body (`curl -d`), and real forms whose
fields carry the seed's names (PHP's `CURLOPT_POSTFIELDS` with an array, urlencoded or
multipart). Each is read into one dict of fields; what was unusual is reported as a
warning, never refused when the content is clear.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.datastructures import UploadFile
from starlette.requests import Request

from moph_connect.errors import BadRequest, FieldError, ValidationFailed

UTF8_BOM = b"\xef\xbb\xbf"
MAX_FORM_FIELDS = 100  # the seed has 13; python-multipart's default allows 1,000


class MalformedBody(BadRequest):
    problem, title = "invalid-body", "Malformed body"


@dataclass
class CallBody:
    """The body's fields and how they were read (`warnings`: (field, reason))."""

    fields: dict[str, Any]
    warnings: list[FieldError] = field(default_factory=list)


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


@dataclass
class BatchBody:
    """A batch's items as sent (each should be a JSON object: checked item by item) and how
    the whole was read (warnings that every item's answer repeats)."""

    items: list[Any]
    warnings: list[FieldError] = field(default_factory=list)


async def read_batch_body(request: Request, max_items: int) -> BatchBody:
    """A JSON array of calls, read as JSON whatever the Content-Type says, like one call.
    Only the array's shape can refuse the whole batch; an item that is not an object is
    that item's problem."""
    media_type = _media_type(request.headers.get("content-type", ""))
    text = _utf8(await request.body()).strip()
    value = _parsed(text, "one JSON array of calls")
    if not isinstance(value, list):
        raise MalformedBody(
            "The body must be one JSON array of calls (each one a JSON object).",
            errors=[FieldError("body", "must be a JSON array")],
        )
    if not 1 <= len(value) <= max_items:
        raise ValidationFailed.field("body", f"must hold 1 to {max_items:,} calls")
    return BatchBody(value, _content_type_warnings(media_type))


async def read_call_body(request: Request) -> CallBody:
    content_type = request.headers.get("content-type", "")
    media_type = _media_type(content_type)
    if media_type == "multipart/form-data":
        return await _multipart(request)
    stripped = _utf8(await request.body()).strip()
    if media_type == "application/x-www-form-urlencoded" and not stripped.startswith("{"):
        return _form(stripped)
    return _json(stripped, media_type)


def _utf8(raw: bytes) -> str:
    if raw.startswith(UTF8_BOM):
        raw = raw[len(UTF8_BOM) :]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise MalformedBody(
            f"The body is not UTF-8 text (byte {error.start} cannot be read): send UTF-8, "
            "the encoding JSON requires.",
            errors=[FieldError("body", "is not UTF-8")],
        ) from None


def _parsed(text: str, expected: str) -> Any:
    if not text:
        raise MalformedBody(
            f"The body is empty: send {expected}.", errors=[FieldError("body", "is empty")]
        )
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise MalformedBody(
            f"The body is not valid JSON ({error.msg} at character {error.pos}).",
            errors=[FieldError("body", "is not valid JSON")],
        ) from None


def _content_type_warnings(media_type: str) -> list[FieldError]:
    if not media_type:
        return [FieldError("Content-Type", "is missing; the body was read as JSON")]
    if media_type != "application/json" and not media_type.endswith("+json"):
        return [FieldError("Content-Type", f"is {media_type}; the body was read as JSON")]
    return []


def _json(text: str, media_type: str) -> CallBody:
    value = _parsed(text, "the call's fields as one JSON object")
    if not isinstance(value, dict):
        raise MalformedBody(
            "The body must be one JSON object with the call's fields.",
            errors=[FieldError("body", "must be a JSON object")],
        )
    return CallBody(value, _content_type_warnings(media_type))


def _form(text: str) -> CallBody:
    try:
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=True,
            errors="strict",
            max_num_fields=MAX_FORM_FIELDS,
        )
    except (ValueError, UnicodeDecodeError):
        raise MalformedBody(
            "The body is neither a JSON object nor a form (name=value&...).",
            errors=[FieldError("body", "is neither JSON nor a form")],
        ) from None
    return _fields_of(pairs)


async def _multipart(request: Request) -> CallBody:
    try:
        form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
    except Exception:  # python-multipart and Starlette raise several kinds
        raise MalformedBody(
            "The multipart/form-data body cannot be read (no files; text fields only).",
            errors=[FieldError("body", "is not a readable multipart form")],
        ) from None
    pairs: list[tuple[str, str]] = []
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            raise MalformedBody(
                "Files are not accepted: send the call's fields as text.",
                errors=[FieldError(name, "is a file")],
            )
        pairs.append((name, value))
    await form.close()
    return _fields_of(pairs)


def _fields_of(pairs: list[tuple[str, str]]) -> CallBody:
    fields: dict[str, Any] = {}
    warnings: list[FieldError] = []
    for name, value in pairs:
        if name in fields:
            warnings.append(FieldError(name, "was sent more than once; the first is used"))
            continue
        fields[name] = value
    return CallBody(fields, warnings)
