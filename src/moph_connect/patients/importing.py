"""Loading the MOPH Connect IDs of the MOPH Connect that ran before (since 2018): a whole
file, or none of it.

Hospitals hold the IDs the old system handed their patients and keep calling with them
after the switch, so each must name the same LINE user here as there.

    hospital_id,regist_id,line_user_id,environment,consented_at

As in the hospital import, every row is checked before anything is written:

1. `check_file` checks each row alone and against the rest of the file (pure: no
   database), every problem with its line number;
2. `import_registrations` compares the rows with what the database holds, looked up in
   chunks (a national file has millions of rows): `judge` (pure) finds the conflicts;
3. then, only if there are none, it writes the new rows with multi-row INSERTs.

A row whose ID is already here for the same hospital, environment and LINE user is
"already there" and changes nothing, so running the same file again is harmless.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from moph_connect.chatbot.conversation import NOTICE_OWED
from moph_connect.errors import Conflict
from moph_connect.hospitals.importing import ImportRejected, RowProblem
from moph_connect.messages.privacy import IMPORTED_CONSENT_VERSION
from moph_connect.patients.repository import PatientRepository, StoredRegistration

COLUMNS: Final = ("hospital_id", "regist_id", "line_user_id", "environment", "consented_at")
ENVIRONMENTS: Final = ("production", "test")
CHUNK: Final = 1000  # rows per look-up and per INSERT: few round trips, small statements
HOSPITAL_ID_MAX: Final = 32  # `hospitals.id`
# No LINE user consented to anything before LINE existed: such a time is an export's
# placeholder (1970-01-01 for "none", say), not her consent.
LINE_LAUNCH: Final = datetime(2011, 6, 1, tzinfo=UTC)

_REGIST_ID = re.compile(r"[0-9a-f]{24}")
_LINE_USER_ID = re.compile(r"U[0-9a-f]{32}")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RegistrationRow:
    line: int
    hospital_id: str
    regist_id: str  # lowercase
    line_user_id: str
    environment: str
    consented_at: datetime | None  # aware UTC


class ImportProgress:
    """Told how far `import_registrations` got; this one tells no one (the CLI's draws
    bars)."""

    def checked(self, rows: int) -> None:
        """`rows` more were compared with the database."""

    def writing(self, rows: int) -> None:
        """`rows` new rows are to be written."""

    def written(self, rows: int) -> None:
        """`rows` more were written."""


@dataclass(frozen=True)
class ImportResult:
    imported: int
    already_there: int
    # Of those already there: IDs of patients who had their data deleted since. They stay
    # deleted (hospitals calling with them get 410 Gone).
    erased: int


class ImportInterrupted(Conflict):
    """The database changed under the import (a patient picked one of these hospitals in
    the chat meanwhile, say); nothing was imported."""


# -- 1. the file alone (pure) --------------------------------------------------------------


def check_row(
    line: int, cells: Mapping[str, str], now: datetime
) -> tuple[RegistrationRow | None, list[RowProblem]]:
    """One row's fields, tidied, or every problem they have. Problems name no LINE user
    id or MOPH Connect ID: the operator has the file, and logs are kept."""
    problems: list[RowProblem] = []

    def problem(name: str, reason: str) -> None:
        problems.append(RowProblem(line, name, reason))

    # Millions of rows name a few thousand hospitals: one string each, not one a row.
    hospital_id = sys.intern(cells["hospital_id"].strip())
    if not hospital_id:
        problem("hospital_id", "is empty; give the id from `moph-connect hospital list`")
    elif len(hospital_id) > HOSPITAL_ID_MAX:
        problem("hospital_id", f"is longer than {HOSPITAL_ID_MAX} characters")
    regist_id = cells["regist_id"].strip().lower()  # old exports may print it in capitals
    if len(regist_id) != 24:
        problem("regist_id", f"must be 24 hexadecimal characters (0-9, a-f), not {len(regist_id)}")
    elif not _REGIST_ID.fullmatch(regist_id):
        problem("regist_id", "must be hexadecimal: only 0-9 and a-f")
    line_user_id = cells["line_user_id"].strip()
    if not _LINE_USER_ID.fullmatch(line_user_id):
        # Not lowercased like the ID: LINE compares user ids exactly, and issues them in
        # lowercase, so capitals mean the file was changed on the way.
        capitals = _LINE_USER_ID.fullmatch("U" + line_user_id[1:].lower()) is not None
        hint = " (this one has capitals)" if capitals else ""
        problem(
            "line_user_id",
            f"must be U and 32 lowercase hexadecimal characters, as LINE issues them{hint}",
        )
    environment = sys.intern(cells["environment"].strip().lower())
    if environment not in ENVIRONMENTS:
        problem("environment", f"must be production or test, not {cells['environment']!r}")
    consented_at, reason = _consent_time(cells["consented_at"].strip(), now)
    if reason is not None:
        problem("consented_at", reason)
    if problems:
        return None, problems
    row = RegistrationRow(line, hospital_id, regist_id, line_user_id, environment, consented_at)
    return row, problems


def _consent_time(text: str, now: datetime) -> tuple[datetime | None, str | None]:
    if not text:
        return None, None  # no consent recorded: the chatbot asks her
    example = "e.g. 2019-05-01T10:00:00+07:00"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None, f"must be an ISO 8601 time with its UTC offset, {example}, or empty"
    if when.tzinfo is None:
        return None, f"has no UTC offset, so the time is ambiguous; write it as {example}"
    if when > now:
        return None, f"{text} is in the future"
    if when < LINE_LAUNCH:
        return None, f"{text} is before LINE existed (June 2011)"
    return when.astimezone(UTC), None


def read_rows(
    lines: Iterable[str], now: datetime, on_row: Callable[[], None] | None = None
) -> list[RegistrationRow]:
    """The file's rows checked and tidied, or ImportRejected listing every problem."""
    rows, problems = check_file(lines, now, on_row)
    if problems:
        raise ImportRejected(problems)
    return rows


