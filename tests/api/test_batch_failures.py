"""The batch runs a chunk's items without a savepoint each: an item refused in the middle
of a chunk (its own problem, or a statement the database refused) still leaves exactly the
others' rows, each answered as its single call would be."""

from __future__ import annotations

import ast
import inspect
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from moph_connect.appointments import batch_repository, service
from moph_connect.db.models import Appointment, OutboxMessage
from moph_connect.hospitals.service import NewHospital
from moph_connect.outbox.repository import OutboxRepository
from moph_connect.outbox.types import NewMessage
from tests.api.test_batch import batch_item, post_batch
from tests.support.stack import Stack

SCHEDULE = "/api/queue/schedule"
REMINDERS = ["reminder_day_before", "reminder_same_day"]


def _patients(stack: Stack, hospital: NewHospital, count: int) -> list[str]:
    return [
        stack.pick_hospital(stack.follow(name=f"ผู้ป่วย {n}"), hospital.hospital_id)
        for n in range(count)
    ]


def _messages(stack: Stack, hospital_id: str) -> dict[tuple[str, str, str], list[str]]:
    """Every appointment of the hospital by (patient, queue number, date): its messages'
    kinds, soonest first."""
    with stack.database.transaction() as session:
        rows = session.execute(
            select(
                Appointment.regist_id,
                Appointment.queue_number,
                Appointment.appointment_date,
                OutboxMessage.kind,
            )
            .outerjoin(OutboxMessage, OutboxMessage.appointment_id == Appointment.id)
            .where(Appointment.hospital_id == hospital_id)
            .order_by(OutboxMessage.due_at, OutboxMessage.kind)
        ).all()
    found: dict[tuple[str, str, str], list[str]] = {}
    for regist, queue, day, kind in rows:
        kinds = found.setdefault((regist, queue, day.isoformat()), [])
        if kind is not None:
            kinds.append(kind)
    return found


def _plant_conflicting_reminder(stack: Stack, appointment_id: str, line_user_id: str) -> None:
    """A row holding the dedup key of the appointment's first reminder, but not filed
    under the appointment: as if a concurrent call had just planned it. The item that
    plans that reminder then has its INSERT refused (IntegrityError)."""
    now = stack.clock.now()
    with stack.database.transaction() as session:
        OutboxRepository(session).enqueue(
            [
                NewMessage(
                    environment="production",
                    line_user_id=line_user_id,
                    kind="reminder_day_before",
                    priority=1,
                    dedup_key=f"{appointment_id}:2018-04-30:reminder_day_before",
                    payload="[]",
                    due_at=now + timedelta(days=1),
                )
            ],
            now,
        )


def test_items_refused_mid_chunk_leave_exactly_the_others_rows(shared_stack: Stack) -> None:
    hospital = shared_stack.register_hospital()
    key = hospital.production_key
    first, second, third = _patients(shared_stack, hospital, 3)
    # Booked before the batch: one cancelled since, one whose reminder the database will
    # refuse to plan twice.
    cancelled = batch_item(second, "K2")
    assert shared_stack.call("/api/queue", key, cancelled).status_code == 202
    assert shared_stack.call("/api/queue/cancel", key, cancelled).status_code == 202
    refused_by_database = batch_item(first, "K4")
    booked = shared_stack.call("/api/queue", key, refused_by_database).json()
    with shared_stack.database.transaction() as session:
        line_user_id = session.scalar(
            select(OutboxMessage.line_user_id).where(
                OutboxMessage.appointment_id == booked["appointmentId"]
            )
        )
    assert line_user_id is not None
    _plant_conflicting_reminder(shared_stack, booked["appointmentId"], line_user_id)
    before = _messages(shared_stack, hospital.hospital_id)

    body = [
        batch_item(first, "K1"),
        cancelled,  # 409: cancelled, refused before it writes
        batch_item("0" * 24, "K3"),  # 404: never issued to this hospital
        batch_item(third, "K3"),
        refused_by_database,  # its reminder's INSERT fails: 409 after three tries
        batch_item(second, "K5"),
        batch_item(first, "K1"),  # the first item again: nothing new
    ]
    answer = post_batch(shared_stack, key, body).json()

    statuses = [result["status"] for result in answer["results"]]
    assert statuses == [202, 409, 404, 202, 409, 202, 202]
    assert (answer["accepted"], answer["refused"]) == (4, 3)
    problems = [r["problem"] for r in answer["results"] if r["problem"] is not None]
    assert "was cancelled" in problems[0]["detail"]
    assert "not issued to this hospital" in problems[1]["detail"]
    assert problems[2]["title"] == "Concurrent calls"
    results = answer["results"]
    for index in (0, 3, 5):
        assert [m["kind"] for m in results[index]["appointment"]["messages"]] == REMINDERS
    assert results[6]["appointment"]["appointmentId"] == results[0]["appointment"]["appointmentId"]
    assert {s["reason"] for s in results[6]["appointment"]["skipped"]} == {"already planned"}

    after = _messages(shared_stack, hospital.hospital_id)
    added = {k: v for k, v in after.items() if k not in before}
    assert added == {
        (first, "K1", "2018-04-30"): REMINDERS,
        (third, "K3", "2018-04-30"): REMINDERS,
        (second, "K5", "2018-04-30"): REMINDERS,
    }
    assert {k: after[k] for k in before} == before  # the refused items' rows unchanged


