"""The OpenAPI at /docs describes how to call us: both ways to authenticate, the bodies
and date forms accepted, and the warnings in answers (issues 8 and 9)."""

from __future__ import annotations

from typing import Any

from moph_connect.hospitals.service import NewHospital
from tests.api.test_contract import body
from tests.support.stack import Stack

HOSPITAL_OPERATIONS = [
    ("post", "/api/queue"),
    ("post", "/api/queue/schedule"),
    ("post", "/api/queue/notify"),
    ("post", "/api/alert"),
    ("post", "/api/queue/cancel"),
    ("get", "/api/queue/{appointment_id}"),
    ("delete", "/test/api/queue/{appointment_id}"),
]


def _schema(stack: Stack) -> dict[str, Any]:
    schema: dict[str, Any] = stack.api.get("/openapi.json").json()
    return schema


def test_the_bearer_scheme_is_declared_on_every_hospital_operation(shared_stack: Stack) -> None:
    schema = _schema(shared_stack)
    scheme = schema["components"]["securitySchemes"]["HospitalKey"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer"}
    assert "legacy mode" in scheme["description"]
    for method, path in HOSPITAL_OPERATIONS:
        operation = schema["paths"][path][method]
        assert {"HospitalKey": []} in operation["security"], (method, path)
    webhook = schema["paths"]["/line/webhook"]["post"]
    assert "security" not in webhook  # LINE signs its webhooks; no key


def test_bodies_date_forms_and_warnings_are_described(shared_stack: Stack) -> None:
    schema = _schema(shared_stack)
    queue = schema["paths"]["/api/queue"]["post"]
    content = queue["requestBody"]["content"]
    assert set(content) == {
        "application/json",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    }
    assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/QueueCall"}
    alert = schema["paths"]["/api/alert"]["post"]["requestBody"]["content"]["text/plain"]
    assert alert["schema"] == {"$ref": "#/components/schemas/AlertCall"}
    call = schema["components"]["schemas"]["QueueCall"]
    assert "Buddhist-era" in call["properties"]["appointmentDate"]["description"]
    assert "hospitalName" not in call["required"]
    answer = schema["components"]["schemas"]["AppointmentOut"]
    assert answer["properties"]["warnings"]["items"] == {
        "$ref": "#/components/schemas/FieldWarning"
    }
    for status in ("400", "401", "403", "404", "409", "410", "413", "422"):
        assert status in queue["responses"], status


def test_no_parameter_chooses_the_operation(shared_stack: Stack) -> None:
    """Issue 11: a hidden `_kind` query parameter once turned a booking into a notify."""
    schema = _schema(shared_stack)
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            names = [p["name"] for p in operation.get("parameters", [])]
            assert all(not name.startswith("_") for name in names), (method, path, names)


def test_a_kind_in_the_query_string_changes_nothing(
    shared_stack: Stack, patient: tuple[NewHospital, str]
) -> None:
    hospital, regist = patient
    response = shared_stack.api.post(
        "/api/queue?_kind=notify&kind=notify",
        json=body(regist),
        headers={"Authorization": f"Bearer {hospital.production_key}"},
    )
    assert response.status_code == 202, response.text
    assert [m["kind"] for m in response.json()["messages"]] == ["queue_card"]
