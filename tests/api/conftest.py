"""One running stack per database for the whole module: contract tests each register their
own hospital and users, so they do not see each other's data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from moph_connect.hospitals.service import NewHospital
from tests.conftest import fresh_database_url
from tests.support.stack import Stack, running_stack

# 2018-04-27 10:00 in Bangkok: three days before the seed's appointment (2018-04-30).
START = datetime(2018, 4, 27, 3, 0, tzinfo=UTC)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    url = fresh_database_url(request, request.param, tmp_path_factory.mktemp("db"))
    with running_stack(url, START) as stack:
        yield stack


@pytest.fixture
def patient(shared_stack: Stack) -> tuple[NewHospital, str]:
    """A key-mode hospital and the MOPH Connect ID of a patient who picked it."""
    hospital = shared_stack.register_hospital()
    user = shared_stack.follow()
    return hospital, shared_stack.pick_hospital(user, hospital.hospital_id)
