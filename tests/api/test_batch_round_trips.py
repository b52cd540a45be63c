"""The midnight batch's database round trips: a chunk's items are read and written
set-based (appointments/batch_repository.py), so a chunk of new appointments costs a
handful of statements, not several per item. The budget is a wall, as for single calls."""

from __future__ import annotations

from moph_connect.messages import NOTICE_VERSION
from moph_connect.patients.repository import PatientRepository
from tests.api.test_batch import batch_item, post_batch
from tests.api.test_round_trips import RoundTrips, quiet_stack
from tests.support.stack import Stack

__all__ = ["quiet_stack"]  # the fixture: a stack without a dispatcher polling

ITEMS = 50  # one chunk (appointments/batch.py)
# Statements + commits for a batch of one chunk of new appointments: the admission
# (authentication and the call counted, committed), then the chunk's look-ups
# (registrations, which appointments exist; the stack counts no daily limit), its three
# INSERTs and the commit; on SQLite also each transaction's BEGIN. With a savepoint per
# item (before): SQLite 406, PostgreSQL 354 (7 statements per item). SQLite was then 110
# while the outbox rows' INSERT ... RETURNING went once per row (SQLAlchemy's
# insertmanyvalues cannot keep a SQLite ROWID in parameter order); their payloads now
# find them by dedup key instead (outbox/repository.py, `enqueue`).
BUDGET = {"sqlite": 11, "postgresql": 9}


def test_a_chunk_of_new_appointments_costs_a_handful_of_statements(quiet_stack: Stack) -> None:
    hospital = quiet_stack.register_hospital()
    now = quiet_stack.clock.now()
    with quiet_stack.database.transaction() as session:
        patients = PatientRepository(session)
        regists = []
        for n in range(ITEMS):
            user = patients.follow("production", f"U{n:032x}", now)
            patients.record_consent(user, NOTICE_VERSION, now)
            regists.append(patients.registration_for(user, hospital.hospital_id, now).regist_id)
    body = [batch_item(regist, f"R{n}") for n, regist in enumerate(regists)]
    with RoundTrips(quiet_stack) as trips:
        answer = post_batch(quiet_stack, hospital.production_key, body).json()
    assert answer["accepted"] == ITEMS
    budget = BUDGET[quiet_stack.database.dialect]
    assert trips.total <= budget, f"{trips.total}: {trips.statements} + {trips.commits} commits"
