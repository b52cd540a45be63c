"""One running stack per database for the sandbox's tests (the console's settings)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import fresh_database_url
from tests.console.conftest import CONSOLE_SETTINGS, START
from tests.support.stack import Stack, running_stack


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def sandbox_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    url = fresh_database_url(request, request.param, tmp_path_factory.mktemp("db"))
    with running_stack(url, START, settings_overrides=CONSOLE_SETTINGS) as stack:
        yield stack
