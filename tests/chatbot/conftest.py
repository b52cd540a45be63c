"""A running stack (service + LINE emulator over loopback) per test, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from moph_connect.hospitals.directory import clear_directory_cache
from tests.support.stack import Stack, running_stack

# 10:00 in Bangkok, Friday 27 April 2018: three days before the seed's appointment.
START = datetime(2018, 4, 27, 3, 0, tzinfo=UTC)


@pytest.fixture
def stack(database_url: str) -> Iterator[Stack]:
    clear_directory_cache()  # PostgreSQL tests share one URL: start from a fresh index
    with running_stack(database_url, START) as running:
        yield running
