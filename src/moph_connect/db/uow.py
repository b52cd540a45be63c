"""The unit of work: one transaction around a request or a job.

Repositories do the queries; whoever opens the unit of work (an endpoint dependency, a
dispatcher step, a CLI command) owns the commit or rollback, as in polar and cosmicpython.
A repository may ask for a step to run once the transaction has committed
(`after_commit`), for work a transaction cannot do, such as checkpointing SQLite's WAL.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Final

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

AfterCommit = Callable[[Engine], object]
_AFTER_COMMIT: Final = "moph_connect.after_commit"


def after_commit(session: Session, step: AfterCommit) -> None:
    """Run `step` with the engine once the transaction around `session` has committed
    (never if it rolls back), each step once however often it is asked for. On SQLite it
    still runs in this process's turn, so no other transaction of ours is open meanwhile.
    A failing step is logged, not raised: what it follows is already committed."""
    steps: list[AfterCommit] = session.info.setdefault(_AFTER_COMMIT, [])
    if step not in steps:
        steps.append(step)


class Database:
    """The engine plus a session factory; one per process, shared by its threads."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
        # SQLite has one writer, and every transaction here takes the write lock at once
        # (BEGIN IMMEDIATE, see `engine.py`). Threads that find it taken wait in SQLite's
        # busy handler, which sleeps 1, 2, 5, ... up to 100 ms between tries: the lock then
        # stands free while they sleep, and a caller's wait grew to seconds under load.
        # Queueing this process's transactions on a lock of our own hands the database
        # over as soon as one commits; the busy handler is left to other processes (a
        # `moph-connect worker` beside `serve`).
        self._one_at_a_time: AbstractContextManager[object] = (
            threading.RLock() if engine.dialect.name == "sqlite" else nullcontext()
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Commit if the block succeeds, roll back if it raises."""
        with self._one_at_a_time:
            session = self._sessions()
            try:
                yield session
                session.commit()
                steps: list[AfterCommit] = session.info.pop(_AFTER_COMMIT, [])
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()
            for step in steps:
                try:
                    step(self.engine)
                except Exception:
                    log.exception("a step after a commit failed")

    def dispose(self) -> None:
        self.engine.dispose()