def check_file(
    lines: Iterable[str], now: datetime, on_row: Callable[[], None] | None = None
) -> tuple[list[RegistrationRow], list[RowProblem]]:
    """The file's good rows, tidied, and every problem of the others by line.

    `lines` is the text (an open file is read as it goes, not held whole); `now` is
    what a consent time may not be after.
    """
    reader = csv.reader(lines)
    problems: list[RowProblem] = []
    rows: list[RegistrationRow] = []
    line = 1  # where the record being read starts
    try:
        columns = _columns(next(reader, None), problems)
        if columns is None:
            return rows, problems
        line = reader.line_num + 1  # where the next record starts
        for record in reader:
            start, line = line, reader.line_num + 1
            if not record or all(not cell.strip() for cell in record):
                continue  # blank lines, often at the end
            if len(record) != len(columns):
                reason = f"has {len(record)} fields; the header has {len(columns)}"
                problems.append(RowProblem(start, None, reason))
            else:
                row, found = check_row(start, dict(zip(columns, record, strict=True)), now)
                if row is not None:
                    rows.append(row)
                problems.extend(found)
            if on_row is not None:
                on_row()
    except csv.Error as error:
        # Where the record began: an unclosed quote is reported far below it.
        problems.append(RowProblem(line, None, f"not valid CSV: {error}"))
    if not rows and not problems:
        problems.append(RowProblem(1, None, "no registrations after the header"))
    problems.extend(_repeated(rows))
    return rows, sorted(problems, key=lambda p: p.line)


def _columns(header: list[str] | None, problems: list[RowProblem]) -> list[str] | None:
    expected = ",".join(COLUMNS)
    if not header:
        problems.append(RowProblem(1, None, f"the file is empty; expected {expected}"))
        return None
    header = [header[0].removeprefix("\ufeff"), *header[1:]]  # a BOM the reader kept
    columns = [cell.strip().lower() for cell in header]
    unknown = [c for c in columns if c not in COLUMNS]
    missing = [c for c in COLUMNS if c not in columns]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    for what, names in (("unknown", unknown), ("missing", missing), ("repeated", repeated)):
        if names:
            reason = f"{what} column(s) {', '.join(names)}; the columns are {expected}"
            problems.append(RowProblem(1, None, reason))
    return None if problems else columns


