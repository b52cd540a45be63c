"""`moph-connect registrations import`: the old MOPH Connect's IDs keep working here.

The row checks are pure and table-driven; everything that touches storage runs on SQLite
and PostgreSQL; the imported ID is then used as a hospital uses it, over real HTTP.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select

from moph_connect.appointments.schemas import SEED_EXAMPLE
from moph_connect.chatbot.conversation import NOTICE_OWED
from moph_connect.chatbot.service import ChatbotService
from moph_connect.db.models import (
    AuditEvent,
    ConsentRecord,
    LineUser,
    OutboxMessage,
    Registration,
)
from moph_connect.db.uow import Database
from moph_connect.hospitals.directory import clear_directory_cache
from moph_connect.hospitals.importing import ImportRejected
from moph_connect.hospitals.service import register_hospital
from moph_connect.messages import NOTICE_VERSION
from moph_connect.messages.privacy import IMPORTED_CONSENT_VERSION
from moph_connect.patients.erasure import ErasureRepository
from moph_connect.patients.importing import (
    COLUMNS,
    ImportResult,
    check_file,
    check_row,
    import_registrations,
    read_rows,
)
from moph_connect.patients.repository import PatientRepository
from tests.chatbot.support import event, postbacks, texts
from tests.support.stack import find_uri, running_stack

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # 10:00 in Bangkok, the day of the switch
HEADER = ",".join(COLUMNS) + "\n"
SEED_ID = SEED_EXAMPLE["userId"]  # 5bedb40574d0504752f2173f: a MongoDB ObjectId, it seems
CONSENTED = "2019-05-01T10:00:00+07:00"


def line_user_id(n: int) -> str:
    return f"U{n:032x}"


def regist_id(n: int) -> str:
    return f"{n:024x}"


def csv_text(*rows: tuple[str, str, str, str, str]) -> str:
    return HEADER + "".join(",".join(row) + "\n" for row in rows)


# -- the rows alone (pure) -----------------------------------------------------------------

GOOD = {
    "hospital_id": "h3098eba041306705",
    "regist_id": SEED_ID,
    "line_user_id": line_user_id(1),
    "environment": "production",
    "consented_at": CONSENTED,
}

REJECTED: list[tuple[str, str, str]] = [
    ("hospital_id", "", "is empty; give the id from `moph-connect hospital list`"),
    ("hospital_id", "h" * 33, "is longer than 32 characters"),
    ("regist_id", "", "must be 24 hexadecimal characters (0-9, a-f), not 0"),
    ("regist_id", SEED_ID[:-1], "must be 24 hexadecimal characters (0-9, a-f), not 23"),
    ("regist_id", SEED_ID + "0", "must be 24 hexadecimal characters (0-9, a-f), not 25"),
    ("regist_id", SEED_ID[:-1] + "g", "must be hexadecimal: only 0-9 and a-f"),
    ("regist_id", "5bedb405-74d0-5047-52f21", "must be hexadecimal: only 0-9 and a-f"),
    ("line_user_id", "", "must be U and 32 lowercase hexadecimal characters, as LINE issues them"),
    ("line_user_id", "U1234", "must be U and 32 lowercase hexadecimal characters, as LINE"),
    ("line_user_id", "u" + "a" * 32, "must be U and 32 lowercase hexadecimal characters"),
    ("line_user_id", "U" + "A" * 32, "as LINE issues them (this one has capitals)"),
    ("line_user_id", "U" + "g" * 32, "must be U and 32 lowercase hexadecimal characters"),
    ("environment", "prod", "must be production or test, not 'prod'"),
    ("environment", "", "must be production or test, not ''"),
    ("consented_at", "yesterday", "must be an ISO 8601 time with its UTC offset, e.g. "),
    ("consented_at", "01/05/2019 10:00", "must be an ISO 8601 time with its UTC offset"),
    ("consented_at", "2019-05-01T10:00:00", "has no UTC offset, so the time is ambiguous"),
    ("consented_at", "2019-05-01", "has no UTC offset"),
    ("consented_at", "2026-12-01T10:00:01+07:00", "2026-12-01T10:00:01+07:00 is in the future"),
    ("consented_at", "1970-01-01T00:00:00Z", "is before LINE existed (June 2011)"),
]


@pytest.mark.parametrize(("field", "value", "reason"), REJECTED)
def test_each_bad_field_is_rejected_with_its_reason(field: str, value: str, reason: str) -> None:
    row, problems = check_row(7, {**GOOD, field: value}, NOW)
    assert row is None
    [problem] = problems
    assert (problem.line, problem.field) == (7, field)
    assert reason in problem.reason
    assert GOOD["line_user_id"] not in str(problem)  # never echoes a LINE user id


@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [
        ("regist_id", SEED_ID.upper(), SEED_ID),  # read as lowercase
        ("regist_id", f"  {SEED_ID} ", SEED_ID),
        ("environment", " Test", "test"),
        ("consented_at", "", None),
        ("consented_at", "2019-05-01T03:00:00Z", datetime(2019, 5, 1, 3, tzinfo=UTC)),
        ("consented_at", "2019-05-01 10:00:00+07:00", datetime(2019, 5, 1, 3, tzinfo=UTC)),
        ("consented_at", "2026-12-01T10:00:00+07:00", NOW),  # the very moment is not future
    ],
)
def test_good_fields_are_tidied(field: str, value: str, stored: object) -> None:
    row, problems = check_row(2, {**GOOD, field: value}, NOW)
    assert problems == []
    assert row is not None
    assert getattr(row, field) == stored


def test_a_row_with_many_bad_fields_reports_each() -> None:
    cells = {"hospital_id": "", "regist_id": "x", "line_user_id": "x", "environment": "x"}
    _, problems = check_row(3, {**cells, "consented_at": "x"}, NOW)
    assert [p.field for p in problems] == [*COLUMNS]


def test_the_file_is_read_with_a_bom_any_column_order_and_blank_lines() -> None:
    text = (
        "\ufeffEnvironment, regist_id,LINE_USER_ID,hospital_id,consented_at\r\n"
        f"production,{SEED_ID.upper()},{line_user_id(1)},h1,{CONSENTED}\r\n"
        "\r\n"
        f"test,{regist_id(2)},{line_user_id(2)},h1,\r\n"
        ",,,,\r\n"
    )
    rows = read_rows(io.StringIO(text, newline=""), NOW)
    assert [(r.line, r.regist_id, r.environment) for r in rows] == [
        (2, SEED_ID, "production"),
        (4, regist_id(2), "test"),
    ]
    assert rows[1].consented_at is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "line 1: the file is empty; expected " + ",".join(COLUMNS)),
        (HEADER, "line 1: no registrations after the header"),
        ("hospital_id,regist_id\n", "line 1: missing column(s) line_user_id, environment, "),
        (HEADER.strip() + ",name\n", "line 1: unknown column(s) name; the columns are"),
        (HEADER.strip() + ",regist_id\n", "line 1: repeated column(s) regist_id;"),
        (HEADER + "h1,a,b\n", "line 2: has 3 fields; the header has 5"),
        # An opening quote never closed takes in the rest of the file, up to csv's limit.
        (HEADER + 'h1,"' + "a,\n" * 50_000, "line 2: not valid CSV: field larger than"),
    ],
)
def test_a_wrong_header_or_shape_is_reported(text: str, expected: str) -> None:
    with pytest.raises(ImportRejected) as caught:
        read_rows(io.StringIO(text, newline=""), NOW)
    assert any(str(p).startswith(expected) for p in caught.value.problems), caught.value.problems


def test_repeats_within_the_file_are_reported_by_line() -> None:
    _, problems = check_file(
        io.StringIO(
            csv_text(
                ("h1", SEED_ID, line_user_id(1), "production", ""),
                ("h1", SEED_ID.upper(), line_user_id(1), "production", ""),  # the same row
                ("h2", SEED_ID, line_user_id(2), "production", ""),  # its ID elsewhere
                ("h1", regist_id(4), line_user_id(1), "production", ""),  # her second ID
                ("h1", regist_id(5), line_user_id(1), "test", ""),  # another channel: fine
                ("h2", regist_id(6), line_user_id(1), "production", ""),  # another hospital
            )
        ),
        NOW,
    )
    assert [str(p) for p in problems] == [
        "line 3: regist_id: same ID as line 2",
        "line 4: regist_id: same ID as line 2",
        "line 5: regist_id: line 2 gives this LINE user another ID at this hospital",
    ]


# -- against the database (SQLite and PostgreSQL) ------------------------------------------


def add_hospital(database: Database, name: str = "โรงพยาบาลปทุมธานี") -> str:
    with database.transaction() as session:
        url = f"https://q.example.th/{name.encode().hex()[:12]}?regist={{regist}}"
        return register_hospital(session, name, url, NOW - timedelta(days=1)).hospital_id


def load(database: Database, text: str, now: datetime = NOW) -> ImportResult:
    rows, problems = check_file(io.StringIO(text, newline=""), now)
    with database.transaction() as session:
        return import_registrations(session, rows, now, file_problems=problems)


def rejected(database: Database, text: str) -> list[str]:
    with pytest.raises(ImportRejected) as caught:
        load(database, text)
    return [str(problem) for problem in caught.value.problems]


def counts(database: Database) -> tuple[int, int, int]:
    """LINE users, registrations, consent records."""
    with database.transaction() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (LineUser, Registration, ConsentRecord)
        )


def stored_user(database: Database, user_id: str, environment: str = "production") -> LineUser:
    with database.transaction() as session:
        user = PatientRepository(session).line_user(environment, user_id)
        assert user is not None
        return user


def test_an_import_creates_the_users_their_ids_and_consents(database: Database) -> None:
    pathum, siriraj = add_hospital(database), add_hospital(database, "โรงพยาบาลศิริราช")
    text = csv_text(
        (pathum, SEED_ID.upper(), line_user_id(1), "production", CONSENTED),
        (siriraj, regist_id(2), line_user_id(1), "production", CONSENTED),  # one consent
        (pathum, regist_id(3), line_user_id(3), "production", ""),
        (pathum, regist_id(4), line_user_id(1), "test", "2019-06-01T08:00:00+07:00"),
    )
    assert load(database, text) == ImportResult(imported=4, already_there=0, erased=0)
    assert counts(database) == (3, 4, 2)

    consented = stored_user(database, line_user_id(1))
    assert (consented.following, consented.followed_at) == (True, NOW)
    assert consented.consent_version == IMPORTED_CONSENT_VERSION
    assert consented.conversation is None
    asked = stored_user(database, line_user_id(3))
    assert (asked.consent_version, asked.conversation) == (None, NOTICE_OWED)
    with database.transaction() as session:
        found = PatientRepository(session).registration("production", SEED_ID)
        assert found is not None
        assert (found.hospital_id, found.line_user_id) == (pathum, line_user_id(1))
        assert not found.erased
        registration = session.get(Registration, SEED_ID)
        assert registration is not None
        assert registration.created_at == registration.imported_at == NOW
        assert registration.erased_at is None
        assert PatientRepository(session).registration("test", SEED_ID) is None
        records = session.scalars(select(ConsentRecord).order_by(ConsentRecord.accepted_at)).all()
        assert [(r.environment, r.notice_version, r.accepted_at) for r in records] == [
            ("production", IMPORTED_CONSENT_VERSION, datetime(2019, 5, 1, 3, tzinfo=UTC)),
            ("test", IMPORTED_CONSENT_VERSION, datetime(2019, 6, 1, 1, tzinfo=UTC)),
        ]


def test_running_the_same_file_again_changes_nothing(database: Database) -> None:
    pathum = add_hospital(database)
    text = csv_text(
        (pathum, SEED_ID, line_user_id(1), "production", CONSENTED),
        (pathum, regist_id(2), line_user_id(2), "production", ""),
    )
    assert load(database, text).imported == 2
    before = counts(database)
    again = load(database, text + f"{pathum},{regist_id(3)},{line_user_id(3)},production,\n")
    assert again == ImportResult(imported=1, already_there=2, erased=0)
    assert counts(database) == (before[0] + 1, before[1] + 1, before[2])
    capitals = text.replace(SEED_ID, SEED_ID.upper())  # the same ID, as exports may print it
    assert load(database, capitals) == ImportResult(imported=0, already_there=2, erased=0)


def test_users_we_know_keep_their_own_consent(database: Database) -> None:
    pathum = add_hospital(database)
    with database.transaction() as session:
        patients = PatientRepository(session)
        ours = patients.follow("production", line_user_id(1), NOW - timedelta(days=2))
        patients.record_consent(ours, NOTICE_VERSION, NOW - timedelta(days=2))
        patients.follow("production", line_user_id(2), NOW - timedelta(days=2))  # no consent
    text = csv_text(
        (pathum, regist_id(1), line_user_id(1), "production", CONSENTED),
        (pathum, regist_id(2), line_user_id(2), "production", CONSENTED),
    )
    assert load(database, text).imported == 2
    assert counts(database) == (2, 2, 3)  # her consent here, and both old ones as proof
    assert stored_user(database, line_user_id(1)).consent_version == NOTICE_VERSION
    second = stored_user(database, line_user_id(2))
    assert (second.consent_version, second.conversation) == (IMPORTED_CONSENT_VERSION, None)
    assert second.followed_at == NOW - timedelta(days=2)  # as she followed, not the import


@pytest.fixture
def registered(database: Database) -> tuple[Database, str, str]:
    """Pathum Thani with the seed's ID imported for user 1 and an ID the chatbot issued to
    user 2; Siriraj with none."""
    pathum, siriraj = add_hospital(database), add_hospital(database, "โรงพยาบาลศิริราช")
    load(database, csv_text((pathum, SEED_ID, line_user_id(1), "production", CONSENTED)))
    with database.transaction() as session:
        patients = PatientRepository(session)
        user = patients.follow("production", line_user_id(2), NOW)
        patients.registration_for(user, pathum, NOW)
    return database, pathum, siriraj


CONFLICTS: list[tuple[tuple[str, str, str, str], str]] = [
    (("hnope", regist_id(9), line_user_id(9), "production"), "hospital_id: no such hospital"),
    (("siriraj", SEED_ID, line_user_id(1), "production"), "already in use at another hospital"),
    (("pathum", SEED_ID, line_user_id(1), "test"), "already in use in the production environment"),
    (("pathum", SEED_ID, line_user_id(9), "production"), "already in use for another LINE user"),
    (("pathum", regist_id(9), line_user_id(1), "production"), "already has another ID at this"),
    (("pathum", regist_id(9), line_user_id(2), "production"), "already has another ID at this"),
]


@pytest.mark.parametrize(("row", "reason"), CONFLICTS)
def test_conflicts_with_the_database_load_nothing(
    registered: tuple[Database, str, str], row: tuple[str, str, str, str], reason: str
) -> None:
    database, pathum, siriraj = registered
    hospital = {"pathum": pathum, "siriraj": siriraj}.get(row[0], row[0])
    good = (siriraj, regist_id(8), line_user_id(8), "production", "")
    before = counts(database)
    problems = rejected(database, csv_text(good, (hospital, *row[1:], "")))
    [problem] = problems
    assert problem.startswith("line 3: ") and reason in problem, problems
    assert counts(database) == before  # not even the good row


def test_file_and_database_problems_are_reported_together(
    registered: tuple[Database, str, str],
) -> None:
    database, pathum, _ = registered
    text = csv_text(
        (pathum, SEED_ID, line_user_id(9), "production", ""),
        (pathum, "nothex", line_user_id(3), "production", ""),
    )
    assert rejected(database, text) == [
        "line 2: regist_id: already in use for another LINE user",
        "line 3: regist_id: must be 24 hexadecimal characters (0-9, a-f), not 6",
    ]


def test_an_id_whose_patient_deleted_her_data_stays_deleted(database: Database) -> None:
    pathum = add_hospital(database)
    text = csv_text((pathum, SEED_ID, line_user_id(1), "production", CONSENTED))
    load(database, text)
    with database.transaction() as session:
        user = PatientRepository(session).line_user("production", line_user_id(1))
        assert user is not None
        ErasureRepository(session).erase(user, NOW, current_event_id="01ERASE")
    before = counts(database)
    assert load(database, text) == ImportResult(imported=0, already_there=1, erased=1)
    assert counts(database) == before
    with database.transaction() as session:
        assert PatientRepository(session).line_user("production", line_user_id(1)) is None
        registration = session.get(Registration, SEED_ID)
        assert registration is not None and registration.erased_at == NOW


# -- the chatbot with an imported patient --------------------------------------------------


def chat(database: Database, user: str, at: datetime, **fields: Any) -> list[dict[str, Any]]:
    """Her message or tap handled as the webhook processor does; the messages answering it."""
    kind = "postback" if "postback" in fields else "message"
    built = event(kind, user, timestamp_ms=int(at.timestamp() * 1000), **fields)
    with database.transaction() as session:
        ChatbotService(session, "production").handle(built, at)
    key = f"event:production:{built['webhookEventId']}"
    with database.transaction() as session:
        reply = session.scalars(select(OutboxMessage).where(OutboxMessage.dedup_key == key)).one()
        answer: list[dict[str, Any]] = orjson.loads(reply.payload)
        return answer


def say(database: Database, user: str, at: datetime, text: str) -> list[dict[str, Any]]:
    return chat(database, user, at, message={"type": "text", "id": "1", "text": text})


def tap(database: Database, user: str, at: datetime, data: str) -> list[dict[str, Any]]:
    return chat(database, user, at, postback={"data": data})


CONSENT_TAP = f"action=consent&version={NOTICE_VERSION}"


def test_without_a_consent_time_her_next_chat_shows_the_notice_and_no_link_before_it(
    database: Database,
) -> None:
    clear_directory_cache()  # PostgreSQL tests share one URL: start from a fresh index
    pathum = add_hospital(database)
    load(database, csv_text((pathum, SEED_ID, line_user_id(1), "production", "")))
    user, later = line_user_id(1), NOW + timedelta(days=3)

    notice, help_answer = say(database, user, later, "สวัสดี")
    assert CONSENT_TAP in postbacks(notice)  # the notice first, then what she asked for
    assert CONSENT_TAP not in postbacks(help_answer)
    again = say(database, user, later + timedelta(minutes=1), "สวัสดี")
    assert all(CONSENT_TAP not in postbacks(m) for m in again)  # shown once
    assert stored_user(database, user).conversation is None

    [before_booking] = tap(database, user, later, f"action=pick&hospital={pathum}")
    assert CONSENT_TAP in postbacks(before_booking)
    assert "regist=" not in json.dumps(before_booking)  # no booking link before consent
    thanks, link = tap(database, user, later + timedelta(minutes=2), CONSENT_TAP)
    assert SEED_ID in find_uri(link, "regist=")  # the ID the old system gave her
    assert stored_user(database, user).consent_version == NOTICE_VERSION
    assert "ขอบคุณ" in texts(thanks)


def test_a_notice_she_asks_for_is_not_shown_twice(database: Database) -> None:
    clear_directory_cache()
    pathum = add_hospital(database)
    load(database, csv_text((pathum, SEED_ID, line_user_id(1), "production", "")))
    [before_booking] = tap(database, line_user_id(1), NOW, f"action=pick&hospital={pathum}")
    assert CONSENT_TAP in postbacks(before_booking)
    assert "ก่อนรับลิงก์จองคิว" in texts(before_booking)  # the notice that says why


def test_her_consent_to_the_old_system_counts_until_she_accepts_ours(database: Database) -> None:
    clear_directory_cache()
    pathum = add_hospital(database)
    load(database, csv_text((pathum, SEED_ID, line_user_id(1), "production", CONSENTED)))
    user = line_user_id(1)
    [help_answer] = say(database, user, NOW, "สวัสดี")
    assert CONSENT_TAP not in postbacks(help_answer)
    [link] = tap(database, user, NOW, f"action=pick&hospital={pathum}")
    assert SEED_ID in find_uri(link, "regist=")
    tap(database, user, NOW, CONSENT_TAP)  # from the notice she asked for ("privacy")
    assert stored_user(database, user).consent_version == NOTICE_VERSION
    with database.transaction() as session:
        versions = session.scalars(select(ConsentRecord.notice_version)).all()
        assert sorted(versions) == sorted([IMPORTED_CONSENT_VERSION, NOTICE_VERSION])


# -- an imported ID works as an issued one, over real HTTP ---------------------------------


def test_a_hospital_calling_with_an_imported_id_reaches_her_on_line(database_url: str) -> None:
    start = datetime(2018, 4, 27, 3, 0, tzinfo=UTC)  # three days before the seed's date
    with running_stack(database_url, start) as stack:
        hospital = stack.register_hospital()
        # The emulator names its users itself, and tells us with a follow; she stands for
        # one who followed the old account and is in its export.
        response = stack.emulator.post(
            "/control/channels/production/users", json={"displayName": "ครูเพ็ญศรี"}
        )
        assert response.status_code == 201, response.text
        user: str = response.json()["userId"]
        stack.wait_inbox(user, 1)  # our greeting
        text = csv_text(
            (hospital.hospital_id, SEED_ID.upper(), user, "production", "2018-01-15T09:30+07:00")
        )
        assert load(stack.database, text, now=stack.clock.now()).imported == 1

        response = stack.call("/api/queue", hospital.production_key, dict(SEED_EXAMPLE))
        assert response.status_code == 202, response.text
        card = stack.wait_inbox(user, 2)[-1]
        assert card["via"] == "push"
        assert SEED_EXAMPLE["queueNumber"] in texts(card["message"])
        elsewhere = stack.call("/test/api/queue", hospital.test_key, dict(SEED_EXAMPLE))
        assert elsewhere.status_code == 404  # a production ID, as it was issued


# -- the command, as an operator runs it ---------------------------------------------------

COMMAND = [str(Path(sys.executable).with_name("moph-connect")), "registrations", "import"]


def run(url: str, *commands: list[str]) -> list[subprocess.CompletedProcess[str]]:
    """Run the commands side by side (each process takes seconds to start)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MOPH_CONNECT_")}
    environment["MOPH_CONNECT_DATABASE_URL"] = url
    processes = [
        subprocess.Popen(
            COMMAND + args,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in commands
    ]
    results = []
    for args, process in zip(commands, processes, strict=True):
        stdout, stderr = process.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(args, process.returncode, stdout, stderr))
    return results


