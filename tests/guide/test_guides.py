"""The hospital developer's guide exists in Thai and English with the same sections, shows
each example exactly as the file the other tests run, and is linked from the README (the
link from /docs is checked against the live service in test_examples.py)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest

from moph_connect.appointments.schemas import AlertCall, AppointmentOut
from moph_connect.hospitals.authentication import GUIDE
from tests.guide.conftest import EXAMPLES, ROOT

GUIDES = {
    "en": ROOT / "docs" / "hospital-guide.en.md",
    "th": ROOT / "docs" / "hospital-guide.th.md",
}
MARKER = re.compile(r"<!-- example: (\S+) -->")
FENCE_LANGUAGES = {
    ".php": "php",
    ".py": "python",
    ".sh": "sh",
    ".mjs": "javascript",
    ".js": "javascript",
    ".cs": "csharp",
}


@dataclass(frozen=True)
class Block:
    language: str
    text: str
    example: str | None  # the file named by the marker just before it, if any


def _blocks_and_headings(text: str) -> tuple[list[Block], list[str]]:
    """Fenced code blocks (with the example marker before each, if any), and the headings
    outside them."""
    blocks: list[Block] = []
    headings: list[str] = []
    lines = text.split("\n")
    marker: str | None = None
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("```"):
            language, body = line[3:].strip(), []
            index += 1
            while not lines[index].startswith("```"):
                body.append(lines[index])
                index += 1
            blocks.append(Block(language, "\n".join(body) + "\n", marker))
            marker = None
        elif found := MARKER.fullmatch(line.strip()):
            marker = found.group(1)
        elif line.startswith("#"):
            headings.append(line)
        elif line.strip():
            marker = None  # a marker names the block right after it
        index += 1
    return blocks, headings


def _parsed(language: str) -> tuple[list[Block], list[str]]:
    path = GUIDES[language]
    assert path.exists(), f"{path} is missing"
    return _blocks_and_headings(path.read_text(encoding="utf-8"))


def _example_files() -> set[str]:
    return {
        str(path.relative_to(ROOT))
        for path in EXAMPLES.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_both_guides_have_the_same_sections() -> None:
    (_, english), (_, thai) = _parsed("en"), _parsed("th")
    levels = [[h.split(" ", 1)[0] for h in headings] for headings in (english, thai)]
    assert levels[0] == levels[1], "the same headings, in the same order of levels"
    assert len(english) > 20
    assert re.search(r"[\u0e00-\u0e7f]", " ".join(thai)), "the Thai guide's headings are Thai"


@pytest.mark.parametrize("language", sorted(GUIDES))
def test_each_example_is_shown_exactly_as_its_file(language: str) -> None:
    blocks, _ = _parsed(language)
    shown = [block for block in blocks if block.example is not None]
    assert {block.example for block in shown} == _example_files(), "every file, and only those"
    assert len(shown) == len(_example_files()), "each file once"
    for block in shown:
        assert block.example is not None
        path = ROOT / block.example
        assert block.language == FENCE_LANGUAGES[path.suffix], block.example
        assert block.text == path.read_text(encoding="utf-8"), (
            f"{GUIDES[language].name}: the block for {block.example} differs from the file"
        )


@pytest.mark.parametrize("language", sorted(GUIDES))
def test_the_guides_json_is_what_the_api_takes_and_gives(language: str) -> None:
    blocks, _ = _parsed(language)
    documents = [json.loads(block.text) for block in blocks if block.language == "json"]
    [alert] = [d for d in documents if "header" in d]
    AlertCall.model_validate(alert)
    [answer] = [d for d in documents if "appointmentId" in d]
    assert set(answer) == set(AppointmentOut.model_fields)
    AppointmentOut.model_validate(answer)
    [problem] = [d for d in documents if "type" in d]
    assert set(problem) == {"type", "title", "status", "detail", "errors"}


def test_the_guides_links_point_to_files_that_exist() -> None:
    for path in GUIDES.values():
        text = path.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#\s]+)\)", text):
            if "://" not in target:
                assert (path.parent / target).exists(), f"{path.name}: {target}"


def test_the_readme_and_the_api_errors_point_to_both_guides() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## For hospital developers", 1)[1].split("\n## ", 1)[0]
    assert "(docs/hospital-guide.en.md)" in section
    assert "(docs/hospital-guide.th.md)" in section
    # The 401 answers name the guide: it must be where they say.
    for name in re.findall(r"docs/hospital-guide\.\w+\.md", GUIDE):
        assert (ROOT / name).exists(), name