def comparable(result: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    """A batch item's answer or a single call's, without what differs between patients
    (appointment IDs are numbered in order of appearance)."""
    if result["status"] != 202:
        return {"status": result["status"], "title": result["problem"]["title"]}
    appointment = dict(result["appointment"])
    appointment["appointmentId"] = ids.setdefault(appointment["appointmentId"], f"#{len(ids)}")
    # The dispatcher runs meanwhile: a notice planned by an earlier call may be on its way.
    appointment["messages"] = [
        {**m, "status": "cancelled" if m["status"] == "cancelled" else "planned", "sentAt": None}
        for m in appointment["messages"]
    ]
    return {"status": 202, "appointment": appointment}


def test_a_chunk_of_related_items_gets_the_answers_single_calls_get(shared_stack: Stack) -> None:
    """Repeats, a move, a cancelled and an unknown appointment, interleaved for two
    patients in one chunk: the same answers and rows as the same calls one by one, each
    in its own transaction."""
    hospital = shared_stack.register_hospital()
    key = hospital.production_key
    a_batch, b_batch, a_single, b_single = _patients(shared_stack, hospital, 4)

    def calls(a: str, b: str) -> list[dict[str, Any]]:
        return [
            batch_item(a, "M1"),
            batch_item(b, "M1"),
            {**batch_item(a, "M1"), "appointmentDate": "2018-05-02"},  # moves it
            batch_item(a, "M1"),  # and back: the 30th's reminders again
            {**batch_item(b, "M1"), "patientName": "นาง มาลี ใจดี"},  # corrected
            batch_item(a, "M2"),
            {**batch_item(b, "M3"), "appointmentDate": "2018-04-26"},  # in the past
            batch_item(b, "M4"),
            batch_item(b, "M1"),
        ]

    for item in (batch_item(b_batch, "M9"), batch_item(b_single, "M9")):
        assert shared_stack.call("/api/queue", key, item).status_code == 202
        assert shared_stack.call("/api/queue/cancel", key, item).status_code == 202
    batch = [*calls(a_batch, b_batch), batch_item(b_batch, "M9")]
    singles = [*calls(a_single, b_single), batch_item(b_single, "M9")]

    answer = post_batch(shared_stack, key, batch).json()
    one_by_one = []
    for single in singles:
        response = shared_stack.call(SCHEDULE, key, single)
        field = "appointment" if response.status_code == 202 else "problem"
        one_by_one.append({"status": response.status_code, field: response.json()})
    batch_ids: dict[str, str] = {}
    single_ids: dict[str, str] = {}
    assert [comparable(r, batch_ids) for r in answer["results"]] == [
        comparable(r, single_ids) for r in one_by_one
    ]
    assert [r["status"] for r in one_by_one].count(202) == 8

    stored = _messages(shared_stack, hospital.hospital_id)
    renamed = {a_batch: "a", b_batch: "b", a_single: "a", b_single: "b"}

    def of(regists: tuple[str, str]) -> dict[tuple[str, str, str], list[str]]:
        return {
            (renamed[regist], queue, day): kinds
            for (regist, queue, day), kinds in stored.items()
            if regist in regists
        }

    assert of((a_batch, b_batch)) == of((a_single, b_single))


def _repository_methods_called(attribute: str) -> set[str]:
    """The methods AppointmentService calls on `self.<attribute>`."""
    tree = ast.parse(inspect.getsource(service))
    called = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == attribute
            and isinstance(node.value.value, ast.Name)
            and node.value.value.id == "self"
        ):
            called.add(node.attr)
    return called


def test_the_chunk_repositories_override_every_method_the_service_calls() -> None:
    """A method the service calls that a chunk repository inherits would read the tables
    without the rows written behind (appointments/batch_repository.py)."""
    for attribute, chunk_class in (
        ("appointments", batch_repository.ChunkAppointments),
        ("outbox", batch_repository.ChunkOutbox),
        ("patients", batch_repository.ChunkPatients),
    ):
        called = _repository_methods_called(attribute)
        assert called, attribute
        assert called <= set(vars(chunk_class)), (attribute, called - set(vars(chunk_class)))
