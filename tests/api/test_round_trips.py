"""The hospital API's database round trips per call, counted on the real engine.

Each statement and each commit is a round trip to the database (a network hop on
PostgreSQL). The midnight run makes a million calls (issue 12), so the budget below is a
wall: a change that adds a statement to a call makes this test fail, and the budget is
lowered whenever a change removes one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event

from moph_connect.hospitals.service import NewHospital
from moph_connect.messages import NOTICE_VERSION
from moph_connect.patients.repository import PatientRepository
from tests.conftest import fresh_database_url
from tests.support.stack import Stack, running_stack

START = datetime(2018, 4, 27, 3, 0, tzinfo=UTC)

# Statements + commits for one call: booking a new appointment, scheduling it the night
# before, and calling the patient. SQLite's count includes the BEGIN (IMMEDIATE) the unit
# of work sends itself. Measured before issue 12's work: SQLite 14, 15, 18; PostgreSQL
# 12, 12, 15. Issue 12's target on PostgreSQL: 6 for a booking, 8 for schedule or notify.
# Then on SQLite schedule and notify went 11 -> 10 and 14 -> 13 when the outbox rows'
# payloads stopped waiting for their ids one row at a time (outbox/repository.py,
# `enqueue`), and on both one less again when a call on an existing appointment stopped
# reading its messages back for the answer (tests/api/test_answers_as_stored.py).
BUDGET = {
    "sqlite": {"queue": 9, "schedule": 9, "notify": 12},
    "postgresql": {"queue": 8, "schedule": 8, "notify": 11},
}
# The test environment (`/test/api/...`) may take ONE more per call, and only it: the
# INSERT that records the call and its answer for the console's test sandbox (its trim
# runs inside that statement, by trigger). Production calls are never recorded. Measured:
# SQLite 10, 10, 13; PostgreSQL 9, 9, 12 (production's + 1 each).
SANDBOX_RECORD = 1


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def quiet_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    # No dispatcher: its polling would add statements of its own to the count.
    url = fresh_database_url(request, request.param, tmp_path_factory.mktemp("db"))
    with running_stack(url, START, run_dispatcher=False) as stack:
        yield stack


def _patient(
    stack: Stack, line_user_id: str, environment: str = "production"
) -> tuple[NewHospital, str]:
    hospital = stack.register_hospital()
    with stack.database.transaction() as session:
        patients = PatientRepository(session)
        user = patients.follow(environment, line_user_id, stack.clock.now())
        patients.record_consent(user, NOTICE_VERSION, stack.clock.now())
        regist_id = patients.registration_for(user, hospital.hospital_id, stack.clock.now())
        return hospital, regist_id.regist_id


class RoundTrips:
    def __init__(self, stack: Stack) -> None:
        self.engine = stack.database.engine
        self.statements: list[str] = []
        self.commits = 0

    def _statement(self, *args: Any) -> None:
        self.statements.append(str(args[2]).split(None, 1)[0].upper())

    def _commit(self, *_: Any) -> None:
        self.commits += 1

    def __enter__(self) -> RoundTrips:
        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(self.engine, "commit", self._commit)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)

    @property
    def total(self) -> int:
        return len(self.statements) + self.commits


def _call(
    stack: Stack, hospital: NewHospital, path: str, body: dict[str, Any], key: str | None = None
) -> RoundTrips:
    with RoundTrips(stack) as trips:
        response = stack.call(path, key or hospital.production_key, body)
    assert response.status_code == 202, response.text
    return trips


def _body(regist_id: str, queue_number: str) -> dict[str, str]:
    return {
        "hospitalName": "โรงพยาบาลปทุมธานี",
        "userId": regist_id,
        "patientName": "ครูเพ็ญศรี",
        "appointmentDate": "2018-04-30",
        "appointmentTime": "09:00",
        "queueNumber": queue_number,
        "origin": "แผนกอายุรกรรม",
        "detailsLink": f"https://pth.example/queue/{queue_number}",
        "currentQueueLink": "https://pth.example/queue/now",
    }


def test_each_call_stays_within_its_round_trip_budget(quiet_stack: Stack) -> None:
    hospital, regist_id = _patient(quiet_stack, "U" + "b" * 32)
    body = _body(regist_id, "A017")
    measured = {
        "queue": _call(quiet_stack, hospital, "/api/queue", body),
        "schedule": _call(quiet_stack, hospital, "/api/queue/schedule", body),
        "notify": _call(quiet_stack, hospital, "/api/queue/notify", body),
    }
    budget = BUDGET[quiet_stack.database.dialect]
    for kind, trips in measured.items():
        assert trips.total <= budget[kind], (
            f"{kind}: {trips.total} round trips: {trips.statements} + {trips.commits} commits"
        )


def test_a_test_environment_call_takes_one_round_trip_more_at_most(
    quiet_stack: Stack,
) -> None:
    hospital, regist_id = _patient(quiet_stack, "U" + "d" * 32, "test")
    body = _body(regist_id, "T001")
    budget = BUDGET[quiet_stack.database.dialect]
    for kind, path in (
        ("queue", "/test/api/queue"),
        ("schedule", "/test/api/queue/schedule"),
        ("notify", "/test/api/queue/notify"),
    ):
        trips = _call(quiet_stack, hospital, path, body, hospital.test_key)
        assert trips.total <= budget[kind] + SANDBOX_RECORD, (
            f"{kind}: {trips.total} round trips: {trips.statements} + {trips.commits} commits"
        )


def test_the_count_sees_every_statement(quiet_stack: Stack) -> None:
    """The listener is on the engine the service uses: a call shows its reads and writes."""
    hospital, regist_id = _patient(quiet_stack, "U" + "c" * 32)
    body = _body(regist_id, "B001")
    trips = _call(quiet_stack, hospital, "/api/queue", body)
    assert "SELECT" in trips.statements and "INSERT" in trips.statements
    assert trips.commits >= 1
