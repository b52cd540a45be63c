"""After "delete my data", nothing of hers is left in storage: not in any table, and on
SQLite not in the database files either (the main file, its `-wal` and `-shm`), neither
while the service runs nor after it stopped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select

from moph_connect.appointments.schemas import SEED_EXAMPLE
from moph_connect.clock import BANGKOK
from moph_connect.db.models import Survey
from moph_connect.hospitals.directory import clear_directory_cache
from moph_connect.hospitals.service import NewHospital
from moph_connect.patients.erasure import ERASURE_TABLES
from tests.chatbot.support import (
    accept_privacy,
    answer_to,
    new_user,
    postbacks,
    say,
    tap,
    texts,
)
from tests.conftest import fresh_database_url
from tests.support.leaks import database_files, scan_files, scan_tables, vacuum_counts
from tests.support.stack import Stack, find_uri, running_stack, wait_for

START = datetime(2018, 4, 27, 3, 0, tzinfo=UTC)  # 10:00 in Bangkok

DISPLAY_NAME = "ครูเพ็ญศรี ศรีสุข"
COMMENT = "หมอที่ห้องตรวจสามพูดเพราะมาก แต่รอนานสองชั่วโมง"
PLACE = "ร้านก๋วยเตี๋ยวป้าแดงข้างวัดเจดีย์หอย"
ADDRESS = "เลขที่ 88/9 หมู่บ้านพฤกษาวิลล์ ตำบลบางพูน"
PATIENT_NAME = str(SEED_EXAMPLE["patientName"])  # "นาย ประโยชน์ รุจิรา"


def share_place(stack: Stack, user: str) -> list[dict[str, object]]:
    """She shares a location with a title and an address (what LINE's picker sends)."""
    response = stack.emulator.post(
        f"/control/users/{user}/location",
        json={"latitude": 14.02, "longitude": 100.52, "title": PLACE, "address": ADDRESS},
    )
    assert response.status_code == 200, response.text
    return answer_to(stack, user, "production", response.json()["webhookEventId"])


def neighbour(stack: Stack, hospital: NewHospital, name: str) -> None:
    """Another patient, whose rows share the database pages with hers: erasing her must
    not leave her bytes in pages that stay in use."""
    user, _ = new_user(stack, name=name)
    accept_privacy(stack, user)
    [link] = tap(stack, user, f"action=pick&hospital={hospital.hospital_id}")
    regist = parse_qs(urlparse(find_uri(link, "regist=")).query)["regist"][0]
    day = stack.clock.now().astimezone(BANGKOK).date() + timedelta(days=3)
    body = {
        **SEED_EXAMPLE,
        "userId": regist,
        "appointmentDate": day.isoformat(),
        "patientName": f"นาง {name}",
    }
    assert stack.call("/api/queue/schedule", hospital.production_key, body).status_code == 202
    say(stack, user, "ปทุมธานี")


def her_journey(stack: Stack) -> dict[str, str]:
    """Follow, consent, pick a hospital, a visit today (scored, commented), an upcoming
    appointment with reminders, "my appointments", a shared place; then "delete my data"
    and yes; neighbours before and after her. What must be gone afterwards, by label."""
    hospital = stack.register_hospital()
    neighbour(stack, hospital, "สมศรี มีสุข")
    user, _ = new_user(stack, name=DISPLAY_NAME)
    accept_privacy(stack, user)
    [link] = tap(stack, user, f"action=pick&hospital={hospital.hospital_id}")
    regist = parse_qs(urlparse(find_uri(link, "regist=")).query)["regist"][0]
    key = hospital.production_key
    today = stack.clock.now().astimezone(BANGKOK).date()
    visit = {**SEED_EXAMPLE, "userId": regist, "appointmentDate": today.isoformat()}
    assert stack.call("/api/queue/notify", key, visit).status_code == 202
    with stack.database.transaction() as session:
        token = session.scalars(select(Survey.token)).one()
    tap(stack, user, f"action=survey&token={token}&score=4")
    say(stack, user, COMMENT)
    tap(stack, user, f"action=recommend&token={token}&score=9")
    upcoming = {
        **SEED_EXAMPLE,
        "userId": regist,
        "appointmentDate": (today + timedelta(days=5)).isoformat(),
        "queueNumber": "คิวที่ 12",
    }
    response = stack.call("/api/queue/schedule", key, upcoming, **{"Idempotency-Key": "call-1"})
    assert response.status_code == 202, response.text
    [mine] = say(stack, user, "นัดหมายของฉัน")
    assert "ประโยชน์" in texts(mine)  # her name was shown to her, so it was stored
    share_place(stack, user)
    neighbour(stack, hospital, "มาลี ดีงาม")
    [question] = say(stack, user, "ลบข้อมูล")
    [done] = tap(stack, user, postbacks(question)[0])
    assert "เรียบร้อย" in done["text"]
    return {
        "name": PATIENT_NAME,
        "given name": "ประโยชน์",
        "surname": "รุจิรา",
        "comment": COMMENT,
        "place": PLACE,
        "address": ADDRESS,
        "display name": DISPLAY_NAME,
        "LINE userId": user,
    }


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_nothing_of_hers_is_left_in_any_table(
    request: pytest.FixtureRequest, tmp_path: Path, kind: str
) -> None:
    clear_directory_cache()
    url = fresh_database_url(request, kind, tmp_path)
    with running_stack(url, START) as stack:
        vacuumed = vacuum_counts(stack.database) if kind == "postgresql" else {}
        secrets = her_journey(stack)
        assert scan_tables(stack.database, secrets) == {}
        if kind == "postgresql":
            # The retention job's next pass, an hour on, vacuums what the erasure changed.
            stack.clock.advance(timedelta(hours=1, minutes=1))
            wait_for(
                lambda: all(
                    vacuum_counts(stack.database)[table] > vacuumed[table]
                    for table in ERASURE_TABLES
                ),
                what="the erasure's tables vacuumed",
            )
            assert scan_tables(stack.database, secrets) == {}


def test_nothing_of_hers_is_left_in_the_sqlite_files(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    clear_directory_cache()
    url = fresh_database_url(request, "sqlite", tmp_path)
    path = tmp_path / "moph-connect.db"
    with running_stack(url, START) as stack:
        secrets = her_journey(stack)
        # While the service runs on: the erased pages' old copies are not in the WAL.
        running = scan_files(database_files(path), secrets)
    # And after a clean stop (the last connection's checkpoint moved the WAL in).
    stopped = scan_files(database_files(path), secrets)
    assert not running and not stopped, f"while running: {running}; after the stop: {stopped}"
