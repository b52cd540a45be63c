"""Getting deleted data out of the database's storage, after the rows are gone.

Deleting or overwriting a row hides it from every query at once, but its old bytes stay
where the database put them:

- SQLite (WAL mode) appends every changed page to the `-wal` file, so the page as it was
  before an erasure stays there, once per transaction that touched it, until the WAL is
  checkpointed *and truncated*; an ordinary checkpoint rewinds the WAL without shortening
  it. `checkpoint_wal` copies the WAL into the main file and truncates it to 0 bytes;
  `PRAGMA secure_delete` (engine.py) has already zeroed the deleted cells there.
- PostgreSQL keeps the old row versions (dead tuples) in the table and index files until
  VACUUM removes them; `vacuum` runs it on the tables named. VACUUM does not zero the
  space it frees (an index entry's bytes can survive it), and WAL segments, archives,
  replicas and backups keep their copies as long as they are kept: see docs/chatbot.md.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import Engine

from moph_connect.db.models import Base

log = logging.getLogger(__name__)


def checkpoint_wal(engine: Engine) -> bool:
    """SQLite: checkpoint the WAL into the main file and truncate it; True if complete.

    It waits (SQLite's busy timeout) for other connections' transactions to end, and is
    incomplete if one still reads an older snapshot then (another process, say); the
    retention job runs it again. A no-op on other databases."""
    if engine.dialect.name != "sqlite":
        return True
    with engine.connect() as connection:
        # On the driver's connection: through SQLAlchemy the statement would begin a
        # transaction first (BEGIN IMMEDIATE, engine.py), and a connection inside a
        # transaction cannot checkpoint.
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            busy, _frames, _copied = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            cursor.close()
    if busy:
        log.warning("the WAL checkpoint after deleting data could not complete (busy)")
    return not busy


def vacuum(engine: Engine, tables: Iterable[str]) -> None:
    """PostgreSQL: VACUUM these tables (ours only), outside any transaction, as VACUUM
    must be. A no-op on other databases."""
    names = sorted(set(tables))
    unknown = [name for name in names if name not in Base.metadata.tables]
    if unknown:
        raise ValueError(f"not our tables: {unknown}")
    if engine.dialect.name != "postgresql" or not names:
        return
    quote = engine.dialect.identifier_preparer.quote
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM " + ", ".join(quote(name) for name in names))
