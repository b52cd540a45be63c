"""An error nothing handled is a 500 problem with the headers every answer carries, and
its log names the error's class, never its message (which may quote a patient)."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from line_emulator import BackgroundServer
from moph_connect.api.app import create_app
from moph_connect.clock import SystemClock
from moph_connect.db.engine import make_engine
from moph_connect.db.migrate import upgrade
from moph_connect.db.uow import Database
from moph_connect.runtime import Runtime
from moph_connect.settings import Settings

NAME = "นาย ประโยชน์ รุจิรา"


def test_an_unexpected_error_is_a_500_problem_with_headers_and_a_clean_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite:///{tmp_path / 'moph.db'}"
    upgrade(url)
    database = Database(make_engine(url))
    settings = Settings(
        database_url=url, line_api_base_url="http://127.0.0.1:9", cors_origins="https://q.example"
    )
    app = create_app(Runtime(settings, database, SystemClock()), run_dispatcher=False)

    def boom() -> None:
        raise RuntimeError(f"could not store {NAME}")

    app.add_api_route("/api/boom", boom, methods=["GET"])
    caplog.set_level(logging.DEBUG)
    try:
        with BackgroundServer(app) as server:
            response = httpx.get(
                server.base_url + "/api/boom", headers={"Origin": "https://q.example"}
            )
    finally:
        database.dispose()
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/internal")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["access-control-allow-origin"] == "https://q.example"
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "RuntimeError" in logged
    assert NAME not in logged
