"""Storage basics on both databases: migrations, aware UTC times, unique dedup keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from moph_connect.db.models import Hospital
from moph_connect.db.uow import Database


def test_times_come_back_aware_utc(database: Database) -> None:
    bangkok_noon = datetime(2026, 4, 30, 12, 0, tzinfo=UTC) + timedelta(hours=0)
    with database.transaction() as session:
        session.add(Hospital(id="h1", name="x", booking_url="http://x/", created_at=bangkok_noon))
    with database.transaction() as session:
        hospital = session.get(Hospital, "h1")
        assert hospital is not None
        assert hospital.created_at == bangkok_noon
        assert hospital.created_at.tzinfo is not None


def test_failed_transaction_rolls_back(database: Database) -> None:
    now = datetime.now(UTC)
    with pytest.raises(IntegrityError), database.transaction() as session:
        session.add(Hospital(id="h1", name="x", booking_url="http://x/", created_at=now))
        session.flush()
        session.add(Hospital(id="h1", name="y", booking_url="http://y/", created_at=now))
        session.flush()
    with database.transaction() as session:
        assert session.get(Hospital, "h1") is None
