"""What the schemathesis run found, one minimal test each: each failed before its fix."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import make_url, text

from moph_connect.api.openapi import PROBLEM_REF
from moph_connect.api.problems import PROBLEM_JSON
from moph_connect.appointments.documentation import IDEMPOTENCY_KEY_PATTERN
from moph_connect.appointments.schemas import SEED_EXAMPLE
from moph_connect.chatbot.repository import stored_event_id
from moph_connect.db.engine import make_engine
from moph_connect.db.models import WebhookEvent
from moph_connect.metrics.observer import observer_engine
from moph_connect.settings import Settings
from tests.conftest import fresh_database_url
from tests.fuzz.conftest import START, app_openapi
from tests.support.stack import Stack, running_stack, wait_for

# Operations hospitals in legacy mode call without a key (by operationId's ending).
KEYLESS_CALLS = ("_queue", "_schedule", "_notify", "_alert", "_cancel")
# Text fields, which take numbers too (read as their text).
TEXT_FIELDS = (
    "origin",
    "queueNumber",
    "patientName",
    "appointmentTime",
    "header",
    "detailsLinkLabel",
    "currentQueueLinkLabel",
)


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    return app_openapi()


def _operations(openapi: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        operation["operationId"]: operation
        for methods in openapi["paths"].values()
        for operation in methods.values()
    }


# -- the documentation (src/moph_connect/appointments/endpoints.py, schemas.py, ...) --------


def test_idempotency_key_is_documented(openapi: dict[str, Any]) -> None:
    """`Idempotency-Key: ""` (or 201 characters) is 422, but the header is documented as
    any string: schemathesis' schema-valid calls are refused."""
    for operation_id, operation in _operations(openapi).items():
        for parameter in operation.get("parameters", []):
            if parameter["name"] == "Idempotency-Key":
                schema = parameter["schema"]
                # On the string branch, or beside `anyOf` (minLength binds strings only).
                limits = [
                    (branch.get("minLength"), branch.get("maxLength"))
                    for branch in [schema, *schema.get("anyOf", [])]
                ]
                assert (1, 200) in limits, operation_id
                patterns = [b.get("pattern") for b in [schema, *schema.get("anyOf", [])]]
                assert IDEMPOTENCY_KEY_PATTERN in patterns, operation_id


def test_keyless_calls_are_documented(openapi: dict[str, Any]) -> None:
    """Hospitals in legacy mode call without a key (202), but every operation says the
    bearer key is required: schemathesis' `ignored_auth` reports "API accepts requests
    without authentication". `security: [{HospitalKey: []}, {}]` says the key is optional
    (GET and DELETE /queue/{id} do need it and keep theirs)."""
    for operation_id, operation in _operations(openapi).items():
        if operation_id.endswith(KEYLESS_CALLS):
            assert {} in operation["security"], operation_id


def test_hospital_name_is_documented_as_any_value(openapi: dict[str, Any]) -> None:
    """`"hospitalName": true` (or a list) is accepted with a warning, by design; the schema
    says string or null, so schemathesis reports schema-violating calls accepted."""
    for model in ("QueueCall", "AlertCall"):
        name = openapi["components"]["schemas"][model]["properties"]["hospitalName"]
        assert "type" not in name and "anyOf" not in name, model


def test_text_fields_are_documented_as_taking_numbers(openapi: dict[str, Any]) -> None:
    """`"origin": 0` is read as the text "0" (fields.read_text, by design: queue daemons
    send numbers); the schema says string only."""
    for model in ("QueueCall", "AlertCall"):
        properties = openapi["components"]["schemas"][model]["properties"]
        for name in TEXT_FIELDS:
            if name not in properties:
                continue
            types = [b.get("type") for b in [properties[name], *properties[name].get("anyOf", [])]]
            assert ["string", "number"] in types, (model, name)


def test_webhook_answers_are_documented(openapi: dict[str, Any]) -> None:
    """POST /line/webhook answers 400 (not JSON, no events), 401 (no or a wrong signature)
    and 413, documented are only 200 and a 422 it never gives; its body is not
    documented at all."""
    for operation_id in ("production_line_webhook", "test_line_webhook"):
        operation = _operations(openapi)[operation_id]
        assert {"400", "401", "413"} <= set(operation["responses"]), operation_id
        assert "422" not in operation["responses"], operation_id
        assert "application/json" in operation["requestBody"]["content"], operation_id
        [signature] = operation["parameters"]
        assert (signature["name"], signature["in"]) == ("x-line-signature", "header")


def test_error_bodies_are_documented(openapi: dict[str, Any]) -> None:
    """Every error is application/problem+json, documented with no content at all (and the
    webhooks' 422 as FastAPI's application/json HTTPValidationError), so no checker can
    validate an error body."""
    schemas = openapi["components"]["schemas"]
    problem = schemas["Problem"]
    assert {"type", "title", "status", "detail"} <= set(problem["required"])
    assert problem["properties"]["errors"]["items"]["required"] == ["field", "reason"]
    assert "HTTPValidationError" not in schemas  # FastAPI's 422, never what we answer
    for operation_id, operation in _operations(openapi).items():
        for status, response in operation["responses"].items():
            if status.startswith("4"):
                content = response.get("content", {})
                assert content == {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}}, (
                    operation_id,
                    status,
                )


# -- behaviour -----------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    url = fresh_database_url(request, request.param, tmp_path_factory.mktemp("found-db"))
    with running_stack(url, START) as running:
        yield running


