"""Shared fixtures: every storage-touching test runs on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from moph_connect.db.engine import make_engine
from moph_connect.db.migrate import upgrade
from moph_connect.db.models import Base
from moph_connect.db.uow import Database
from tests.support.postgres import PostgresServer, worker_database


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """Each pytest-xdist worker is a session of its own, so it starts a server of its own;
    on a configured server, each worker gets a database of its own there."""
    configured = os.environ.get("MOPH_CONNECT_TEST_POSTGRES_URL")
    if configured:
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        if worker is None:
            upgrade(configured)
            yield configured
            return
        with worker_database(configured, worker) as url:
            upgrade(url)
            yield url
        return
    server = PostgresServer()
    server.start()
    try:
        upgrade(server.url)
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def _truncate_all(url: str) -> None:
    engine = make_engine(url, pool_size=1)
    names = ", ".join(table.name for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE TABLE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


def fresh_database_url(request: pytest.FixtureRequest, kind: str, directory: Path) -> str:
    """An empty, migrated database of `kind` ("sqlite" or "postgresql")."""
    if kind == "sqlite":
        path = directory / "moph-connect.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    _truncate_all(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return fresh_database_url(request, request.param, tmp_path)


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database(make_engine(database_url))
    yield db
    db.dispose()


def _opened(request: pytest.FixtureRequest, kind: str, directory: Path) -> Iterator[Database]:
    """A database of `kind` only, for what one of them alone does."""
    db = Database(make_engine(fresh_database_url(request, kind, directory)))
    yield db
    db.dispose()


@pytest.fixture
def sqlite_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    yield from _opened(request, "sqlite", tmp_path)


@pytest.fixture
def postgres_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    yield from _opened(request, "postgresql", tmp_path)


# The suite runs on pytest-xdist workers (pyproject's addopts) with `--dist loadfile`: a
# module to a worker, so that a module's stack starts once. Not `--dist loadgroup` with
# `xdist_group` marks: pytest-xdist 3.8 tells the controller a test's group through
# `item._nodeid`, which pytest 9.2 no longer reads (pytest-xdist issue #1386), so every
# test was a group of its own and each worker started every module's stacks again. The
# longest modules go first (`--no-loadscope-reorder` keeps this order; measured with
# `--durations=0`, the suite on three workers), so that none of them starts last while
# the other workers sit idle; the rest keep their order.
LONGEST_FIRST = (
    "tests/fuzz/test_schemathesis.py",
    "tests/packaging/test_plain_install.py",
    "tests/patients/test_registrations_import.py",
    "tests/console/test_address_limit.py",
    "tests/cli/test_commands.py",
    "tests/console/test_cli.py",
    "tests/hospitals/test_key_rotation.py",
    "tests/insights/test_pages.py",
    "tests/console/test_password.py",
    "tests/cli/test_serve_workers.py",
    "tests/hospitals/test_cli.py",
    "tests/line_emulator/test_spec_equivalence.py",
    "tests/delivery/test_crash.py",
)


def _rank(item: pytest.Item) -> int:
    module = item.nodeid.split("::", 1)[0]
    return LONGEST_FIRST.index(module) if module in LONGEST_FIRST else len(LONGEST_FIRST)


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> Iterator[None]:
    # Sorted (stably) after pytest has ordered the items by fixture, so that a module's
    # own order stays as pytest made it.
    yield
    items.sort(key=_rank)
