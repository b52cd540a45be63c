"""What erasure forgets besides her rows: the hospitals' idempotency records of calls about
her, the link from her consent records, what her outbox rows said about her appointments,
the errors recorded for her events."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

from sqlalchemy import select, update

from moph_connect.appointments.schemas import SEED_EXAMPLE
from moph_connect.clock import BANGKOK
from moph_connect.db.models import (
    ConsentRecord,
    IdempotencyRecord,
    OutboxMessage,
    WebhookEvent,
)
from moph_connect.hospitals.service import NewHospital
from moph_connect.patients.erasure import REDACTED_ERROR, forget_idempotency_records
from tests.chatbot.support import accept_privacy, new_user, postbacks, say, tap
from tests.support.stack import Stack, find_uri


def booked(stack: Stack) -> tuple[NewHospital, str, str]:
    """A patient with a MOPH Connect ID at a hospital: (hospital, user, regist)."""
    hospital = stack.register_hospital()
    user, _ = new_user(stack)
    accept_privacy(stack, user)
    [link] = tap(stack, user, f"action=pick&hospital={hospital.hospital_id}")
    return hospital, user, parse_qs(urlparse(find_uri(link, "regist=")).query)["regist"][0]


def erase(stack: Stack, user: str) -> None:
    [question] = say(stack, user, "ลบข้อมูล")
    [done] = tap(stack, user, postbacks(question)[0])
    assert "เรียบร้อย" in done["text"]


def upcoming(regist: str, stack: Stack, **fields: str) -> dict[str, str]:
    day = stack.clock.now().astimezone(BANGKOK).date() + timedelta(days=3)
    return {**SEED_EXAMPLE, "userId": regist, "appointmentDate": day.isoformat(), **fields}


def test_a_call_repeated_after_erasure_is_gone(stack: Stack) -> None:
    hospital, user, regist = booked(stack)
    key, body = hospital.production_key, upcoming(regist, stack)
    first = stack.call("/api/queue", key, body, **{"Idempotency-Key": "visit-1"})
    assert first.status_code == 202, first.text
    replay = stack.call("/api/queue", key, body, **{"Idempotency-Key": "visit-1"})
    assert replay.json() == first.json()

    erase(stack, user)

    again = stack.call("/api/queue", key, body, **{"Idempotency-Key": "visit-1"})
    assert again.status_code == 410, again.text
    assert first.json()["appointmentId"] not in again.text
    with stack.database.transaction() as session:
        assert session.scalars(select(IdempotencyRecord)).all() == []


def test_records_are_found_by_their_column_or_by_the_answer(stack: Stack) -> None:
    """Records that name their appointment (the API fills `appointment_id`) and records
    that do not (written before migration 0006) both go; other patients' stay."""
    hospital, _user, regist = booked(stack)
    _other_hospital, _other, other_regist = booked(stack)
    key = hospital.production_key
    ids = []
    for number, call_key in (("คิวที่ 1", "named"), ("คิวที่ 2", "unnamed")):
        body = upcoming(regist, stack, queueNumber=number)
        response = stack.call("/api/queue", key, body, **{"Idempotency-Key": call_key})
        assert response.status_code == 202, response.text
        ids.append(response.json()["appointmentId"])
    with stack.database.transaction() as session:
        session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.key == "named")
            .values(appointment_id=ids[0], response={"appointmentId": "not-this-one"})
        )
        # Another patient's record at her hospital, and one naming her appointment at a
        # hospital that is not the appointment's: neither is hers to forget.
        for other_key, response, hospital_id in (
            ("another", {"appointmentId": "a" + "0" * 24}, hospital.hospital_id),
            ("elsewhere", {"appointmentId": ids[1]}, _other_hospital.hospital_id),
        ):
            session.add(
                IdempotencyRecord(
                    hospital_id=hospital_id,
                    environment="production",
                    key=other_key,
                    request_hash="0" * 64,
                    status_code=202,
                    response=response,
                    created_at=stack.clock.now(),
                )
            )
    assert other_regist != regist
    with stack.database.transaction() as session:
        forgotten = forget_idempotency_records(session, dict.fromkeys(ids, hospital.hospital_id))
    assert forgotten == 2
    with stack.database.transaction() as session:
        left = sorted(session.scalars(select(IdempotencyRecord.key)))
    assert left == ["another", "elsewhere"]


def test_her_consent_outbox_rows_and_event_errors_no_longer_point_at_her(
    stack: Stack,
) -> None:
    hospital, user, regist = booked(stack)
    response = stack.call("/api/queue/schedule", hospital.production_key, upcoming(regist, stack))
    assert response.status_code == 202, response.text
    appointment_id = response.json()["appointmentId"]
    with stack.database.transaction() as session:  # one of her events had failed
        event = session.scalars(select(WebhookEvent)).first()
        assert event is not None
        event.error = f"ValueError('could not read {user}')"

    erase(stack, user)

    with stack.database.transaction() as session:
        [consent] = session.scalars(select(ConsentRecord)).all()
        assert consent.line_user_pk is None and consent.withdrawn_at is not None
        rows = session.scalars(select(OutboxMessage)).all()
        for row in rows:
            assert appointment_id not in row.dedup_key and user not in row.dedup_key
            assert row.appointment_id is None and user not in row.line_user_id
        # All but the answer to "yes, delete", planned after the erasure.
        erased = [row for row in rows if row.dedup_key.startswith("erased:")]
        assert len(erased) == len(rows) - 1 and len(erased) >= 4  # greeting, link, ...
        assert all(row.appointment_date is None for row in erased)
        assert all(row.line_request_id is None for row in erased)
        errors = {e.error for e in session.scalars(select(WebhookEvent))}
        assert errors == {None, REDACTED_ERROR}
