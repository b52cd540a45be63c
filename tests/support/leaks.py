"""Looking for a patient's data where it may linger: in the database files byte for byte,
and in every column of every table through SQL.

A string can be stored in several forms: UTF-8 (text columns, our orjson payloads),
UTF-16 (cheap to check, should a database ever use it) and, inside JSON columns written
by SQLAlchemy's default serialiser, as ASCII `\\uXXXX` escapes. A byte scan that only
looked for UTF-8 would miss her comment inside a stored webhook event.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import orjson
from sqlalchemy import select, text

from moph_connect.db.models import Base
from moph_connect.db.uow import Database


def forms(secret: str) -> dict[str, bytes]:
    """The byte forms `secret` may take in storage, by name."""
    found = {
        "utf-8": secret.encode("utf-8"),
        "utf-16-le": secret.encode("utf-16-le"),
        "utf-16-be": secret.encode("utf-16-be"),
    }
    escaped = json.dumps(secret)[1:-1].encode("ascii")
    if escaped != found["utf-8"]:
        found["json-escaped"] = escaped
        found["json-escaped-upper"] = json.dumps(secret)[1:-1].upper().encode("ascii")
    return found


def database_files(sqlite_path: Path) -> list[Path]:
    """The main file and, when present, its `-wal` and `-shm`."""
    candidates = [sqlite_path, Path(f"{sqlite_path}-wal"), Path(f"{sqlite_path}-shm")]
    return [path for path in candidates if path.exists()]


def scan_files(paths: Iterable[Path], secrets: Mapping[str, str]) -> dict[str, int]:
    """How many times each secret (by its label) occurs in the files, all forms together;
    labels found nowhere are left out, so an empty dict means clean. Keys look like
    `"name in moph-connect.db-wal (utf-8)"`."""
    hits: dict[str, int] = {}
    for path in paths:
        content = path.read_bytes()
        for label, secret in secrets.items():
            for form, needle in forms(secret).items():
                count = content.count(needle)
                if count:
                    hits[f"{label} in {path.name} ({form})"] = count
    return hits


def scan_tables(database: Database, secrets: Mapping[str, str]) -> dict[str, int]:
    """Rows of every table that contain a secret in any column (JSON decoded first), as
    `"label in table"`: what any SELECT could still show."""
    hits: dict[str, int] = {}
    with database.transaction() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)).all():
                text = orjson.dumps(list(row), default=str).decode("utf-8")
                for label, secret in secrets.items():
                    if secret in text or json.dumps(secret)[1:-1] in text:
                        key = f"{label} in {table.name}"
                        hits[key] = hits.get(key, 0) + 1
    return hits


def vacuum_counts(database: Database) -> dict[str, int]:
    """PostgreSQL: how often each of our tables was vacuumed (by hand: VACUUM)."""
    with database.engine.connect() as connection:
        connection.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
        rows = connection.execute(
            text("SELECT relname, vacuum_count FROM pg_stat_user_tables")
        ).all()
    return {name: int(count) for name, count in rows if name in Base.metadata.tables}
