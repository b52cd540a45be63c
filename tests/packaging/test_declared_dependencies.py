"""Every third-party module a distribution imports is installed by a plain `pip install`
of it: the service (`.`) and the LINE emulator (`./emulator`).

The dev venv has the `dev` extra and whatever else was installed by hand, so a module that
only happens to be there imports fine in every other test and breaks for a newcomer (as
httpx once did for `moph-connect demo`). This test reads the imports from the source and
checks each against what `[project].dependencies` installs, transitively.
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import re
import sys
import tomllib
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "moph_connect"
SOURCE = REPO_ROOT / "src" / PACKAGE
EMULATOR_DISTRIBUTION = "moph-connect-line-emulator"
EMULATOR = REPO_ROOT / "emulator"
# Our own packages, by the distribution that ships them. An editable install does not map
# its packages to itself in `packages_distributions()` (it installs a path hook), so the
# map is written here; test_own_packages_are_where_the_map_says keeps it true.
OWN_PACKAGES: dict[str, str] = {
    PACKAGE: "moph-connect",
    "line_emulator": EMULATOR_DISTRIBUTION,
    "line_contract": EMULATOR_DISTRIBUTION,
}
# Each distribution: its pyproject.toml, the source folders it ships.
DISTRIBUTIONS: dict[str, tuple[Path, list[Path]]] = {
    "moph-connect": (REPO_ROOT / "pyproject.toml", [SOURCE]),
    EMULATOR_DISTRIBUTION: (
        EMULATOR / "pyproject.toml",
        [EMULATOR / "src" / "line_emulator", EMULATOR / "src" / "line_contract"],
    ),
}

# Modules that a library loads by a name we pass as a string, so that no `import` shows
# them: module -> the text in our source that makes it load. Where the text no longer
# occurs, the module is simply not counted.
LOADED_BY_NAME: dict[str, str] = {
    "uvloop": 'loop="uvloop"',  # uvicorn.Config(loop="uvloop")
    "httptools": '"httptools"',  # uvicorn.Config(http="httptools")
    "psycopg": "postgresql+psycopg",  # SQLAlchemy's driver, chosen by the URL
}


def _normalise(name: str) -> str:
    """A distribution name as PEP 503 compares them (PyYAML == pyyaml, line_bot == line-bot)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def imported_modules(root: Path) -> dict[str, list[str]]:
    """Top-level third-party module -> the places ("path:line") that import it."""
    found: dict[str, list[str]] = defaultdict(list)
    for path in sorted(root.rglob("*.py")):
        where = path.relative_to(REPO_ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(text, filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue  # relative imports are our own package
            for name in names:
                found[name.partition(".")[0]].append(f"{where}:{node.lineno}")
        for module, marker in LOADED_BY_NAME.items():
            if marker in text:
                found[module].append(f"{where} (names {marker!r})")
    return {
        module: places for module, places in found.items() if module not in sys.stdlib_module_names
    }


_REQUIREMENT = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?([^;]*)(?:;(.*))?")


def _applies_simply(text: str, extra: str) -> tuple[str, frozenset[str]] | None:
    """(name, extras) of requirement `text` if it applies with `extra` asked for.

    Without `packaging`: only `extra == "..."` is evaluated and any other marker is taken
    as true, which can only widen the closure (a missing dependency might then pass, a
    present one never fails).
    """
    match = _REQUIREMENT.match(text)
    assert match is not None, text
    name, extras, _version, marker = match.groups()
    if marker and "extra" in marker:
        wanted = re.findall(r"extra\s*==\s*['\"]([^'\"]+)['\"]", marker)
        if _normalise(extra) not in {_normalise(w) for w in wanted}:
            return None
    names = frozenset(_normalise(e) for e in (extras or "").split(",") if e.strip())
    return _normalise(name), names


def _applies_exactly(text: str, extra: str) -> tuple[str, frozenset[str]] | None:
    """As `_applies_simply`, with every marker evaluated for this interpreter by `packaging`."""
    from packaging.requirements import Requirement

    requirement = Requirement(text)
    if requirement.marker is not None and not requirement.marker.evaluate({"extra": extra}):
        return None
    return _normalise(requirement.name), frozenset(_normalise(e) for e in requirement.extras)


# packaging comes with most venvs' tooling, but is no dependency of ours.
_applies = _applies_exactly if importlib.util.find_spec("packaging") else _applies_simply


def installed_by(requirements: Iterable[str]) -> tuple[set[str], set[str]]:
    """The distributions that installing `requirements` brings, and those of them absent here.

    Walks the installed metadata (`Requires-Dist`), with the extras each requirement asks
    for; an absent distribution's own requirements cannot be read, hence the second set.
    """
    distributions: set[str] = set()
    absent: set[str] = set()
    visited: set[tuple[str, str]] = set()
    pending = [(text, "") for text in requirements]
    while pending:
        text, extra = pending.pop()
        applies = _applies(text, extra)
        if applies is None:
            continue
        name, extras = applies
        distributions.add(name)
        for wanted in {"", *extras}:  # "" is the distribution's own, unconditional part
            if (name, wanted) in visited:
                continue
            visited.add((name, wanted))
            try:
                requires = importlib.metadata.requires(name) or []
            except importlib.metadata.PackageNotFoundError:
                absent.add(name)
                continue
            pending.extend((requirement, wanted) for requirement in requires)
    return distributions, absent


@pytest.mark.parametrize("distribution", sorted(DISTRIBUTIONS))
def test_every_imported_module_is_installed_by_the_declared_dependencies(
    distribution: str,
) -> None:
    pyproject, sources = DISTRIBUTIONS[distribution]
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    runtime, absent = installed_by(project["dependencies"])
    assert not absent, (
        f"declared dependencies not installed in this environment: {sorted(absent)}; "
        "reinstall it (`pip install -e '.[dev]'`) before judging the imports"
    )
    dev, _ = installed_by(project.get("optional-dependencies", {}).get("dev", []))
    providers = importlib.metadata.packages_distributions()
    imported: dict[str, list[str]] = defaultdict(list)
    for source in sources:
        for module, places in imported_modules(source).items():
            imported[module] += places

    problems = []
    for module, places in sorted(imported.items()):
        own = OWN_PACKAGES.get(module)
        if own == distribution:
            continue  # its own packages
        distributions = {_normalise(d) for d in providers.get(module, [])}
        if own is not None:
            distributions = {own}
        if distributions & runtime:
            continue
        if not distributions:
            why = "no installed distribution provides it"
        elif distributions & dev:
            why = f"{sorted(distributions)} is installed only by the dev extra"
        else:
            why = f"{sorted(distributions)} is installed by nothing in [project].dependencies"
        problems.append(f"{module}: {why}; imported at {', '.join(places)}")
    assert not problems, "a plain `pip install .` lacks:\n  " + "\n  ".join(problems)


def test_the_import_scan_sees_the_known_imports() -> None:
    # Guards the scanner itself: were it to find nothing, the test above would pass vacuously.
    modules = imported_modules(SOURCE)
    for module in ("fastapi", "sqlalchemy", "pyreqwest", "uvloop", "typer"):
        assert module in modules, sorted(modules)
    assert "asyncio" not in modules
    assert "line_contract" in modules  # our other distribution's packages are seen too
    emulator = imported_modules(EMULATOR / "src" / "line_emulator")
    assert {"starlette", "uvicorn", "orjson"} <= set(emulator), sorted(emulator)


def test_own_packages_are_where_the_map_says() -> None:
    for distribution, (pyproject, sources) in DISTRIBUTIONS.items():
        wheel = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["hatch"]["build"]
        shipped = {Path(path).name for path in wheel["targets"]["wheel"]["packages"]}
        assert shipped == {source.name for source in sources}, distribution
        assert {p for p, d in OWN_PACKAGES.items() if d == distribution} == shipped


def test_the_emulator_imports_nothing_of_the_service() -> None:
    # lint-imports checks the same through the import graph; this reads the files shipped.
    for source in DISTRIBUTIONS[EMULATOR_DISTRIBUTION][1]:
        assert PACKAGE not in imported_modules(source), source


def test_the_service_speaks_http_with_one_client_library() -> None:
    # pyreqwest for everything the service (and `moph-connect demo`) sends; httpx and
    # requests are the tests' and the guide's; line-bot-sdk only checks our messages in
    # tests. aiohttp remains for the LINE emulator's webhook deliveries alone, declared by
    # the emulator's distribution, not the service's.
    modules = imported_modules(SOURCE)
    assert "pyreqwest" in modules
    for other in ("httpx", "requests", "urllib3", "linebot", "aiohttp"):
        assert other not in modules, f"{other} imported at {modules[other]}"
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not [d for d in project["dependencies"] if d.startswith("aiohttp")]


def test_the_simple_parser_reads_our_requirements_as_packaging_does() -> None:
    # The fallback runs only where `packaging` is absent; keep it honest where it is here.
    pytest.importorskip("packaging")
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    emulator = tomllib.loads((EMULATOR / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    texts = [
        *project["dependencies"],
        *project["optional-dependencies"]["dev"],
        *emulator["dependencies"],
    ]
    texts += ['uvloop>=0.15.1; extra == "standard" and sys_platform != "win32"', "PyYAML>=5.1"]
    for text in texts:
        for extra in ("", "standard"):
            exact = _applies_exactly(text, extra)
            # The simple reading may keep what a platform marker drops, never the reverse.
            assert _applies_simply(text, extra) == exact or exact is None, (text, extra)