def _repeated(rows: Iterable[RegistrationRow]) -> list[RowProblem]:
    """An ID twice in the file, or two IDs for one patient at one hospital."""
    line_of_id: dict[str, int] = {}
    id_of_patient: dict[tuple[str, str, str], tuple[str, int]] = {}
    problems: list[RowProblem] = []
    for row in rows:
        first = line_of_id.setdefault(row.regist_id, row.line)
        if first != row.line:
            problems.append(RowProblem(row.line, "regist_id", f"same ID as line {first}"))
            continue
        patient = (row.environment, row.line_user_id, row.hospital_id)
        other_id, other_line = id_of_patient.setdefault(patient, (row.regist_id, row.line))
        if other_id != row.regist_id:
            reason = f"line {other_line} gives this LINE user another ID at this hospital"
            problems.append(RowProblem(row.line, "regist_id", reason))
    return problems


# -- 2. against the database ---------------------------------------------------------------


@dataclass
class Known:
    """What the database holds about the file's rows."""

    hospitals: set[str] = field(default_factory=set)
    registrations: dict[str, StoredRegistration] = field(default_factory=dict)
    # (environment, LINE user id) -> (primary key, consent version)
    users: dict[tuple[str, str], tuple[int, str | None]] = field(default_factory=dict)
    # (LINE user pk, hospital id) -> the MOPH Connect ID she has there
    issued: dict[tuple[int, str], str] = field(default_factory=dict)


def judge(
    rows: Iterable[RegistrationRow], known: Known
) -> tuple[list[RegistrationRow], ImportResult, list[RowProblem]]:
    """The rows to write, the count of those already there, and the conflicts (pure)."""
    new: list[RegistrationRow] = []
    problems: list[RowProblem] = []
    already = erased = 0
    for row in rows:
        if row.hospital_id not in known.hospitals:
            reason = "no such hospital in the registry (see `moph-connect hospital list`)"
            problems.append(RowProblem(row.line, "hospital_id", reason))
            continue
        stored = known.registrations.get(row.regist_id)
        if stored is not None:
            conflict = _conflict(row, stored)
            if conflict is not None:
                problems.append(RowProblem(row.line, "regist_id", conflict))
            else:
                already += 1
                erased += stored.erased
            continue
        user = known.users.get((row.environment, row.line_user_id))
        if user is not None and (user[0], row.hospital_id) in known.issued:
            reason = "this LINE user already has another ID at this hospital"
            problems.append(RowProblem(row.line, "regist_id", reason))
            continue
        new.append(row)
    return new, ImportResult(len(new), already, erased), problems


def _conflict(row: RegistrationRow, stored: StoredRegistration) -> str | None:
    if stored.environment != row.environment:
        return f"already in use in the {stored.environment} environment"
    if stored.hospital_id != row.hospital_id:
        return f"already in use at another hospital ({stored.hospital_id})"
    if stored.erased:
        return None  # she had her data deleted; whose it was is no longer known
    if stored.line_user_id != row.line_user_id:
        return "already in use for another LINE user"
    return None


def look_up(
    repository: PatientRepository, rows: Sequence[RegistrationRow], progress: ImportProgress
) -> Known:
    """What the database has for these rows, a chunk of rows at a time (a few queries
    each, whatever the file's size)."""
    known = Known()
    for hospitals in _chunks(sorted({row.hospital_id for row in rows})):
        known.hospitals |= repository.hospital_ids_among(hospitals)
    asked: dict[str, set[str]] = {environment: set() for environment in ENVIRONMENTS}
    for chunk in _chunks(rows):
        for stored in repository.registrations_by_ids([row.regist_id for row in chunk]):
            known.registrations[stored.regist_id] = stored
        for environment in ENVIRONMENTS:
            # Each user once, though she is on rows for several hospitals.
            wanted = {r.line_user_id for r in chunk if r.environment == environment}
            wanted -= asked[environment]
            asked[environment] |= wanted
            users = repository.line_users_by_ids(environment, wanted)
            for user in users:
                known.users[(environment, user.line_user_id)] = (user.pk, user.consent_version)
            for pk, hospital_id, regist_id in repository.registrations_of_users(
                [user.pk for user in users]
            ):
                known.issued[(pk, hospital_id)] = regist_id
        progress.checked(len(chunk))
    return known


