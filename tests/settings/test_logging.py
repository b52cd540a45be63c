"""MOPH_CONNECT_LOG_LEVEL=DEBUG brings third-party chatter back, but never SQLAlchemy's
statement parameters or result rows: they would carry patients' names."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import text

from moph_connect.cli.common import configure_logging
from moph_connect.db.engine import make_engine
from moph_connect.settings import Settings

NAME = "นาย ประโยชน์ รุจิรา"


def test_debug_logs_no_rows_or_parameters(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logging.getLogger(), "handlers", [])  # basicConfig acts again
    configure_logging(Settings(log_level="DEBUG"))
    caplog.set_level(logging.DEBUG)
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (name TEXT)"))
            connection.execute(text("INSERT INTO t VALUES (:name)"), {"name": NAME})
            assert connection.execute(text("SELECT name FROM t")).scalar_one() == NAME
    finally:
        engine.dispose()
        logging.getLogger("moph_connect").setLevel(logging.NOTSET)
    assert logging.getLogger("alembic").getEffectiveLevel() == logging.DEBUG
    assert NAME not in caplog.text
