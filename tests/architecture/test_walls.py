"""The walls ARCHITECTURE.md names that import-linter cannot see: only repositories (and
the database's own modules) run statements."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "moph_connect"
# What runs SQL on a session or connection.
STATEMENT_METHODS = {"execute", "scalars", "scalar", "get", "add", "add_all", "delete", "merge"}
ALLOWED = (
    "repository.py",  # every domain's queries
    "db/",  # engine, unit of work, migrations, reclaiming space
    "patients/erasure.py",  # a repository that spans tables: one erasure, one transaction
    "patients/retention.py",  # likewise: one purge pass over every table of patient data
)


def _statements(tree: ast.AST) -> list[int]:
    """Lines that call `<something named session or connection>.<statement method>(...)`."""
    lines = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        if node.func.attr in STATEMENT_METHODS and name in ("session", "connection", "conn"):
            lines.append(node.lineno)
    return lines


def test_only_repositories_touch_the_database() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if relative.endswith(ALLOWED[0]) or relative.startswith(ALLOWED[1]) or relative in ALLOWED:
            continue
        for line in _statements(ast.parse(path.read_text(encoding="utf-8"))):
            offenders.append(f"{relative}:{line}")
    assert offenders == [], "statements outside repositories:\n" + "\n".join(offenders)


def test_the_wall_test_sees_a_statement() -> None:
    code = "def f(session):\n    return session.execute(q)\n"
    assert _statements(ast.parse(code)) == [2]
