"""A batch item refused after its writes (the per-patient daily limit) is undone alone.

In a module of its own: the stack here has other settings, and a module's stacks share one
database (tests/api/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.api.test_batch import batch_item, count_rows, post_batch
from tests.conftest import fresh_database_url
from tests.support.stack import Stack, running_stack


@pytest.fixture(params=["sqlite", "postgresql"])
def limited_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    url = fresh_database_url(request, request.param, tmp_path_factory.mktemp("db"))
    start = datetime(2018, 4, 27, 3, 0, tzinfo=UTC)
    with running_stack(url, start, settings_overrides={"patient_messages_per_day": 2}) as stack:
        yield stack


def test_an_item_refused_after_its_writes_is_undone_and_its_neighbours_stay(
    limited_stack: Stack,
) -> None:
    """The per-patient daily limit refuses an item after it wrote the appointment: its
    savepoint is rolled back, the items before and after it in the same chunk commit."""
    hospital = limited_stack.register_hospital()
    users = [limited_stack.follow(name=name) for name in ("ครูเพ็ญศรี", "สมชาย")]
    busy, calm = (limited_stack.pick_hospital(u, hospital.hospital_id) for u in users)
    body = [batch_item(busy, "H1"), batch_item(busy, "H2"), batch_item(calm, "H3")]
    answer = post_batch(limited_stack, hospital.production_key, body).json()
    assert [r["status"] for r in answer["results"]] == [202, 429, 202]
    assert "at most 2 a day" in answer["results"][1]["problem"]["detail"]
    assert count_rows(limited_stack, hospital.hospital_id) == (2, 4)