def test_the_command_end_to_end(database_url: str, database: Database, tmp_path: Path) -> None:
    pathum = add_hospital(database)
    good, bad, utf16 = (tmp_path / name for name in ("good.csv", "bad.csv", "utf16.csv"))
    rows = (
        (pathum, SEED_ID.upper(), line_user_id(1), "production", CONSENTED),
        (pathum, regist_id(2), line_user_id(2), "test", ""),
    )
    good.write_bytes(csv_text(*rows).encode("utf-8-sig"))  # as Excel saves "CSV UTF-8"
    bad.write_text(
        csv_text(
            (pathum, regist_id(3), line_user_id(3), "production", ""),
            (pathum, regist_id(4), "U" + "A" * 32, "production", "2099-01-01T00:00:00Z"),
            ("hnope", regist_id(5), line_user_id(5), "production", ""),
        )
    )
    utf16.write_bytes(csv_text(*rows).encode("utf-16"))  # Excel's "Unicode Text"

    rejected_run, not_utf8 = run(database_url, [str(bad)], [str(utf16)])
    assert rejected_run.returncode == 2
    assert rejected_run.stderr.splitlines() == [
        "line 3: line_user_id: must be U and 32 lowercase hexadecimal characters, as LINE "
        "issues them (this one has capitals)",
        "line 3: consented_at: 2099-01-01T00:00:00Z is in the future",
        "line 4: hospital_id: no such hospital in the registry (see `moph-connect hospital list`)",
        "error: 3 problem(s); nothing was imported",
    ]
    assert rejected_run.stdout == ""
    assert not_utf8.returncode == 2
    assert "is not UTF-8 text; save it as CSV UTF-8" in not_utf8.stderr
    assert counts(database) == (0, 0, 0)

    [first] = run(database_url, [str(good)])
    assert first.returncode == 0, first.stderr
    assert first.stdout == "imported 2, already there 0\n"
    assert first.stderr == ""  # no progress bar off a terminal
    [again] = run(database_url, [str(good), "--json"])
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == {"imported": 0, "alreadyThere": 2}
    assert counts(database) == (2, 2, 1)
    with database.transaction() as session:
        audit = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [(a.kind, a.detail["imported"]) for a in audit] == [
            ("registrations_imported", 2),
            ("registrations_imported", 0),
        ]
        assert all(a.actor and a.actor.startswith("cli:") for a in audit)
        assert line_user_id(1) not in json.dumps([a.detail for a in audit])