def _signed_webhook(stack: Stack, body: bytes) -> httpx.Response:
    secret = Settings().channel_credentials("production").secret  # the emulator's
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
    with httpx.Client(base_url=stack.base_url, timeout=30) as client:  # a 500 may close it
        return client.post(
            "/line/webhook",
            content=body,
            headers={"x-line-signature": signature.decode(), "Content-Type": "application/json"},
        )


def _regist(stack: Stack) -> tuple[Any, str]:
    hospital = stack.register_hospital()
    return hospital, stack.pick_hospital(stack.follow(), hospital.hospital_id)


def test_a_call_without_a_key_is_401_whatever_its_idempotency_key(stack: Stack) -> None:
    """POST /api/queue with no Authorization and `Idempotency-Key: ""` answers 422
    ("Idempotency-Key: must be 1 to 200 characters"), not 401: the header is checked in
    endpoints._handle before _caller authenticates, although the module promises that
    an unauthenticated caller learns nothing about the call's fields."""
    _, regist = _regist(stack)  # a key-mode hospital's patient
    answer = stack.api.post(
        "/api/queue", json={**SEED_EXAMPLE, "userId": regist}, headers={"Idempotency-Key": ""}
    )
    assert answer.status_code == 401, answer.text


def test_405_lists_every_method_of_the_path(stack: Stack) -> None:
    """OPTIONS (or PUT) /api/queue/{id} is 405 with `Allow: GET`, though DELETE is served
    there too: Starlette answers from the first route whose path matches, and GET and
    DELETE are two routes."""
    answer = stack.api.request("OPTIONS", "/api/queue/a" + "0" * 24)
    assert answer.status_code == 405
    allowed = {method.strip() for method in answer.headers["allow"].split(",")}
    assert {"GET", "DELETE"} <= allowed, answer.headers["allow"]


def test_a_webhook_event_id_with_a_nul_is_not_a_500(
    request: pytest.FixtureRequest, stack: Stack
) -> None:
    """A signed webhook whose event has `"webhookEventId": "a\\u0000b"` is a 500 on
    PostgreSQL (psycopg: text cannot contain NUL), in chatbot/repository.store:
    stored_event_id keeps any id of up to 64 characters as it is."""
    body = b'{"destination": "U0", "events": [{"type": "unfollow", "webhookEventId": "a\\u0000b"}]}'
    answer = _signed_webhook(stack, body)
    assert answer.status_code == 200, answer.text


def test_a_keyless_user_id_with_a_nul_is_not_a_500(
    request: pytest.FixtureRequest, stack: Stack
) -> None:
    """POST /api/queue with no Authorization and `"userId": "\\u0000"` is a 500 on
    PostgreSQL: hospitals/authentication.authenticate_keyless looks the raw value up
    (HospitalRepository.issuer_of) before anything checks it is an ID. Anyone can send it,
    with no key."""
    answer = stack.api.post("/api/queue", json={**SEED_EXAMPLE, "userId": "\u0000"})
    assert answer.status_code == 404, answer.text


def test_a_long_webhook_event_id_is_processed(request: pytest.FixtureRequest, stack: Stack) -> None:
    """A signed text message whose webhookEventId has 190 characters is stored (as a
    digest), but processing it fails on PostgreSQL ("value too long for type character
    varying(200)"): chatbot/replies.reply_dedup_key builds the reply's dedup_key from the
    raw id. Found by test_no_names_in_logs.py, in the server's log."""
    user = stack.follow()
    event_id = "01H" + "X" * 187
    event = {
        "type": "message",
        "mode": "active",
        "webhookEventId": event_id,
        "timestamp": int(START.timestamp() * 1000),
        "source": {"type": "user", "userId": user},
        "replyToken": "0" * 32,
        "deliveryContext": {"isRedelivery": False},
        "message": {"type": "text", "id": "1", "quoteToken": "q", "text": "ปทุมธานี"},
    }
    answer = _signed_webhook(stack, json.dumps({"destination": "U0", "events": [event]}).encode())
    assert answer.status_code == 200, answer.text

    def processed() -> WebhookEvent | None:
        with stack.database.transaction() as session:
            stored = session.get(WebhookEvent, ("production", stored_event_id(event_id)))
            if stored is None or stored.processed_at is None:
                return None
            session.expunge(stored)
            return stored

    stored = wait_for(processed, what="the event processed")
    assert stored.error is None


@pytest.mark.parametrize("which", ["service", "observer"])
def test_result_rows_are_never_logged(
    which: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Once SQLAlchemy's logger is at DEBUG (an operator debugging SQL, a logging config
    naming `sqlalchemy`, test_no_names_in_logs.py), every result row is logged ("Row %r"):
    patients' names, message texts, LINE user ids. `hide_parameters=True`
    (db/engine.make_engine) hides statement parameters only. Not reached by
    MOPH_CONNECT_LOG_LEVEL=DEBUG alone: SQLAlchemy puts its own logger at WARNING."""
    url = f"sqlite:///{tmp_path}/rows.db"
    engine = make_engine(url)
    if which == "observer":  # the metrics' engine of its own (metrics/observer.py)
        with engine.connect():
            pass  # the file exists: the observer never creates it
        engine.dispose()
        engine = observer_engine(make_url(url))
    try:
        with (
            caplog.at_level(logging.DEBUG, logger="sqlalchemy"),
            engine.connect() as connection,
        ):
            name = SEED_EXAMPLE["patientName"]
            assert connection.execute(text("SELECT :name AS name"), {"name": name}).all()
    finally:
        engine.dispose()
    assert "sqlalchemy.engine" in caplog.text  # SQLAlchemy did log
    assert "ประโยชน์" not in caplog.text
