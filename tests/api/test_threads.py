"""The API's synchronous endpoints run on `api_threads` threads, not anyio's default 40."""

from __future__ import annotations

import asyncio
from pathlib import Path

from anyio import to_thread

from moph_connect.api.app import create_app
from moph_connect.clock import SystemClock
from moph_connect.db.engine import make_engine
from moph_connect.db.migrate import upgrade
from moph_connect.db.uow import Database
from moph_connect.runtime import Runtime
from moph_connect.settings import Settings


def test_the_app_sets_the_thread_limit_for_its_loop(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'threads.db'}"
    upgrade(url)
    database = Database(make_engine(url))
    settings = Settings(database_url=url, api_threads=5)
    runtime = Runtime(settings=settings, database=database, clock=SystemClock())
    app = create_app(runtime, run_dispatcher=False)

    async def limit_while_serving() -> float:
        async with app.router.lifespan_context(app):
            return to_thread.current_default_thread_limiter().total_tokens

    try:
        assert asyncio.run(limit_while_serving()) == 5
    finally:
        database.dispose()
