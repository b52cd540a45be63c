"""The migrations build exactly the schema the models describe, on both databases, and
keep the data they move."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from moph_connect.db.engine import make_engine
from moph_connect.db.migrate import alembic_config, upgrade
from moph_connect.db.models import Base
from moph_connect.db.uow import Database


def test_migrated_schema_matches_models(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own with no tables, to migrate up and down."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    server_url = make_url(request.getfixturevalue("postgres_url"))
    name = f"migrations_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


_ROW_AT_0003 = text(
    "INSERT INTO outbox_messages (environment, line_user_id, kind, priority, dedup_key,"
    " payload, status, due_at, available_at, attempts, retry_key, created_at) VALUES"
    " ('production', 'U1', 'queue_card', 0, 'k1', :payload, 'pending', :now, :now, 0,"
    " 'a1e2b3c4-0000-4000-8000-000000000001', :now)"
)


def test_moving_payloads_to_their_own_table_keeps_them_both_ways(
    empty_database_url: str,
) -> None:
    payload = '[{"type":"text","text":"คิวของคุณ"}]'
    now = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    upgrade(empty_database_url, "0003")
    engine = make_engine(empty_database_url, pool_size=1)
    try:
        with engine.begin() as connection:
            connection.execute(_ROW_AT_0003, {"payload": payload, "now": now})
        upgrade(empty_database_url, "0004")
        with engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("outbox_messages")}
            moved = connection.execute(text("SELECT payload FROM outbox_payloads")).all()
        assert "payload" not in columns
        assert moved == [(payload,)]
        command.downgrade(alembic_config(empty_database_url), "0003")
        with engine.connect() as connection:
            back = connection.execute(text("SELECT payload FROM outbox_messages")).all()
            tables = inspect(connection).get_table_names()
        assert back == [(payload,)]
        assert "outbox_payloads" not in tables
    finally:
        engine.dispose()


def test_0007_links_idempotency_records_and_finishes_old_erasures(
    empty_database_url: str,
) -> None:
    """Records get their appointment from the answer they replay; records of appointments
    erased before 0007 go; patients erased before lose their remaining links too."""
    now = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
    tables = Base.metadata.tables
    upgrade(empty_database_url, "0006")
    engine = make_engine(empty_database_url, pool_size=1)
    try:
        with engine.begin() as connection:
            connection.execute(
                tables["hospitals"].insert(),
                {
                    "id": "h1",
                    "name": "รพ.",
                    "booking_url": "https://q.th/{regist}",
                    "created_at": now,
                },
            )
            connection.execute(
                tables["line_users"].insert(),
                [
                    {
                        "id": 1,
                        "environment": "production",
                        "line_user_id": "U" + "1" * 32,
                        "followed_at": now,
                    },
                    {
                        "id": 2,
                        "environment": "production",
                        "line_user_id": "erased-0a1b",
                        "followed_at": now,
                        "following": False,
                    },
                ],
            )
            connection.execute(
                tables["registrations"].insert(),
                {
                    "regist_id": "r" * 24,
                    "environment": "production",
                    "line_user_pk": 1,
                    "hospital_id": "h1",
                    "created_at": now,
                },
            )
            connection.execute(
                tables["appointments"].insert(),
                {
                    "id": "a-kept",
                    "environment": "production",
                    "hospital_id": "h1",
                    "regist_id": "r" * 24,
                    "appointment_date": now.date(),
                    "queue_number": "1",
                    "hospital_name": "รพ.",
                    "origin": "",
                    "patient_name": "นาย ก",
                    "appointment_time": "",
                    "details_link": "",
                    "current_queue_link": "",
                    "created_at": now,
                    "updated_at": now,
                },
            )
            record = {
                "hospital_id": "h1",
                "environment": "production",
                "request_hash": "0" * 64,
                "status_code": 202,
                "created_at": now,
            }
            connection.execute(
                tables["idempotency_keys"].insert(),
                [
                    {**record, "key": "kept", "response": {"appointmentId": "a-kept"}},
                    {**record, "key": "erased", "response": {"appointmentId": "a-erased"}},
                ],
            )
            connection.execute(
                tables["consent_records"].insert(),
                [
                    {
                        "line_user_pk": pk,
                        "environment": "production",
                        "notice_version": "v",
                        "accepted_at": now,
                    }
                    for pk in (1, 2)
                ],
            )
            connection.execute(
                tables["outbox_messages"].insert(),
                [
                    {
                        "id": n,
                        "environment": "production",
                        "line_user_id": user,
                        "kind": "reminder",
                        "priority": 1,
                        "dedup_key": f"a-{n}:2026-12-05:reminder",
                        "status": "sent",
                        "due_at": now,
                        "available_at": now,
                        "attempts": 1,
                        "retry_key": str(n),
                        "created_at": now,
                        "appointment_date": now.date(),
                        "line_request_id": "x",
                    }
                    for n, user in ((1, "U" + "1" * 32), (2, "erased-0a1b"))
                ],
            )
            connection.execute(
                tables["webhook_events"].insert(),
                [
                    {
                        "environment": "production",
                        "webhook_event_id": name,
                        "event": event,
                        "received_at": now,
                        "processed_at": now,
                        "error": "KeyError('her text')",
                    }
                    for name, event in (("e1", {"type": "message"}), ("e2", {"redacted": True}))
                ],
            )
        upgrade(empty_database_url, "0007")
        with engine.connect() as connection:
            records = connection.execute(
                text("SELECT key, appointment_id FROM idempotency_keys")
            ).all()
            consents = connection.execute(
                text("SELECT line_user_pk FROM consent_records ORDER BY id")
            ).all()
            rows = connection.execute(
                text(
                    "SELECT dedup_key, appointment_date IS NULL, line_request_id"
                    " FROM outbox_messages ORDER BY id"
                )
            ).all()
            errors = connection.execute(
                text("SELECT error FROM webhook_events ORDER BY webhook_event_id")
            ).all()
        assert records == [("kept", "a-kept")]
        assert consents == [(1,), (None,)]
        assert rows == [("a-1:2026-12-05:reminder", False, "x"), ("erased:2", True, None)]
        assert errors == [("KeyError('her text')",), ("redacted",)]
        command.downgrade(alembic_config(empty_database_url), "0006")
        with engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("idempotency_keys")}
        assert "appointment_id" not in columns
        upgrade(empty_database_url, "0007")
    finally:
        engine.dispose()
