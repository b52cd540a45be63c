"""The groups the suite's scheduler hands to pytest-xdist workers (tests/support/scheduling.py)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import LONGEST_FIRST
from tests.support.scheduling import SPLIT_BY_DATABASE, group_of

ROOT = Path(__file__).resolve().parents[1]
FUZZ = "tests/fuzz/test_schemathesis.py"


def test_a_module_is_one_group() -> None:
    assert group_of("tests/api/test_batch.py::test_x[sqlite]") == "tests/api/test_batch.py"
    assert group_of("tests/api/test_batch.py::test_y") == "tests/api/test_batch.py"


def test_a_split_module_is_a_group_per_database_and_one_for_the_rest() -> None:
    assert group_of(f"{FUZZ}::test_f[POST /api/queue][postgresql]") == f"{FUZZ}[postgresql]"
    assert group_of(f"{FUZZ}::test_s[sqlite]") == f"{FUZZ}[sqlite]"
    assert group_of(f"{FUZZ}::test_x[sqlite-other]") == FUZZ
    assert group_of(f"{FUZZ}::test_y") == FUZZ


def test_the_longest_groups_named_exist() -> None:
    for group in LONGEST_FIRST:
        module, database = re.fullmatch(r"([^\[]+)(?:\[(\w+)\])?", group).groups()  # type: ignore[union-attr]
        assert (ROOT / module).is_file(), group
        assert database is None or module in SPLIT_BY_DATABASE, group
    assert len(set(LONGEST_FIRST)) == len(LONGEST_FIRST)