# -- 3. writing ----------------------------------------------------------------------------


def import_registrations(
    session: Session,
    rows: Sequence[RegistrationRow],
    now: datetime,
    progress: ImportProgress | None = None,
    *,
    file_problems: Sequence[RowProblem] = (),
) -> ImportResult:
    """Load the rows (call inside one transaction), or ImportRejected, writing nothing,
    when some conflict with the database or `file_problems` (from `check_file`: so that
    one run reports both) are given."""
    progress = progress or ImportProgress()
    repository = PatientRepository(session)
    repository.refresh_statistics()
    known = look_up(repository, rows, progress)
    new, result, problems = judge(rows, known)
    if problems or file_problems:
        raise ImportRejected(sorted([*file_problems, *problems], key=lambda p: p.line))
    progress.writing(len(new))
    try:
        _write(repository, new, known, now, progress)
    except IntegrityError:
        raise ImportInterrupted(
            "a patient or ID of the file appeared in the database during the import; "
            "nothing was imported: run it again"
        ) from None
    return result


def _write(
    repository: PatientRepository,
    new: Sequence[RegistrationRow],
    known: Known,
    now: datetime,
    progress: ImportProgress,
) -> None:
    consenting = {(r.environment, r.line_user_id) for r in new if r.consented_at is not None}
    pks = {patient: pk for patient, (pk, _) in known.users.items()}
    # Users we have who never consented here get the old system's consent as theirs.
    unconsented = [
        pk
        for patient, (pk, version) in known.users.items()
        if version is None and patient in consenting
    ]
    recorded: set[tuple[int, datetime]] = set()
    for chunk in _chunks(new):
        users: dict[tuple[str, str], dict[str, Any]] = {}
        for row in chunk:
            patient = (row.environment, row.line_user_id)
            if patient not in pks and patient not in users:
                users[patient] = _new_user(row, consented=patient in consenting, now=now)
        # Apart: in one multi-row INSERT every row has the same columns, and a None there
        # would be stored as JSON null, not as no conversation at all.
        for consented in (True, False):
            values = [u for u in users.values() if ("conversation" not in u) is consented]
            pks.update(repository.add_line_users(values))
        repository.add_registrations(
            [
                {
                    "regist_id": row.regist_id,
                    "environment": row.environment,
                    "line_user_pk": pks[(row.environment, row.line_user_id)],
                    "hospital_id": row.hospital_id,
                    "created_at": now,
                    "imported_at": now,
                }
                for row in chunk
            ]
        )
        consents = []
        for row in chunk:
            pk = pks[(row.environment, row.line_user_id)]
            if row.consented_at is None or (pk, row.consented_at) in recorded:
                continue  # one record per consent, though she gave it for two hospitals
            recorded.add((pk, row.consented_at))
            consents.append(
                {
                    "line_user_pk": pk,
                    "environment": row.environment,
                    "notice_version": IMPORTED_CONSENT_VERSION,
                    "accepted_at": row.consented_at,
                }
            )
        repository.add_consents(consents)
        progress.written(len(chunk))
    for pks_chunk in _chunks(unconsented):
        repository.consent_where_none(pks_chunk, IMPORTED_CONSENT_VERSION)


def _new_user(row: RegistrationRow, *, consented: bool, now: datetime) -> dict[str, Any]:
    # She follows the old account, which is this one now: following since the switch.
    user: dict[str, Any] = {
        "environment": row.environment,
        "line_user_id": row.line_user_id,
        "following": True,
        "followed_at": now,
    }
    if consented:
        user["consent_version"] = IMPORTED_CONSENT_VERSION
    else:
        user["conversation"] = NOTICE_OWED
    return user


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
