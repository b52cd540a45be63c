"""A real, throwaway PostgreSQL server for the test run, from the Debian binaries.

Started once per test session (each pytest-xdist worker is one) on a free loopback port
with its own data directory, and stopped (and deleted) at the end. As root, the server runs
as the `postgres` user, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from tests.support.net import free_port

PG_BIN_CANDIDATES = [
    Path("/usr/lib/postgresql/15/bin"),
    *sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True),
]


def find_pg_bin() -> Path:
    configured = os.environ.get("MOPH_CONNECT_TEST_PG_BIN")
    for candidate in ([Path(configured)] if configured else []) + PG_BIN_CANDIDATES:
        if (candidate / "pg_ctl").exists():
            return candidate
    raise RuntimeError(
        "PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin). "
        "Install Debian's postgresql package, or set MOPH_CONNECT_TEST_POSTGRES_URL."
    )


class PostgresServer:
    def __init__(self) -> None:
        self.bin = find_pg_bin()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="moph-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root / "socket"
        self.socket_dir.mkdir()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            user = pwd.getpwnam("postgres")
            for path in (self.root, self.socket_dir):
                os.chown(path, user.pw_uid, user.pw_gid)

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        options = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200 -c shared_buffers=256MB "
            # As SECURITY.md asks of production: no DETAIL lines, which quote the values
            # of a violated key (a queue number, a name).
            "-c log_error_verbosity=terse"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                import psycopg

                with psycopg.connect(
                    f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"
                ):
                    return
            except psycopg.OperationalError:
                time.sleep(0.2)
        raise RuntimeError("PostgreSQL did not start; see " + str(self.root / "server.log"))

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def worker_database(server_url: str, worker: str) -> Iterator[str]:
    """A database of its own for one pytest-xdist worker (`gw0`, ...) on a configured
    server, dropped at the end (and first, should a killed run have left it)."""
    server = make_url(server_url)
    name = f"{server.database or 'postgres'}_{worker}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield server.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
