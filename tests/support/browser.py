"""Debian's Chromium through Playwright, for every browser test (never a downloaded one).

Each test module launches its own (a module-scoped fixture over `chromium()`): while
Playwright's sync API is open, the main thread has a running event loop, so a browser
kept for the whole session would break later tests that run one of their own
(`asyncio.run`), and another module's Playwright would refuse to start.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _unavailable(message: str) -> NoReturn:
    # Never skipped: a browser test that did not run is not a pass. `make test` installs
    # Chromium (scripts/system-deps); `make quick` deselects these tests on purpose.
    pytest.fail(message)


@contextmanager
def chromium() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is missing: .venv/bin/pip install playwright")
    if shutil.which(CHROMIUM) is None:
        _unavailable(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
