"""Connections of their own for `/healthz` and the database gauges.

Not the service's pool and unit of work: under load every pooled connection may be taken,
and on SQLite each transaction holds the process's write turn (`db/uow.py`, BEGIN
IMMEDIATE); a health check must not queue behind hospital calls, nor a scrape's GROUP BY
hold up their writes. On SQLite each use opens the file afresh, read-write but never
created: a pooled connection would go on answering from a deleted or replaced file. On
PostgreSQL a pool of two (a health check and a scrape at once) with short timeouts.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import URL, Engine, create_engine
from sqlalchemy.pool import NullPool

from moph_connect.db.engine import hide_result_rows

# Seconds a health check waits for the database before saying it is unavailable.
HEALTH_TIMEOUT_SECONDS = 2.0
# A scrape's queries on PostgreSQL are cut off after this (the outbox may be large).
STATEMENT_TIMEOUT_MS = 10_000


def observer_engine(url: URL) -> Engine:
    hide_result_rows()  # the service's rule for every engine, this one included
    if url.get_backend_name() == "sqlite":
        uri = Path(url.database or "").absolute().as_uri() + "?mode=rw"

        def connect() -> sqlite3.Connection:
            # `timeout`: how long a read may wait for a lock (in WAL mode, only while a
            # checkpoint restarts the log).
            return sqlite3.connect(
                uri, uri=True, timeout=HEALTH_TIMEOUT_SECONDS, check_same_thread=False
            )

        return create_engine("sqlite://", creator=connect, poolclass=NullPool, hide_parameters=True)
    return create_engine(
        url,
        pool_size=2,
        max_overflow=0,
        pool_timeout=HEALTH_TIMEOUT_SECONDS,
        pool_pre_ping=False,  # the health check's SELECT 1 is the ping
        hide_parameters=True,
        connect_args={
            "connect_timeout": max(1, round(HEALTH_TIMEOUT_SECONDS)),
            "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
        },
    )


def probe_statement(engine: Engine) -> str:
    # On SQLite, `SELECT 1` never reads the file: reading the schema does.
    return "SELECT count(*) FROM sqlite_master" if engine.dialect.name == "sqlite" else "SELECT 1"
