"""Engine creation for the two supported databases.

SQLite (the embedded default) runs in WAL mode so the API can write while the dispatcher
reads, with a busy timeout instead of instant "database is locked" errors, and with
secure delete, so that erased and purged patient data does not stay in the file's free
space. PostgreSQL URLs are normalised to the psycopg 3 driver. Every engine, ours and the
metrics observer's, hides its statements' parameters and never logs result rows.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

# The loggers SQLAlchemy's engines write to (an engine without a `logging_name`).
ENGINE_LOGGERS = ("sqlalchemy.engine", "sqlalchemy.engine.Engine")


class ResultRowsHidden(logging.Filter):
    """Drops SQLAlchemy's DEBUG record of each result row ("Row %r"): once its logger is at
    DEBUG (an operator debugging SQL, a logging config naming `sqlalchemy`), every row read
    would be logged, patients' names, message texts and LINE user ids with it.
    `hide_parameters` hides statement parameters only. Statements and timings still go."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg != "Row %r"


_RESULT_ROWS_HIDDEN = ResultRowsHidden()


def hide_result_rows() -> None:
    """Installs the filter on the engine loggers (a logger's filters see only the records
    logged to it, not those propagated from below); installing it again changes nothing."""
    for name in ENGINE_LOGGERS:
        logging.getLogger(name).addFilter(_RESULT_ROWS_HIDDEN)


def normalise_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _ensure_sqlite_directory(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable across app crashes in WAL mode
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Deleted rows are overwritten with zeros, in their pages and in freed pages: without
    # it an erased patient's name stays in the file until the space is reused. Some
    # SQLite builds (Debian's) default to it, others (python.org's, most wheels) do not.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def make_engine(url: str, *, pool_size: int = 10, pre_ping: bool = True) -> Engine:
    """`pre_ping` (PostgreSQL) tests each connection taken from the pool with a round trip,
    so that a request after a database restart does not fail on a dead connection. A
    process that retries on its own (the dispatcher) can spare that round trip."""
    hide_result_rows()
    url = normalise_url(url)
    if is_sqlite(url):
        _ensure_sqlite_directory(url)
        # The sqlite3 driver's own transaction handling is replaced by BEGIN IMMEDIATE: a
        # transaction that reads and then writes would otherwise fail at once with
        # SQLITE_BUSY when another writer got in between; this way it waits its turn.
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30, "isolation_level": None},
            pool_size=pool_size,
            max_overflow=10,
            hide_parameters=True,  # errors and logs never carry the values (patient data)
        )
        event.listen(engine, "connect", _sqlite_pragmas)

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=10,
        pool_pre_ping=pre_ping,
        hide_parameters=True,  # errors and logs never carry the values (patient data)
    )
