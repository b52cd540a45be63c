"""The order the suite hands its modules to pytest-xdist workers (tests/conftest.py)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from tests.conftest import LONGEST_FIRST

ROOT = Path(__file__).resolve().parents[1]


def test_the_longest_modules_named_exist_once_each() -> None:
    for module in LONGEST_FIRST:
        assert (ROOT / module).is_file(), module
    assert len(set(LONGEST_FIRST)) == len(LONGEST_FIRST)


def test_a_module_goes_to_one_worker_in_the_suites_order() -> None:
    # A module's stacks start once only if its tests stay together (loadfile), and the
    # longest go first only if xdist keeps the collection's order.
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    options = pyproject["tool"]["pytest"]["ini_options"]["addopts"].split()
    assert options[options.index("--dist") + 1] == "loadfile"
    assert "--no-loadscope-reorder" in options
