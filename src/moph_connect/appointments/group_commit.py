"""Group commit: concurrent single hospital calls of one process served together.

A single call (`/queue`, `/schedule`, `/notify`, `/alert`) costs a thread hop, a BEGIN and a
COMMIT of its own besides its statements; at the midnight run's rate those were a sixth of
its CPU (BENCHMARKS.md). Calls that arrive while a chunk of calls runs form the next chunk,
up to `api_calls_per_transaction`: one thread hop and one transaction for all of them, as
the batch endpoint does for its items (batch.py). Nothing waits to be grouped: a call that
finds no chunk running starts one at once, so a lone call goes as fast as before.

In a chunk each call runs exactly what its own admission's transaction would
(`admission.admitted_and_served_in`), one after the other, without savepoints (a savepoint
per call cost PostgreSQL as much as the commit it saves). A call that fails, or is over its
hospital's rate, is taken out: the chunk is rolled back and run again without it, each call
at the same `now` as before, and the call then goes its own way (`admission.
admitted_and_served`), which counts it, records its refusal and holds it for its turn as it
always did. What cannot be pinned on one call (a unique constraint met by two identical
calls racing, a commit that fails), or a chunk that keeps losing calls, sends every call of
the chunk its own way. Only the last run commits, so nothing is counted, charged, recorded
or enqueued twice.

`GroupCommit` (the queue of calls and the tasks that run chunks) knows nothing of the
database: it is handed the function that runs one chunk in a thread (`run_chunk` below).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Final, Protocol, TypeVar, cast

import anyio
from anyio import to_thread
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from moph_connect.appointments import admission
from moph_connect.environments import Environment
from moph_connect.hospitals.authentication import AuthenticatedHospital
from moph_connect.networks import IPAddress
from moph_connect.runtime import Runtime
from moph_connect.sandbox.recording import CallNote

log = logging.getLogger(__name__)

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
# One call's work in the chunk's transaction, at its `now`: its answer, or None when it
# is to go its own way (over its hospital's rate).
Work = Callable[[Session, datetime], object]
RunChunk = Callable[[Sequence[Work]], Sequence[object]]


class Serve(Protocol[T_co]):
    """A call's work once admitted, at the caller's `now` (or its own, when None)."""

    def __call__(
        self, session: Session, hospital: AuthenticatedHospital, now: datetime | None = None
    ) -> T_co: ...


class _Alone:
    """The outcome of a call to be served on its own path."""


ALONE: Final = _Alone()
# Runs of one chunk, each after one more call was taken out, before every call of it goes
# its own way (a chunk with that many refusals is no longer the common case).
RUNS: Final = 4
# Chunks running at once, per database. SQLite has one writer: a second chunk would only
# wait for the first one's lock. On PostgreSQL two chunks measured within the noise of one
# (BENCHMARKS.md, "Group commit"): the calls of one hospital meet on its row of the day's
# count anyway, and chunks of several hospitals would lock their rows in any order (a
# deadlock is then one call taken out, and a chunk run again). One, until it measures.
CHUNKS_AT_ONCE: Final = {"sqlite": 1, "postgresql": 1}


class GroupCommit:
    """The calls waiting for a chunk, and the tasks (at most `chunks_at_once`) that run
    them `size` at a time in a thread, until none is left."""

    def __init__(self, run_chunk: RunChunk, *, size: int, chunks_at_once: int = 1) -> None:
        self._run_chunk = run_chunk
        self.size = size
        self._chunks_at_once = chunks_at_once
        self._waiting: list[tuple[Work, asyncio.Future[object]]] = []
        self._runners: set[asyncio.Task[None]] = set()

    async def served(self, work: Work, alone: Callable[[], Awaitable[T]]) -> T:
        """The call's answer from a chunk (`work`), or from `alone()`, its own path."""
        if self.size <= 1:
            return await alone()
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[object] = loop.create_future()
        self._waiting.append((work, answer))
        if len(self._runners) < self._chunks_at_once:
            runner = loop.create_task(self._run())
            self._runners.add(runner)
            runner.add_done_callback(self._runners.discard)
        # Shielded: a caller that goes away leaves its chunk to run and commit (its call is
        # then served, as a thread already running it would be; one taken out is not).
        outcome = await asyncio.shield(answer)
        if outcome is ALONE:
            return await alone()
        return cast(T, outcome)

    async def _run(self) -> None:
        while self._waiting:
            chunk = self._waiting[: self.size]
            del self._waiting[: self.size]
            try:
                # A chunk, once taken, runs to its end and answers its calls, even when
                # the task is cancelled meanwhile (a shutdown): its work may have committed.
                with anyio.CancelScope(shield=True):
                    outcomes = await self._outcomes([work for work, _ in chunk])
                for (_, answer), outcome in zip(chunk, outcomes, strict=True):
                    if not answer.done():
                        answer.set_result(outcome)
            finally:  # never a caller left waiting (a runner that broke its contract)
                for _, answer in chunk:
                    if not answer.done():
                        answer.set_exception(RuntimeError("a chunk left a call unanswered"))

    async def _outcomes(self, works: Sequence[Work]) -> Sequence[object]:
        try:
            return await to_thread.run_sync(self._run_chunk, works)
        except Exception:
            # run_chunk raises only before its commit: nothing of the chunk was written.
            log.exception("a chunk of calls failed; each call is served on its own")
            return [ALONE] * len(works)

    async def aclose(self) -> None:
        """Wait until every call taken is answered (at shutdown: no chunk is left running)."""
        while self._runners:
            await asyncio.gather(*self._runners, return_exceptions=True)


