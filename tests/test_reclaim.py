"""Deleted data leaves storage: SQLite zeroes deleted rows and its WAL can be truncated;
PostgreSQL's tables can be vacuumed; steps run after a commit, never after a rollback."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, text
from sqlalchemy.engine import make_url

from moph_connect.db.models import Hospital
from moph_connect.db.reclaim import checkpoint_wal, vacuum
from moph_connect.db.uow import Database, after_commit
from tests.support.leaks import database_files, scan_files
from tests.support.stack import wait_for

NOW = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)


SECRET = "นางสาว ลับเฉพาะ ตัวอย่าง"


def _hospitals(database: Database, names: list[str]) -> None:
    with database.transaction() as session:
        for number, name in enumerate(names):
            session.add(
                Hospital(id=f"h{number}", name=name, booking_url="http://x/", created_at=NOW)
            )


def test_every_sqlite_connection_deletes_securely(sqlite_database: Database) -> None:
    with sqlite_database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1


def test_a_deleted_row_is_gone_from_the_sqlite_files(sqlite_database: Database) -> None:
    database = sqlite_database
    path = Path(str(make_url(str(database.engine.url)).database))
    # Neighbours before and after it, so its page stays in use after the delete.
    _hospitals(database, [f"โรงพยาบาล {n}" for n in range(20)] + [SECRET] + ["อื่น"] * 20)
    with database.transaction() as session:
        session.execute(delete(Hospital).where(Hospital.name == SECRET))
    assert scan_files(database_files(path), {"secret": SECRET})  # the WAL's old page
    assert checkpoint_wal(database.engine)
    assert Path(f"{path}-wal").stat().st_size == 0
    assert scan_files(database_files(path), {"secret": SECRET}) == {}


def test_steps_run_after_the_commit_once_and_never_after_a_rollback(
    database: Database,
) -> None:
    ran: list[bool] = []

    def step(engine: Engine) -> None:  # sees what the transaction committed
        with engine.connect() as connection:
            ran.append(connection.execute(text("SELECT count(*) FROM hospitals")).scalar() == 1)

    with database.transaction() as session:
        session.add(Hospital(id="h1", name="x", booking_url="http://x/", created_at=NOW))
        after_commit(session, step)
        after_commit(session, step)
        assert ran == []
    assert ran == [True]
    with pytest.raises(RuntimeError), database.transaction() as session:
        after_commit(session, step)
        raise RuntimeError("rolled back")
    assert ran == [True]


def test_a_failing_step_does_not_undo_the_commit(database: Database) -> None:
    def step(_engine: Engine) -> None:
        raise RuntimeError("the step failed")

    with database.transaction() as session:
        session.add(Hospital(id="h1", name="x", booking_url="http://x/", created_at=NOW))
        after_commit(session, step)
    with database.transaction() as session:
        assert session.get(Hospital, "h1") is not None


def test_vacuum_names_our_tables_only(database: Database) -> None:
    with pytest.raises(ValueError, match="not our tables"):
        vacuum(database.engine, ["hospitals; DROP TABLE hospitals"])


def test_vacuum_runs_on_postgresql(postgres_database: Database) -> None:
    database = postgres_database
    count = text("SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'hospitals'")
    with database.engine.connect() as connection:
        before = connection.execute(count).scalar_one()
    vacuum(database.engine, ["hospitals", "surveys"])

    def counted() -> bool:
        with database.engine.connect() as connection:
            connection.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
            return bool(connection.execute(count).scalar_one() > before)

    wait_for(counted, what="the VACUUM counted in pg_stat_user_tables")
