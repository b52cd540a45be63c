"""No input of any kind yields a 500: random bodies, fields and headers against the API."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moph_connect.appointments.schemas import SEED_EXAMPLE
from moph_connect.hospitals.service import NewHospital
from tests.support.stack import Stack

scalars = st.none() | st.booleans() | st.integers() | st.text()
json_values = st.recursive(
    scalars | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=10,
)
FIELDS = [*SEED_EXAMPLE, "header", "backgroundColor", "detailsLinkLabel", "currentQueueLinkLabel"]
PATHS = ["/api/queue", "/api/queue/schedule", "/api/queue/notify", "/api/alert", "/test/api/queue"]


@pytest.fixture(scope="module")
def fuzz_target(shared_stack: Stack) -> tuple[Stack, NewHospital, str]:
    hospital = shared_stack.register_hospital()
    user = shared_stack.follow()
    return shared_stack, hospital, shared_stack.pick_hospital(user, hospital.hospital_id)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from(PATHS),
    changes=st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=4),
    idempotency_key=st.none()
    | st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=0, max_size=300),
)
def test_random_fields_never_500(
    fuzz_target: tuple[Stack, NewHospital, str],
    path: str,
    changes: dict[str, Any],
    idempotency_key: str | None,
) -> None:
    stack, hospital, regist = fuzz_target
    body = {**SEED_EXAMPLE, "userId": regist, **changes}
    headers = {"Authorization": f"Bearer {hospital.production_key}"}
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    response = stack.api.post(path, json=body, headers=headers)
    assert response.status_code < 500, response.text


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(max_size=2000), path=st.sampled_from(PATHS))
def test_random_bytes_never_500(
    fuzz_target: tuple[Stack, NewHospital, str], raw: bytes, path: str
) -> None:
    stack, hospital, _ = fuzz_target
    response = stack.api.post(
        path,
        content=raw,
        headers={
            "Authorization": f"Bearer {hospital.production_key}",
            "Content-Type": "application/json",
        },
    )
    assert response.status_code < 500, response.text
