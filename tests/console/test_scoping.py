"""What each role sees, over real HTTP on SQLite and PostgreSQL: a hospital user sees her
own hospital only (everything else is 404, also by editing URLs), the ministry sees all;
the overview's numbers are the database's, scoped; key and mode changes are audited."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select

from moph_connect.appointments.schemas import SEED_EXAMPLE
from moph_connect.db.models import (
    Appointment,
    AuditEvent,
    ChannelState,
    Hospital,
    OutboxMessage,
)
from moph_connect.hospitals.service import NewHospital
from moph_connect.scheduling.rules import bangkok_date, bangkok_time
from tests.console.support import add, csrf_of, page_token, signed_in
from tests.support.stack import Stack, wait_for

# An appointment id's shape ("a" and 24 hex digits) that no appointment has: asked with
# a usable key the answer is 404, with any other 401.
NO_APPOINTMENT = "a" + "0" * 24


def _tile(html: str, name: str) -> int:
    found = re.search(rf'id="tile-{name}"><span class="value">(\d+)<', html)
    assert found is not None, f"no tile {name}"
    return int(found.group(1))


def _book(stack: Stack, hospital: NewHospital) -> None:
    """A patient of `hospital` and the seed's queue call: a queue card due now."""
    regist = stack.pick_hospital(stack.follow(), hospital.hospital_id)
    answer = stack.call("/api/queue", hospital.production_key, {**SEED_EXAMPLE, "userId": regist})
    assert answer.status_code == 202, answer.text


def _due_today(stack: Stack, hospital_id: str | None) -> int:
    """Counted here on its own: production rows due today (Bangkok), of one hospital."""
    start = bangkok_time(bangkok_date(stack.clock.now()), time(0))
    query = select(func.count(OutboxMessage.id)).where(
        OutboxMessage.environment == "production",
        OutboxMessage.due_at >= start,
        OutboxMessage.due_at < start + timedelta(days=1),
    )
    if hospital_id is not None:
        query = query.join(Appointment, Appointment.id == OutboxMessage.appointment_id).where(
            Appointment.hospital_id == hospital_id
        )
    with stack.database.transaction() as session:
        return int(session.scalar(query) or 0)


def test_a_hospital_user_gets_404_for_every_other_hospitals_url(console_stack: Stack) -> None:
    mine = console_stack.register_hospital("โรงพยาบาลของเธอ")
    other = console_stack.register_hospital("โรงพยาบาลอื่น")
    user = add(console_stack, "hospital", mine.hospital_id)
    with signed_in(console_stack, user) as http:
        token = page_token(http)
        own = http.get(f"/console/hospitals/{mine.hospital_id}")
        assert own.status_code == 200 and "โรงพยาบาลของเธอ" in own.text
        assert 'id="rotate"' not in own.text  # read-only for her
        assert '/console/hospitals"' not in own.text  # no link to the registry
        for path in (
            "/console/hospitals",
            f"/console/hospitals?q={other.name}",
            f"/console/hospitals/{other.hospital_id}",
            "/console/hospitals/no-such-hospital",
        ):
            answer = http.get(path)
            assert answer.status_code == 404, path
            assert "โรงพยาบาลอื่น" not in answer.text
        for hospital_id in (other.hospital_id, mine.hospital_id):
            for action, data in (
                ("keys/rotate", {"environment": "test", "grace_hours": "0"}),
                ("keys/revoke", {"environment": "production"}),
                ("mode", {"auth": "legacy"}),
            ):
                answer = http.post(
                    f"/console/hospitals/{hospital_id}/{action}", data={"csrf_token": token, **data}
                )
                assert answer.status_code == 404, (hospital_id, action)
    with console_stack.database.transaction() as session:
        for hospital_id in (mine.hospital_id, other.hospital_id):
            hospital = session.get(Hospital, hospital_id)
            assert hospital is not None and hospital.auth_mode == "key"
    # Her keys still work: nothing was rotated or revoked.
    for key in (mine.production_key, other.production_key):
        assert (
            console_stack.api.get(
                f"/api/queue/{NO_APPOINTMENT}", headers={"Authorization": f"Bearer {key}"}
            ).status_code
            == 404
        )
    ministry = add(console_stack)
    with signed_in(console_stack, ministry) as http:
        assert http.get(f"/console/hospitals/{other.hospital_id}").status_code == 200
        listed = http.get("/console/hospitals", params={"q": "โรงพยาบาลอื่น"})
        assert listed.status_code == 200 and other.hospital_id in listed.text


def test_the_overview_counts_her_hospitals_messages_and_the_ministry_all(
    console_stack: Stack,
) -> None:
    busy = console_stack.register_hospital("โรงพยาบาลมีนัด")
    quiet = console_stack.register_hospital("โรงพยาบาลเงียบ")
    _book(console_stack, busy)
    _book(console_stack, busy)
    pages: dict[str, str] = {}
    for label, role, hospital_id in (
        ("busy", "hospital", busy.hospital_id),
        ("quiet", "hospital", quiet.hospital_id),
        ("ministry", "ministry", None),
    ):
        with signed_in(console_stack, add(console_stack, role, hospital_id)) as http:
            answer = http.get("/console/overview")
            assert answer.status_code == 200
            pages[label] = answer.text
    assert _due_today(console_stack, busy.hospital_id) >= 2  # two queue cards at least
    assert _tile(pages["busy"], "today") == _due_today(console_stack, busy.hospital_id)
    assert _tile(pages["quiet"], "today") == 0 == _due_today(console_stack, quiet.hospital_id)
    assert _tile(pages["ministry"], "today") == _due_today(console_stack, None)
    assert 'data-kind="queue_card"' in pages["busy"]
    assert 'data-kind="queue_card"' not in pages["quiet"]


