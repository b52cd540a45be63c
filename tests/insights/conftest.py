from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.insights.support import TODAY, World, add_operators, seed_world
from tests.satisfaction.seed import bangkok
from tests.support.stack import Stack, running_stack


@pytest.fixture
def stack(database_url: str) -> Iterator[Stack]:
    with running_stack(database_url, bangkok(TODAY, 10), run_dispatcher=False) as running:
        yield running


@pytest.fixture
def world(stack: Stack) -> World:
    seeded = seed_world(stack.database)
    add_operators(stack.database)
    return seeded
