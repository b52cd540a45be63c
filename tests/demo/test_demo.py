"""A shortened run of `moph-connect demo`: the whole story, no pauses."""

from __future__ import annotations

import io

from rich.console import Console

from moph_connect.demo.story import run_demo
from tests.support.net import free_port


def test_the_demo_plays_the_whole_story() -> None:
    output = io.StringIO()
    run_demo(free_port(), 0.0, Console(file=output, width=200))
    text = output.getvalue()
    assert "The story is complete" in text, text
    for moment in ("09:00, the day before", "06:00 on the day", "09:52", "12:00 the next day"):
        assert moment in text
    assert text.count("LINE ▸") >= 8, text
