"""What one planned message costs in SQLite, before and after the retention job purges it.

    .venv/bin/python benchmarks/retention.py [--appointments 2000]

A fresh SQLite database gets N patients at one hospital, each with an appointment
tomorrow planned through the real service (queue card, two reminders, near-queue alert,
survey: ~5 messages each, the seed's fields), every message then recorded as sent with a
LINE request id, as after a day of sending. Measured (after a WAL checkpoint, so that the
main file holds everything): the file size, and from SQLite's `dbstat` the pages of the
outbox's tables and indexes, per message. Then, a month on (33 days), the retention job
runs, and the same is measured again, with, for comparison, what blanking the rows instead
of deleting them would have kept (payload "[]", recipient and links replaced: erasure's
way), and the file's size after a VACUUM. The last line on stdout is one JSON object of
the figures.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `tests.*` importable
    sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402
from benchmarks.measuring import say  # noqa: E402
from sqlalchemy import update  # noqa: E402

from moph_connect.appointments.schemas import SEED_EXAMPLE, QueueCall  # noqa: E402
from moph_connect.appointments.service import AppointmentService  # noqa: E402
from moph_connect.clock import SimulatedClock  # noqa: E402
from moph_connect.db.engine import make_engine  # noqa: E402
from moph_connect.db.migrate import upgrade  # noqa: E402
from moph_connect.db.models import OutboxMessage  # noqa: E402
from moph_connect.db.reclaim import checkpoint_wal  # noqa: E402
from moph_connect.db.uow import Database  # noqa: E402
from moph_connect.hospitals.authentication import AuthenticatedHospital  # noqa: E402
from moph_connect.hospitals.service import register_hospital  # noqa: E402
from moph_connect.patients.repository import PatientRepository  # noqa: E402
from moph_connect.patients.retention import RetentionJob  # noqa: E402

# 08:00 in Bangkok, the day before the appointments: every kind of message gets planned.
START = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)
OUTBOX = ("outbox_messages", "outbox_payloads")


def seed(database: Database, appointments: int) -> int:
    """Plan the messages through the service; return how many were planned."""
    now = START
    with database.transaction() as session:
        hospital = register_hospital(session, "โรงพยาบาลปทุมธานี", "https://q.th/?r={regist}", now)
    caller = AuthenticatedHospital(hospital.hospital_id, "โรงพยาบาลปทุมธานี", "production")
    day = (START + timedelta(days=1)).astimezone().date().isoformat()
    for index in range(appointments):
        with database.transaction() as session:
            patients = PatientRepository(session)
            user = patients.follow("production", "U" + uuid.uuid4().hex, now)
            regist = patients.registration_for(user, hospital.hospital_id, now).regist_id
            body = {
                **SEED_EXAMPLE,
                "userId": regist,
                "appointmentDate": day,
                "queueNumber": f"จุดคัดกรอง คิวที่ {index}",
                "patientName": f"นาย ประโยชน์ รุจิรา {index}",
            }
            call = QueueCall.model_validate(body)
            service = AppointmentService(session)
            for kind in ("queue", "schedule", "notify"):
                service.handle_call(caller, kind, call, now)  # type: ignore[arg-type]
    with database.transaction() as session:
        planned = session.execute(
            update(OutboxMessage).values(
                status="sent", sent_at=now, line_request_id=str(uuid.uuid4()), attempts=1
            )
        ).rowcount  # type: ignore[attr-defined]
    return int(planned)


def measure(path: Path, messages: int) -> dict[str, Any]:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        free = connection.execute("PRAGMA freelist_count").fetchone()[0]
        rows = connection.execute(
            "SELECT tbl_name, sum(d.pgsize), sum(d.payload), sum(d.unused)"
            " FROM dbstat d JOIN sqlite_master m ON m.name = d.name GROUP BY tbl_name"
        ).fetchall()
        live = connection.execute("SELECT count(*) FROM outbox_messages").fetchone()[0]
    finally:
        connection.close()  # a context manager would leave it open (it only commits)
    tables = {
        name: {"bytes": size, "payload": payload, "unused": unused}
        for name, size, payload, unused in rows
    }
    outbox = sum(tables.get(name, {}).get("bytes", 0) for name in OUTBOX)
    outbox_payload = sum(tables.get(name, {}).get("payload", 0) for name in OUTBOX)
    return {
        "file_bytes": path.stat().st_size,
        "pages_in_use": pages - free,
        "free_pages": free,
        "page_size": page_size,
        "outbox_rows": live,
        # The outbox's two tables and their indexes, pages and row bytes, per message
        # planned (the N of the run, whether its row is still there or not).
        "outbox_page_bytes_per_message": round(outbox / messages, 1),
        "outbox_row_bytes_per_message": round(outbox_payload / messages, 1),
        "in_use_bytes_per_message": round((pages - free) * page_size / messages, 1),
        "tables": tables,
    }


def blank_instead(path: Path) -> None:
    """What erasure does to a row, applied to every one: the alternative to deleting."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA secure_delete=ON")
        connection.execute("UPDATE outbox_payloads SET payload = '[]'")
        connection.execute(
            "UPDATE outbox_messages SET line_user_id = 'purged', appointment_id = NULL,"
            " reply_token = NULL, line_request_id = NULL, dedup_key = 'purged:' || id"
        )
        connection.execute("UPDATE surveys SET appointment_id = NULL, comment = NULL")
        connection.execute("DELETE FROM appointments")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--appointments", type=int, default=2000)
    options = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="moph-retention-"))
    try:
        path = folder / "moph-connect.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        database = Database(make_engine(url))
        started = time.perf_counter()
        messages = seed(database, options.appointments)
        say(f"planned {messages} messages in {time.perf_counter() - started:.1f} s")
        checkpoint_wal(database.engine)
        before = measure(path, messages)
        shutil.copy(path, folder / "blanked.db")
        job = RetentionJob(database, SimulatedClock(START + timedelta(days=33)), retention_days=30)
        started = time.perf_counter()
        counts = job.run_once()
        purge_seconds = time.perf_counter() - started
        database.dispose()  # the last connection checkpoints
        after = measure(path, messages)
        blank_instead(folder / "blanked.db")
        blanked = measure(folder / "blanked.db", messages)
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("VACUUM")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        vacuumed = path.stat().st_size
        figures = {
            "messages": messages,
            "appointments": options.appointments,
            "purged": None if counts is None else counts.total,
            "purge_seconds": round(purge_seconds, 2),
            "before": before,
            "after_purge": after,
            "blanked_instead": blanked,
            "file_bytes_after_vacuum": vacuumed,
        }
        for name, figure in (("before", before), ("after", after), ("blanked", blanked)):
            say(
                f"{name:>8}: file {figure['file_bytes'] / 1e6:.1f} MB, in use "
                f"{figure['in_use_bytes_per_message']} B/message, outbox "
                f"{figure['outbox_page_bytes_per_message']} B/message in pages "
                f"({figure['outbox_row_bytes_per_message']} B of rows), "
                f"{figure['free_pages']} free pages"
            )
        say(f"purge of {messages} messages: {purge_seconds:.2f} s; after VACUUM {vacuumed} B")
        print(orjson.dumps(figures).decode())
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
