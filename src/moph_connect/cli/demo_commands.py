"""`moph-connect demo`: the seed's story in under two minutes."""

from __future__ import annotations

import typer
from rich.console import Console


def demo(
    port: int = typer.Option(8000, "--port", help="Where the demo serves (127.0.0.1)."),
    step_delay: float = typer.Option(
        2.0, "--step-delay", help="Seconds between steps, to watch the phone view (0: fast)."
    ),
) -> None:
    """Play Kru Pensri's story: follow, book, reminders, near-queue alert, survey."""
    from moph_connect.demo.story import run_demo  # the whole service: import on use

    run_demo(port, step_delay, Console())
