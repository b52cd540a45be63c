"""One running stack per database for each console test module; each test adds its own
hospitals and operators, so they do not see each other's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.conftest import fresh_database_url
from tests.support.stack import Stack, running_stack

# 2018-04-27 10:00 in Bangkok: three days before the seed's appointment (2018-04-30).
START = datetime(2018, 4, 27, 3, 0, tzinfo=UTC)
MAX_FAILED = 3
LOCKOUT_MINUTES = 15
FAILED_DELAY = 0.3
# Requests from 127.0.0.2 come through "our proxy"; the tests' own 127.0.0.1 does not.
TRUSTED_PROXY = "127.0.0.2"

CONSOLE_SETTINGS = {
    "console_max_failed_sign_ins": MAX_FAILED,
    "console_lockout_minutes": LOCKOUT_MINUTES,
    "console_failed_sign_in_delay_seconds": FAILED_DELAY,
    "trusted_proxies": f"{TRUSTED_PROXY}/32",
}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def console_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    url = fresh_database_url(request, request.param, tmp_path_factory.mktemp("db"))
    with running_stack(url, START, settings_overrides=CONSOLE_SETTINGS) as stack:
        yield stack
