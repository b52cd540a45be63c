"""Registering many hospitals from one CSV file: all of them, or none.

Every row is checked before anything is written, and every problem is reported with its
line number, so an operator fixes the file in one go. Then all rows go in one transaction
with multi-row INSERTs (12,000 hospitals and their 24,000 keys in a few seconds).

    name,booking_url,province,district,latitude,longitude,phone
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from moph_connect.errors import MophConnectError, ValidationFailed
from moph_connect.hospitals.provinces import place_text, province_key
from moph_connect.hospitals.repository import HospitalRepository
from moph_connect.hospitals.service import NewHospital, new_hospital_values
from moph_connect.hospitals.thai import words
from moph_connect.hospitals.validation import HospitalDetails, checked_details

COLUMNS = ("name", "booking_url", "province", "district", "latitude", "longitude", "phone")
REQUIRED = ("name", "booking_url")
CHUNK = 1000  # rows per INSERT statement: big enough to be fast, small enough to report


@dataclass(frozen=True)
class RowProblem:
    line: int
    field: str | None
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}: "
        return where + (f"{self.field}: {self.reason}" if self.field else self.reason)


@dataclass(frozen=True)
class ImportRow:
    line: int
    details: HospitalDetails

    @functools.cached_property
    def identity(self) -> tuple[Identity, str | None]:
        return _identity(self.details.name, self.details.province), _district(self.details.district)


class ImportRejected(MophConnectError):
    """The file has bad rows; nothing was imported."""

    status, problem, title = 422, "import-rejected", "The file has bad rows"

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s); nothing was imported")
        self.problems = list(problems)


def read_rows(text: str, on_row: Callable[[], None] | None = None) -> list[ImportRow]:
    """The file's rows checked and tidied, or ImportRejected listing every problem."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    problems: list[RowProblem] = []
    rows: list[ImportRow] = []
    try:
        header = next(reader, None)
        columns = _columns(header, problems)
        if columns is None:
            raise ImportRejected(problems)
        line = reader.line_num + 1  # where the next record starts
        for record in reader:
            start, line = line, reader.line_num + 1
            if not record or all(not cell.strip() for cell in record):
                continue  # blank lines, often at the end
            if len(record) != len(columns):
                problems.append(
                    RowProblem(
                        start, None, f"has {len(record)} fields; the header has {len(columns)}"
                    )
                )
            else:
                row = _row(start, dict(zip(columns, record, strict=True)), problems)
                if row is not None:
                    rows.append(row)
            if on_row is not None:
                on_row()
    except csv.Error as error:
        problems.append(RowProblem(reader.line_num, None, f"not valid CSV: {error}"))
    if not rows and not problems:
        problems.append(RowProblem(1, None, "no hospitals after the header"))
    problems.extend(_repeated(rows))
    if problems:
        raise ImportRejected(sorted(problems, key=lambda p: p.line))
    return rows


def import_hospitals(
    session: Session,
    rows: Sequence[ImportRow],
    now: datetime,
    on_progress: Callable[[int], None] | None = None,
) -> list[NewHospital]:
    """Register every row (call inside one transaction), or ImportRejected when some are
    already registered. `on_progress` is told how many rows each step wrote."""
    repository = HospitalRepository(session)
    problems = _already_registered(
        rows, (listing[:4] for listing in repository.directory_listings())
    )
    if problems:
        raise ImportRejected(problems)
    created: list[NewHospital] = []
    for start in range(0, len(rows), CHUNK):
        hospitals: list[dict[str, Any]] = []
        keys: list[dict[str, Any]] = []
        for row in rows[start : start + CHUNK]:
            hospital, api_keys, new = new_hospital_values(row.details, now)
            hospitals.append(hospital)
            keys.extend(api_keys)
            created.append(new)
        repository.add_many(hospitals, keys)
        if on_progress is not None:
            on_progress(len(hospitals))
    return created


def _columns(header: list[str] | None, problems: list[RowProblem]) -> list[str] | None:
    if not header:
        problems.append(RowProblem(1, None, f"the file is empty; expected {','.join(COLUMNS)}"))
        return None
    columns = [cell.strip().lower() for cell in header]
    unknown = [c for c in columns if c not in COLUMNS]
    missing = [c for c in REQUIRED if c not in columns]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    for what, names in (("unknown", unknown), ("missing", missing), ("repeated", repeated)):
        if names:
            problems.append(
                RowProblem(
                    1,
                    None,
                    f"{what} column(s) {', '.join(names)}; the columns are {','.join(COLUMNS)}",
                )
            )
    return None if problems else columns


def _row(line: int, cells: dict[str, str], problems: list[RowProblem]) -> ImportRow | None:
    found: list[RowProblem] = []
    coordinates: dict[str, float | None] = {}
    for field in ("latitude", "longitude"):
        text = cells.get(field, "").strip()
        try:
            coordinates[field] = float(text) if text else None
        except ValueError:
            found.append(RowProblem(line, field, f"must be a number, not {text!r}"))
            coordinates[field] = None
    try:
        details = checked_details(
            cells["name"],
            cells["booking_url"],
            province=cells.get("province"),
            district=cells.get("district"),
            latitude=coordinates["latitude"],
            longitude=coordinates["longitude"],
            phone=cells.get("phone"),
        )
    except ValidationFailed as error:
        reported = {p.field for p in found}
        for field_error in error.errors:
            field = field_error.field.replace("-", "_")  # booking-url is the CLI's spelling
            if field not in reported:  # "not a number" says it better than "give both"
                found.append(RowProblem(line, field, field_error.reason))
        problems.extend(found)
        return None
    if found:
        problems.extend(found)
        return None
    return ImportRow(line, details)


# Two rows are the same hospital when name and province match and their districts do too,
# or one has none: รพ.สต. names such as บ้านใหม่ repeat across districts of a province.
Identity = tuple[str, str]  # (name, province) as compared


def _identity(details_name: str, province: str | None) -> Identity:
    return "".join(words(details_name)), province_key(province) if province else ""


def _district(district: str | None) -> str | None:
    return place_text(district) if district else None


def _same_district(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a == b


def _repeated(rows: Iterable[ImportRow]) -> list[RowProblem]:
    seen: dict[Identity, list[tuple[str | None, int]]] = {}
    problems: list[RowProblem] = []
    for row in rows:
        identity, district = row.identity
        earlier = seen.setdefault(identity, [])
        for other_district, other_line in earlier:
            if _same_district(district, other_district):
                problems.append(RowProblem(row.line, "name", f"same hospital as line {other_line}"))
                break
        earlier.append((district, row.line))
    return problems


def _already_registered(
    rows: Iterable[ImportRow], registered: Iterable[tuple[str, str, str | None, str | None]]
) -> list[RowProblem]:
    known: dict[Identity, list[tuple[str | None, str]]] = {}
    for hospital_id, name, province, district in registered:
        known.setdefault(_identity(name, province), []).append((_district(district), hospital_id))
    problems: list[RowProblem] = []
    for row in rows:
        identity, district = row.identity
        for other_district, hospital_id in known.get(identity, ()):
            if _same_district(district, other_district):
                problems.append(
                    RowProblem(row.line, "name", f"already registered as {hospital_id}")
                )
                break
    return problems