def test_a_paused_channel_is_a_banner_for_everyone(console_stack: Stack) -> None:
    hospital = console_stack.register_hospital()
    now = console_stack.clock.now()
    with console_stack.database.transaction() as session:
        session.merge(
            ChannelState(
                channel="production",
                paused_until=now + timedelta(hours=1),
                reason="HTTP 401: Authentication failed",
                updated_at=now,
            )
        )
    try:
        for role, hospital_id in (("ministry", None), ("hospital", hospital.hospital_id)):
            with signed_in(console_stack, add(console_stack, role, hospital_id)) as http:
                answer = http.get("/console/overview")
                assert 'class="banner" role="alert" id="paused-production"' in answer.text
                assert "HTTP 401: Authentication failed" in answer.text
    finally:
        with console_stack.database.transaction() as session:
            state = session.get(ChannelState, "production")
            assert state is not None
            state.paused_until = datetime(2000, 1, 1, tzinfo=UTC)
    with signed_in(console_stack, add(console_stack)) as http:
        assert 'role="alert"' not in http.get("/console/overview").text


def test_the_ministry_rotates_revokes_and_changes_mode_and_each_is_audited(
    console_stack: Stack,
) -> None:
    hospital = console_stack.register_hospital("โรงพยาบาลเปลี่ยนกุญแจ")
    email = add(console_stack)
    path = f"/console/hospitals/{hospital.hospital_id}"
    with signed_in(console_stack, email) as http:
        token = page_token(http, path)
        rotated = http.post(
            f"{path}/keys/rotate",
            data={"csrf_token": token, "environment": "test", "grace_hours": "0"},
        )
        assert rotated.status_code == 200
        assert rotated.headers["cache-control"] == "no-store"
        found = re.search(r"mcp_test_[A-Za-z0-9_-]+", rotated.text)
        assert found is not None
        new_key = found.group(0)
        assert new_key not in http.get(path).text  # shown once
        test_call = {"Authorization": f"Bearer {new_key}"}
        assert (
            console_stack.api.get(
                f"/test/api/queue/{NO_APPOINTMENT}", headers=test_call
            ).status_code
            == 404
        )
        old_call = {"Authorization": f"Bearer {hospital.test_key}"}
        assert (
            console_stack.api.get(f"/test/api/queue/{NO_APPOINTMENT}", headers=old_call).status_code
            == 401
        )

        revoked = http.post(
            f"{path}/keys/revoke", data={"csrf_token": token, "environment": "production"}
        )
        assert (
            revoked.status_code == 303 and revoked.headers["location"] == f"{path}?notice=revoked"
        )
        live = {"Authorization": f"Bearer {hospital.production_key}"}
        assert (
            console_stack.api.get(f"/api/queue/{NO_APPOINTMENT}", headers=live).status_code == 401
        )

        changed = http.post(f"{path}/mode", data={"csrf_token": token, "auth": "legacy"})
        assert changed.status_code == 303
        shown = http.get(changed.headers["location"])
        assert 'class="badge legacy"' in shown.text and csrf_of(shown.text) == token

        bad = http.post(f"{path}/keys/rotate", data={"csrf_token": token, "environment": "x"})
        assert bad.status_code == 422
        assert bad.json()["errors"] == [
            {"field": "environment", "reason": "must be one of production, test"}
        ]
        bad = http.post(f"{path}/mode", data={"csrf_token": token, "auth": "none"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "auth"
    with console_stack.database.transaction() as session:
        events = list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.actor == email).order_by(AuditEvent.id)
            )
        )
    kinds = [event.kind for event in events]
    assert kinds == [
        "console.sign_in",
        "api_key.rotated",
        "api_key.revoked",
        "hospital.access_changed",
    ]
    assert events[3].detail == {
        "hospitalId": hospital.hospital_id,
        "auth": {"from": "key", "to": "legacy"},
    }
    assert new_key not in repr([event.detail for event in events])


def test_a_429_from_line_shows_as_retrying_and_rate_limited_for_her_hospital(
    console_stack: Stack,
) -> None:
    hospital = console_stack.register_hospital("โรงพยาบาลรอส่ง")
    regist = console_stack.pick_hospital(console_stack.follow(), hospital.hospital_id)
    fault = console_stack.emulator.post(
        "/control/faults", json={"channel": "production", "kind": "429", "count": 1}
    )
    assert fault.status_code == 201, fault.text
    answer = console_stack.call(
        "/api/queue", hospital.production_key, {**SEED_EXAMPLE, "userId": regist}
    )
    assert answer.status_code == 202, answer.text
    appointment_id = answer.json()["appointmentId"]

    def refused_once() -> bool:
        with console_stack.database.transaction() as session:
            errors = session.scalars(
                select(OutboxMessage.last_error).where(
                    OutboxMessage.appointment_id == appointment_id,
                    OutboxMessage.status == "pending",
                )
            ).all()
        return any(error and error.startswith("HTTP 429") for error in errors)

    wait_for(refused_once, what="the queue card refused with 429")
    with signed_in(console_stack, add(console_stack, "hospital", hospital.hospital_id)) as http:
        html = http.get("/console/overview").text
    # The simulated clock stands still: the retry waits, her card is the one in the tiles.
    assert _tile(html, "429") == 1 and _tile(html, "retrying") == 1
    assert 'class="tile bad" id="tile-429"' in html
    with signed_in(console_stack, add(console_stack)) as http:
        national = http.get("/console/overview").text
    assert _tile(national, "429") >= 1
    other = console_stack.register_hospital("โรงพยาบาลไม่มีปัญหา")
    with signed_in(console_stack, add(console_stack, "hospital", other.hospital_id)) as http:
        assert _tile(http.get("/console/overview").text, "429") == 0
