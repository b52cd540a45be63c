"""A world to fuzz: a running stack per database, with real hospitals, keys, patients and
appointments, so that generated calls get past authentication and reach the service."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest

from moph_connect.api.app import create_app
from moph_connect.appointments.schemas import SEED_EXAMPLE
from moph_connect.clock import SimulatedClock
from moph_connect.db.engine import make_engine
from moph_connect.db.uow import Database
from moph_connect.hospitals.access import update_access
from moph_connect.hospitals.service import NewHospital
from moph_connect.patients.erasure import ErasureRepository
from moph_connect.patients.repository import PatientRepository
from moph_connect.runtime import Runtime
from moph_connect.scheduling import rules
from moph_connect.settings import Settings
from tests.conftest import fresh_database_url
from tests.support.stack import Stack, running_stack

# 2018-04-27 10:00 in Bangkok, as in tests/api: the seed's appointment is three days on.
START = datetime(2018, 4, 27, 3, 0, tzinfo=UTC)
PATIENTS_PER_ENVIRONMENT = 3


@dataclass
class Environment:
    """What one environment (`/api` or `/test/api`) gives the fuzzer."""

    prefix: str
    key: str
    other_key: str  # the same hospital's key for the other environment (401 here)
    other_hospital_key: str  # a hospital that exists, but issued none of these IDs
    regists: list[str]  # MOPH Connect IDs our hospital issued here
    legacy_regists: list[str]  # issued by a hospital in legacy mode (keyless calls)
    foreign_regists: list[str]  # issued by another hospital (404 with our key)
    erased_regists: list[str]  # patients who had their data deleted (410)
    appointment_ids: list[str] = field(default_factory=list)
    foreign_appointment_ids: list[str] = field(default_factory=list)


@dataclass
class World:
    stack: Stack
    hospital: NewHospital
    environments: dict[str, Environment]  # by path prefix
    today: date

    def environment_of(self, path: str) -> Environment | None:
        for prefix in ("/test/api", "/api"):
            if path.startswith(prefix + "/"):
                return self.environments[prefix]
        return None


def app_openapi() -> dict[str, Any]:
    """The document the service serves at /openapi.json, built without a running stack
    (the engine is never connected)."""
    with tempfile.TemporaryDirectory() as directory:
        database = Database(make_engine(f"sqlite:///{directory}/unused.db"))
        runtime = Runtime(settings=Settings(), database=database, clock=SimulatedClock(START))
        try:
            return create_app(runtime, run_dispatcher=False).openapi()
        finally:
            database.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzz_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    url = fresh_database_url(request, request.param, tmp_path_factory.mktemp("fuzz-db"))
    with running_stack(url, START) as stack:
        yield stack


def _patients(stack: Stack, hospital: NewHospital, channel: str, count: int) -> list[str]:
    return [stack.pick_hospital(stack.follow(channel), hospital.hospital_id) for _ in range(count)]


def _legacy(stack: Stack, hospital: NewHospital) -> None:
    with stack.database.transaction() as session:
        update_access(
            session,
            hospital.hospital_id,
            auth="legacy",
            allowed_networks=None,
            cors_origins=None,
            actor="test",
            now=stack.clock.now(),
        )


def _erased(stack: Stack, hospital: NewHospital, channel: str) -> str:
    user = stack.follow(channel)
    regist = stack.pick_hospital(user, hospital.hospital_id)
    with stack.database.transaction() as session:
        line_user = PatientRepository(session).line_user(channel, user)
        assert line_user is not None
        ErasureRepository(session).erase(line_user, stack.clock.now(), current_event_id="fuzz")
    return regist


def _book(stack: Stack, prefix: str, key: str, regist: str, queue_number: str) -> str:
    body = {**SEED_EXAMPLE, "userId": regist, "queueNumber": queue_number}
    answer = stack.call(prefix + "/queue", key, body)
    assert answer.status_code == 202, answer.text
    appointment_id: str = answer.json()["appointmentId"]
    return appointment_id


def build_world(stack: Stack) -> World:
    hospital = stack.register_hospital()
    other = stack.register_hospital("โรงพยาบาลธัญบุรี")
    legacy = stack.register_hospital("โรงพยาบาลลาดหลุมแก้ว")
    _legacy(stack, legacy)
    environments: dict[str, Environment] = {}
    for prefix, channel in (("/api", "production"), ("/test/api", "test")):
        production = channel == "production"
        environment = Environment(
            prefix=prefix,
            key=hospital.production_key if production else hospital.test_key,
            other_key=hospital.test_key if production else hospital.production_key,
            other_hospital_key=other.production_key if production else other.test_key,
            regists=_patients(stack, hospital, channel, PATIENTS_PER_ENVIRONMENT),
            legacy_regists=_patients(stack, legacy, channel, 1),
            foreign_regists=_patients(stack, other, channel, 1),
            erased_regists=[_erased(stack, hospital, channel)],
        )
        for number, regist in enumerate(environment.regists):
            for queue in range(2):
                environment.appointment_ids.append(
                    _book(stack, prefix, environment.key, regist, f"คิวที่ {number}{queue}")
                )
        for regist in environment.foreign_regists:
            environment.foreign_appointment_ids.append(
                _book(stack, prefix, environment.other_hospital_key, regist, "คิวที่ 9")
            )
        environments[prefix] = environment
    return World(stack, hospital, environments, rules.bangkok_date(stack.clock.now()))


@pytest.fixture(scope="module")
def fuzz_world(fuzz_stack: Stack) -> World:
    return build_world(fuzz_stack)
