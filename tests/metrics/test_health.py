"""`/healthz` answers whether the database does: 200 while it answers, 503 problem+json
naming only the error's class when it is gone (a SQLite file moved away, a PostgreSQL
database dropped), and 200 again once it is back."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, make_url, text

from moph_connect.db.migrate import upgrade
from tests.conftest import fresh_database_url
from tests.metrics.exposition import scrape
from tests.support.stack import running_stack

START = datetime(2018, 4, 27, 3, 0, tzinfo=UTC)


def assert_healthy(client: httpx.Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ok", "database": "ok"}


def assert_unavailable(client: httpx.Client) -> dict[str, str]:
    response = client.get("/healthz")
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, str] = response.json()
    assert body["status"] == "unavailable"
    # The class only: its message could name a host, a user or a path.
    assert body["database"].isidentifier(), body
    return body


def test_healthz_is_503_while_the_sqlite_file_is_gone(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = fresh_database_url(request, "sqlite", tmp_path)
    path = Path(make_url(url).database or "")
    with running_stack(url, START) as stack:
        assert_healthy(stack.api)
        aside = path.with_name("moved-away.db")
        path.rename(aside)
        try:
            body = assert_unavailable(stack.api)
            assert body["database"] == "OperationalError"
            assert str(tmp_path) not in str(body)
            # The service's own counters are still scraped (the database's gauges are
            # left out once their cache runs out).
            assert "moph_connect_api_requests" in scrape(stack.api).types
        finally:
            aside.rename(path)
        assert_healthy(stack.api)


@pytest.fixture
def own_postgres_database(postgres_url: str) -> Iterator[tuple[str, str]]:
    """A migrated PostgreSQL database of its own (the tests' shared one must stay), and
    the name to drop it by."""
    server = make_url(postgres_url)
    name = f"health_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    try:
        yield url, name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_healthz_is_503_once_the_postgresql_database_is_dropped(
    postgres_url: str, own_postgres_database: tuple[str, str]
) -> None:
    url, name = own_postgres_database
    with running_stack(url, START) as stack:
        assert_healthy(stack.api)
        admin = create_engine(make_url(postgres_url), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                # FORCE: the service's connections are ended with it.
                connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()
        body = assert_unavailable(stack.api)
        assert body["database"] == "OperationalError"
        assert name not in str(body)
        assert_unavailable(stack.api)  # and stays so: no pooled connection hides it
