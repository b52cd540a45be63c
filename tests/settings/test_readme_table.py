"""README.md's Configuration table names every setting, and states its default.

`Settings` is the one place each setting is defined; the README is where an operator
learns of it. This reads the table and compares it with `Settings.model_fields`, so a
setting added without a row (or a row left for a setting gone, or a default changed in
one place only) fails here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from moph_connect.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"
PREFIX = "MOPH_CONNECT_"
_NAME = re.compile(r"`(MOPH_CONNECT_[A-Z0-9_]+)`")
_VALUE = re.compile(r"`([^`]*)`")


def _configuration_rows() -> list[tuple[list[str], str]]:
    """(variables, default cell) of each row of the table under "## Configuration"."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and (names := _NAME.findall(cells[0])):
            rows.append((names, cells[1]))
    return rows


def _documented() -> dict[str, str | None]:
    """Variable -> its default as the table writes it (None: described in words)."""
    found: dict[str, str | None] = {}
    for names, default in _configuration_rows():
        values = _VALUE.findall(default)
        for index, name in enumerate(names):
            assert name not in found, f"{name} has two rows"
            found[name] = values[index] if len(values) == len(names) else None
    return found


def _variables() -> dict[str, Any]:
    return {PREFIX + name.upper(): field.default for name, field in Settings.model_fields.items()}


def test_the_table_is_read() -> None:
    # Guards the reader: were it to find nothing, the tests below would prove nothing.
    assert len(_configuration_rows()) >= 20
    assert "MOPH_CONNECT_DATABASE_URL" in _documented()


def test_every_setting_has_a_row_and_every_row_a_setting() -> None:
    documented, defined = set(_documented()), set(_variables())
    assert sorted(defined - documented) == [], "settings missing from README's table"
    assert sorted(documented - defined) == [], "README rows for settings that do not exist"


def _as_written(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _stated() -> list[str]:
    """Settings with a default of their own that the table writes as a value (the rest
    are unset by default, and the table says so in words: "unset", "none", or the rule
    that derives them)."""
    documented, defined = _documented(), _variables()
    return sorted(
        name
        for name, default in defined.items()
        if default not in (None, "") and documented.get(name) is not None
    )


def test_most_defaults_are_compared() -> None:
    assert len(_stated()) >= 25, _stated()


@pytest.mark.parametrize("variable", _stated())
def test_the_table_states_the_default(variable: str) -> None:
    default, written = _variables()[variable], _documented()[variable]
    assert written == _as_written(default), f"README says {written!r}, Settings {default!r}"