# -- how long a big file takes (printed, not asserted) -------------------------------------


@pytest.mark.slow
def test_time_for_100000_rows(
    database: Database, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    hospitals = [add_hospital(database, f"โรงพยาบาลที่ {n}") for n in range(21)]
    consent = "2019-05-01T10:00:00+07:00"
    # 100,000 IDs for 60,000 patients: some go to two or three hospitals.
    text = HEADER + "".join(
        f"{hospitals[n % 21]},{regist_id(n)},{line_user_id(n % 60_000)},production,"
        f"{consent if n % 3 else ''}\n"
        for n in range(100_000)
    )
    started = time.perf_counter()
    rows, problems = check_file(io.StringIO(text, newline=""), NOW)
    checked = time.perf_counter()
    assert problems == []
    with database.transaction() as session:
        assert import_registrations(session, rows, NOW).imported == 100_000
    written = time.perf_counter()
    with database.transaction() as session:
        assert import_registrations(session, rows, NOW).already_there == 100_000
    rerun = time.perf_counter()
    assert counts(database)[:2] == (60_000, 100_000)
    kind = database_url.split(":", 1)[0]
    with capsys.disabled():
        print(
            f"\n100,000 rows on {kind}: checking the file {checked - started:.1f} s, "
            f"importing {written - checked:.1f} s, the same file again {rerun - written:.1f} s"
        )