class _TakenOut(Exception):
    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


def _run_once(
    runtime: Runtime, works: Sequence[Work], nows: Sequence[datetime], live: Sequence[int]
) -> dict[int, object]:
    """The `live` calls in one transaction, committed when none is taken out."""
    answers: dict[int, object] = {}
    with runtime.database.transaction() as session:
        for index in live:
            try:
                answer = works[index](session, nows[index])
                # Its writes where the next call's reads see them (autoflush is off).
                session.flush()
            except IntegrityError:
                raise  # two identical calls racing: which one is to blame is unknown
            except Exception as error:
                raise _TakenOut(index) from error
            if answer is None:
                raise _TakenOut(index)
            answers[index] = answer
    return answers


def run_chunk(runtime: Runtime, works: Sequence[Work]) -> list[object]:
    """Each call's answer, or ALONE for a call to be served on its own path."""
    nows = [runtime.clock.now() for _ in works]  # each call's one time, for every run
    taken_out: set[int] = set()
    for _run in range(RUNS):
        live = [index for index in range(len(works)) if index not in taken_out]
        if not live:
            break
        try:
            answers = _run_once(runtime, works, nows, live)
        except _TakenOut as taken:
            taken_out.add(taken.index)
            continue
        except Exception:
            break  # not one call's: a constraint two calls met, or the commit failed
        runtime.wake_dispatcher()
        return [answers.get(index, ALONE) for index in range(len(works))]
    return [ALONE] * len(works)


def for_runtime(runtime: Runtime) -> GroupCommit:
    def run(works: Sequence[Work]) -> list[object]:
        return run_chunk(runtime, works)

    return GroupCommit(
        run,
        size=runtime.settings.api_calls_per_transaction,
        chunks_at_once=CHUNKS_AT_ONCE.get(runtime.database.dialect, 1),
    )


async def admitted_and_served(
    runtime: Runtime,
    environment: Environment,
    authenticate: admission.Authenticate,
    client: IPAddress | None,
    serve: Serve[T],
    serve_alone: Callable[[AuthenticatedHospital], T],
    note: CallNote | None = None,
) -> T:
    """`admission.admitted_and_served`, in a chunk with the calls of the moment when the
    app runs a group commit (`runtime.group_commit`, set up by api/app.py)."""

    def alone() -> Awaitable[T]:
        return admission.admitted_and_served(
            runtime, environment, authenticate, client, serve, serve_alone, note
        )

    def work(session: Session, now: datetime) -> T | None:
        return admission.admitted_and_served_in(
            session, runtime, environment, authenticate, serve, note, now
        )

    if runtime.group_commit is None:
        return await alone()
    return await runtime.group_commit.served(work, alone)
