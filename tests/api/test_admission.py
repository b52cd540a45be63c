"""The front door (appointments/admission.py): every call that authenticates is counted
once, whether it is served in the admission's own transaction or fails after it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from moph_connect.appointments.schemas import SEED_EXAMPLE
from moph_connect.db.models import Appointment, HospitalCallDay
from moph_connect.hospitals.service import NewHospital
from tests.support.stack import Stack


def _calls_counted(stack: Stack, hospital_id: str) -> int:
    with stack.database.transaction() as session:
        total = session.scalar(
            select(func.sum(HospitalCallDay.calls)).where(
                HospitalCallDay.hospital_id == hospital_id
            )
        )
        return int(total or 0)


def _call(stack: Stack, hospital: NewHospital, body: dict[str, Any]) -> int:
    return stack.call("/api/queue", hospital.production_key, body).status_code


def test_each_authenticated_call_counts_once_served_or_refused(
    shared_stack: Stack, patient: tuple[NewHospital, str]
) -> None:
    hospital, regist = patient
    body = {**SEED_EXAMPLE, "userId": regist}
    assert _call(shared_stack, hospital, body) == 202
    assert _calls_counted(shared_stack, hospital.hospital_id) == 1
    # Refused once admitted: a bad field (422), an unknown patient (404), a cancelled
    # appointment (409). Each still counts, and only once.
    assert _call(shared_stack, hospital, {**body, "appointmentDate": "31 Feb"}) == 422
    assert _call(shared_stack, hospital, {**body, "userId": "0" * 24}) == 404
    assert shared_stack.call("/api/queue/cancel", hospital.production_key, body).status_code == 202
    assert _call(shared_stack, hospital, body) == 409
    assert _calls_counted(shared_stack, hospital.hospital_id) == 5


def test_a_refused_call_leaves_nothing_but_its_count(
    shared_stack: Stack, patient: tuple[NewHospital, str]
) -> None:
    """The admission and the call share a transaction; a call refused after admission
    rolls back everything it wrote, and its count is recorded on its own."""
    hospital, regist = patient
    too_far = {**SEED_EXAMPLE, "userId": regist, "appointmentDate": "2205-04-30"}
    answer = shared_stack.call("/api/queue", hospital.production_key, too_far)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "appointmentDate"
    with shared_stack.database.transaction() as session:
        written = session.scalar(
            select(func.count()).where(Appointment.hospital_id == hospital.hospital_id)
        )
    assert written == 0
    assert _calls_counted(shared_stack, hospital.hospital_id) == 1


def test_an_unauthenticated_call_is_not_counted(
    shared_stack: Stack, patient: tuple[NewHospital, str]
) -> None:
    hospital, regist = patient
    response = shared_stack.api.post(
        "/api/queue",
        json={**SEED_EXAMPLE, "userId": regist},
        headers={"Authorization": "Bearer not-a-key"},
    )
    assert response.status_code == 401
    assert _calls_counted(shared_stack, hospital.hospital_id) == 0
