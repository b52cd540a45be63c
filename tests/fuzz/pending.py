"""What the fuzzer found that the service does not do yet, each with its regression test in
tests/fuzz/test_found.py (strict xfail).

- `documented(schema)`: the OpenAPI document as it will read once the documentation fixes
  are in (the fuzzer runs against it, so that its checks test the service and not the
  gaps). On a document that has the fixes it changes nothing.
- `tolerated(failure, case, response)`: the behaviour bugs, recognised narrowly, so that
  the fuzz run stays green until they are fixed and still fails on anything else.

When a fix lands, its test in test_found.py passes, pytest reports the XPASS as a failure:
remove the marker there and the entry here (`PENDING` says which goes with which).
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from schemathesis.openapi.checks import AllowHeaderMismatch

# Regression test in test_found.py -> what it is about.
PENDING: dict[str, str] = {
    "test_idempotency_key_is_documented": "document Idempotency-Key's 1-200 characters",
    "test_keyless_calls_are_documented": "document that the calls take no key (legacy mode)",
    "test_hospital_name_is_documented_as_any_value": "hospitalName: any value is accepted",
    "test_text_fields_are_documented_as_taking_numbers": "numbers are read as text",
    "test_webhook_answers_are_documented": "webhooks: body and 400/401/413 documented",
    "test_error_bodies_are_documented": "errors documented as application/problem+json",
    "test_405_lists_every_method_of_the_path": "Allow names GET and DELETE",
    "test_result_rows_are_never_logged": "SQLAlchemy logs result rows at DEBUG",
}

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
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
PROBLEM_CONTENT = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
WEBHOOK_BODY: dict[str, Any] = {
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
WEBHOOK_ERRORS = {
    "400": "The body is not UTF-8 JSON with an events array",
    "401": "Missing or wrong x-line-signature",
    "413": "Body too large",
}
TEXT_FIELDS = (
    "origin",
    "queueNumber",
    "patientName",
    "appointmentTime",
    "header",
    "detailsLinkLabel",
    "currentQueueLinkLabel",
)
KEYLESS_CALLS = ("_queue", "_schedule", "_notify", "_alert", "_cancel")


def _operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return [operation for methods in schema["paths"].values() for operation in methods.values()]


def documented(raw: dict[str, Any]) -> dict[str, Any]:
    schema = copy.deepcopy(raw)
    schemas = schema["components"]["schemas"]
    schemas.setdefault("Problem", PROBLEM_SCHEMA)
    for operation in _operations(schema):
        operation_id: str = operation["operationId"]
        webhook = operation_id.endswith("_line_webhook")
        # test_idempotency_key_is_documented
        for parameter in operation.get("parameters", []):
            if parameter["name"] == "Idempotency-Key" and "minLength" not in parameter["schema"]:
                parameter["schema"] = {**parameter["schema"], "minLength": 1, "maxLength": 200}
        # test_keyless_calls_are_documented
        if operation_id.endswith(KEYLESS_CALLS) and {} not in operation["security"]:
            operation["security"] = [*operation["security"], {}]
        # test_webhook_answers_are_documented
        if webhook:
            operation.setdefault("requestBody", WEBHOOK_BODY)
            for status, description in WEBHOOK_ERRORS.items():
                operation["responses"].setdefault(status, {"description": description})
        # test_error_bodies_are_documented
        for status, response in operation["responses"].items():
            if status.startswith("4") and "application/problem+json" not in response.get(
                "content", {}
            ):
                response["content"] = PROBLEM_CONTENT
    for model in ("QueueCall", "AlertCall"):
        properties = schemas[model]["properties"]
        # test_hospital_name_is_documented_as_any_value
        properties["hospitalName"].pop("anyOf", None)
        # test_text_fields_are_documented_as_taking_numbers
        for name in TEXT_FIELDS:
            if name in properties:
                for branch in [properties[name], *properties[name].get("anyOf", [])]:
                    if branch.get("type") == "string":
                        branch["type"] = ["string", "number"]
    return schema


def tolerated(failure: Any, case: Any, response: Any) -> bool:
    path: str = case.path
    # test_405_lists_every_method_of_the_path
    return isinstance(failure, AllowHeaderMismatch) and path.endswith("/{appointment_id}")


def tolerated_log(record: logging.LogRecord) -> bool:
    """test_result_rows_are_never_logged: SQLAlchemy's DEBUG record of each result row."""
    return record.name.startswith("sqlalchemy.engine") and record.msg == "Row %r"
