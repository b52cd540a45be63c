"""A batch item refused after its writes (the per-patient daily limit) is undone alone.

In a module of its own: the stack here has other settings, and a module's stacks share one
database (tests/api/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.api.test_batch import batch_item, count_rows, post_batch
from tests.api.test_batch_failures import comparable
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


def test_the_daily_limit_counts_what_earlier_items_of_the_chunk_planned(
    limited_stack: Stack,
) -> None:
    """Counted ahead for the chunk, a patient's messages of today are counted again once an
    item planned more for her (here a move's notice, planned before its reminders are
    counted): the same answers as the same calls one by one."""
    hospital = limited_stack.register_hospital()
    users = [limited_stack.follow(name=f"ผู้ป่วย {n}") for n in range(4)]
    p_batch, q_batch, p_single, q_single = (
        limited_stack.pick_hospital(u, hospital.hospital_id) for u in users
    )

    def calls(p: str, q: str) -> list[dict[str, Any]]:
        return [
            batch_item(p, "L1"),  # her two reminders: the limit reached
            batch_item(p, "L1"),  # plans nothing: accepted
            batch_item(q, "L2"),
            batch_item(p, "L3"),  # 429
            {**batch_item(q, "L2"), "appointmentDate": "2018-05-02"},  # notice + 2: 429
            batch_item(q, "L2"),
        ]

    answer = post_batch(limited_stack, hospital.production_key, calls(p_batch, q_batch)).json()
    singles = []
    for body in calls(p_single, q_single):
        response = limited_stack.call("/api/queue/schedule", hospital.production_key, body)
        field = "appointment" if response.status_code == 202 else "problem"
        singles.append({"status": response.status_code, field: response.json()})
    batch_ids: dict[str, str] = {}
    single_ids: dict[str, str] = {}
    assert [comparable(r, batch_ids) for r in answer["results"]] == [
        comparable(r, single_ids) for r in singles
    ]
    assert [r["status"] for r in answer["results"]] == [202, 202, 202, 429, 429, 202]
