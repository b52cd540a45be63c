"""The dispatcher: moves due outbox rows to LINE, at LINE's rate, most urgent first.

A pipeline in one event loop:

    claim (DB, lease) → reserve send slots (DB, shared GCRA) → send (HTTP) → record (DB)

The claimer keeps at most `2 × batch` claimed messages waiting to be sent, so a queue card
planned during a million-reminder burst waits behind at most that many already-claimed reminders (a
fraction of a second at 2,000/s), never behind the burst itself. Database calls run in
worker threads so that sends keep flowing while a batch is claimed or recorded. Sends
happen outside any transaction; a worker that dies leaves leased rows that another takes
up when the lease expires, and LINE's `X-Line-Retry-Key` (the same UUID on every attempt)
turns a resend of an already-delivered message into a harmless 409.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from moph_connect.clock import Clock
from moph_connect.db.uow import Database
from moph_connect.line.port import MessageSender, SendOutcome
from moph_connect.metrics.dispatch import DISPATCH
from moph_connect.outbox.outcomes import Backoff, Result, delivery_verdict, sort_outcomes
from moph_connect.outbox.pacing import Lane
from moph_connect.outbox.repository import (
    ChannelStateRepository,
    OutboxRepository,
    RateLimitRepository,
)
from moph_connect.outbox.types import ClaimedMessage
from moph_connect.scheduling.rules import Delivery
from moph_connect.settings import default

log = logging.getLogger(__name__)

# A reply token is valid for about a minute; after that we push instead.
REPLY_TOKEN_LIFETIME = timedelta(seconds=50)


@dataclass(frozen=True)
class DispatcherConfig:
    # Defaults are the settings' (worker.dispatcher_config maps the rest of them).
    rate_per_second: float = default("line_rate_per_second")
    batch_size: int = default("dispatcher_batch_size")
    concurrency: int = default("dispatcher_concurrency")
    poll_seconds: float = default("dispatcher_poll_seconds")
    lease_seconds: float = default("dispatcher_lease_seconds")
    max_attempts: int = default("dispatcher_max_attempts")
    channel_pause_seconds: float = 60.0
    backoff_base_seconds: float = 1.0
    backoff_cap_seconds: float = 300.0


class Dispatcher:
    def __init__(
        self,
        database: Database,
        sender: MessageSender,
        clock: Clock,
        config: DispatcherConfig,
        *,
        owner: str | None = None,
    ) -> None:
        self.database = database
        self.sender = sender
        self.clock = clock
        self.config = config
        self.owner = owner or f"worker-{uuid.uuid4().hex[:12]}"
        self._interval = 1.0 / config.rate_per_second
        self._refill_at = 2 * config.batch_size - config.batch_size // 4
        self._lanes: dict[str, Lane[ClaimedMessage]] = {}
        self._lane_runners: dict[str, asyncio.Task[None]] = {}
        self._ready: asyncio.Queue[ClaimedMessage] = asyncio.Queue()
        self._inflight = 0  # claimed and not yet recorded
        self._unanswered = 0  # claimed and no outcome yet
        self._all_answered = asyncio.Event()
        self._results: list[Result] = []
        self._results_ready = asyncio.Event()
        self._capacity_freed = asyncio.Event()
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._workers: list[asyncio.Task[None]] = []
        self._held: set[int] = set()  # claimed and not yet recorded: leases to renew
        self.sent_count = 0
        # Counted for /metrics; `_responses` is only ever written by this loop.
        self.metrics = DISPATCH.tally()
        self._responses = self.metrics.responses

    # -- control ---------------------------------------------------------------------

    def wake(self) -> None:
        """Look for due messages now (callable from any thread, e.g. after an API call)."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self, stop: asyncio.Event) -> None:
        self._open()
        recorder = asyncio.create_task(self._record_loop(stop))
        renewer = asyncio.create_task(self._renew_loop())
        try:
            await self._claim_loop(stop)
        finally:
            await self._finish_inflight()
            await recorder
            renewer.cancel()
            await asyncio.gather(renewer, return_exceptions=True)
            await self._close()

    async def drain(self) -> int:
        """Send everything due now and record it; return how many went out. For tests,
        the demo and one-shot runs: no background loops, same code path."""
        self._open()
        total = 0
        try:
            while True:
                claimed = await self._claim_and_start()
                if not claimed:
                    break
                await self._finish_inflight()
                total += claimed
        finally:
            await self._close()
        return total

    def _open(self) -> None:
        """Start the senders on the running loop: `concurrency` coroutines, each taking
        the next message the lanes release, so that at most that many pushes are open."""
        self._loop = asyncio.get_running_loop()
        # Made here, not in __init__: asyncio's queues and events belong to one loop, and
        # tests and one-shot runs may use the same dispatcher from several.
        self._ready = asyncio.Queue()
        self._all_answered = asyncio.Event()
        self._results_ready = asyncio.Event()
        self._capacity_freed = asyncio.Event()
        self._wake = asyncio.Event()
        self._workers = [
            asyncio.create_task(self._sender_loop()) for _ in range(self.config.concurrency)
        ]

    async def _close(self) -> None:
        workers = self._workers + list(self._lane_runners.values())
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        self._workers = []
        self._lanes.clear()
        self._lane_runners.clear()
        self._loop = None

    # -- the pipeline ----------------------------------------------------------------

    async def _claim_loop(self, stop: asyncio.Event) -> None:
        # Claiming is paced by what still waits to be sent (at most two batches, so an
        # urgent message claimed next waits behind no more than that), not by what is
        # sent but not yet recorded: recording runs beside sending and must not starve it.
        # Unrecorded rows are bounded too, in case recording falls behind.
        batch = self.config.batch_size
        while not stop.is_set():
            if self._unanswered >= self._refill_at or self._inflight >= 4 * batch:
                self._capacity_freed.clear()
                await _wait_any(stop, self._capacity_freed, timeout=self.config.poll_seconds)
                continue
            try:
                claimed = await self._claim_and_start(2 * batch - self._unanswered)
            except Exception:
                log.exception("claiming due messages failed; trying again")
                await _wait_any(stop, timeout=1.0)
                continue
            if claimed == 0:
                self._wake.clear()
                await _wait_any(stop, self._wake, timeout=self.config.poll_seconds)

    async def _claim_and_start(self, limit: int | None = None) -> int:
        now = self.clock.now()
        batch = await asyncio.to_thread(
            self._claim, now, min(limit or self.config.batch_size, self.config.batch_size)
        )
        if not batch:
            return 0
        self._inflight += len(batch)
        self._unanswered += len(batch)
        self._all_answered.clear()
        by_channel: dict[str, list[ClaimedMessage]] = defaultdict(list)
        for message in batch:
            self._held.add(message.id)
            verdict = delivery_verdict(message, now)
            if verdict is not None and verdict.action != "send":
                self._answer(Result(message, None, verdict))  # held back: no slot spent
            else:
                by_channel[message.environment].append(message)
        for channel, messages in by_channel.items():
            try:
                first_slot = await asyncio.to_thread(self._reserve, channel, len(messages))
            except Exception:
                log.exception("booking send slots failed; giving %d rows back", len(messages))
                retry_at = now + timedelta(seconds=1)
                for message in messages:
                    hold = Delivery("hold", "no send slot could be booked", retry_at)
                    self._answer(Result(message, None, hold))
                continue
            lane = self._lane(channel)
            for index, message in enumerate(messages):
                lane.add(first_slot + index * self._interval, message)
        return len(batch)

    def _lane(self, channel: str) -> Lane[ClaimedMessage]:
        lane = self._lanes.get(channel)
        if lane is None:
            lane = self._lanes[channel] = Lane(self._interval, self._ready.put_nowait)
            self._lane_runners[channel] = asyncio.create_task(lane.run())
        return lane

    async def _sender_loop(self) -> None:
        while True:
            message = await self._ready.get()
            spent = False
            try:
                outcome, spent = await self._send_one(message)
            except Exception as error:  # never lose track of a claimed row
                log.exception("sending message %s failed unexpectedly", message.id)
                outcome = SendOutcome("retry", detail=f"internal error: {error!r}")
                self._responses[message.environment, "error"] += 1
            self._answer(Result(message, outcome, reply_token_spent=spent))

    async def _send_one(self, message: ClaimedMessage) -> tuple[SendOutcome, bool]:
        """Reply while the row's reply token is fresh (replies are free), else push with
        the row's retry key. Also says whether LINE refused the reply token, so that
        later attempts go by push.

        A reply has no retry key: when one times out, LINE may or may not have shown it.
        Later attempts therefore reply again with the same token while it is fresh; LINE
        then either shows it (the first never arrived) or refuses the token, which after
        such an attempt means the first did arrive: recorded as delivered, not pushed a
        second time. Only a token refused on the first attempt (or too old) leads to a
        push.
        """
        fresh = self.clock.now() - message.created_at < REPLY_TOKEN_LIFETIME
        if message.reply_token and fresh:
            outcome = await self.sender.reply(
                message.environment, message.reply_token, message.payload
            )
            if outcome.answer is not None:
                self._responses[message.environment, outcome.answer] += 1
            if outcome.status != "rejected":
                return outcome, False
            if message.attempts > 1:
                used = "the reply token was used: an earlier attempt that timed out arrived"
                return SendOutcome("duplicate", detail=used), False
            # An expired or used reply token: the message still goes, by push.
        push = await self.sender.push(
            message.environment, message.line_user_id, message.payload, message.retry_key
        )
        if push.answer is not None:
            self._responses[message.environment, push.answer] += 1
        return push, message.reply_token is not None

    def _answer(self, result: Result) -> None:
        self._results.append(result)
        if len(self._results) >= self.config.batch_size // 2:
            self._results_ready.set()
        self._unanswered -= 1
        if self._unanswered == 0:
            self._all_answered.set()
        if self._unanswered == self._refill_at - 1:
            self._capacity_freed.set()

    async def _record_loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set() or self._inflight:
            self._results_ready.clear()
            await _wait_any(self._results_ready, timeout=0.05)
            await self._flush()

    async def _flush(self) -> None:
        if not self._results:
            return
        results, self._results = self._results, []
        try:
            await asyncio.to_thread(self._record, results)
        except Exception:
            log.exception("recording %d outcomes failed; their leases will expire", len(results))
        self._inflight -= len(results)
        self._held.difference_update(result.message.id for result in results)
        self._capacity_freed.set()

    async def _finish_inflight(self) -> None:
        """Wait until every claimed message has its outcome (sent at its slot), then
        record what is left."""
        while self._unanswered:
            await self._all_answered.wait()
        await self._flush()

    async def _renew_loop(self) -> None:
        """Leases count from the claim; rows may wait longer than that for a slot or a slow
        LINE. Renewing them keeps them ours, so they are not claimed and pushed again."""
        while True:
            await asyncio.sleep(self.config.lease_seconds / 3)
            if self._held:
                try:
                    await asyncio.to_thread(self._renew, list(self._held))
                except Exception:
                    log.exception("renewing %d leases failed", len(self._held))

    # -- database steps (run in threads) ---------------------------------------------

    def _renew(self, ids: list[int]) -> None:
        until = self.clock.now() + timedelta(seconds=self.config.lease_seconds)
        with self.database.transaction() as session:
            OutboxRepository(session).renew(self.owner, ids, until)

    def _claim(self, now: datetime, limit: int) -> list[ClaimedMessage]:
        with self.database.transaction() as session:
            return OutboxRepository(session).claim(
                self.owner, now, timedelta(seconds=self.config.lease_seconds), limit
            )

    def _reserve(self, channel: str, count: int) -> float:
        with self.database.transaction() as session:
            first: float = RateLimitRepository(session).reserve(
                channel, count, self._interval, time.time()
            )
            return first

    def _record(self, results: list[Result]) -> None:
        now = self.clock.now()
        backoff = Backoff(self.config.backoff_base_seconds, self.config.backoff_cap_seconds)
        out = sort_outcomes(results, now, self.config.max_attempts, backoff)
        with self.database.transaction() as session:
            outbox = OutboxRepository(session)
            outbox.mark_sent(self.owner, out.sent, now)
            outbox.mark_retry(self.owner, out.retries)
            outbox.mark_failed(self.owner, out.failures)
            outbox.release(self.owner, out.released)
            outbox.forget_reply_tokens(self.owner, out.spent_reply_tokens)
            outbox.record_steps(out.steps, now)
            for channel in out.rate_limited:
                RateLimitRepository(session).back_off(channel, time.time(), 1.0)
            for channel, detail in out.unauthorized.items():
                until = now + timedelta(seconds=self.config.channel_pause_seconds)
                ChannelStateRepository(session).pause(channel, until, detail, now)
        self.sent_count += len(out.sent)
        self.metrics.observe_send_delays(out.sent_delays)
        for channel, detail in out.unauthorized.items():
            log.critical(
                "LINE refused the access token of channel %r (%s): sending on it is paused "
                "for %.0f s; messages stay pending. Check the channel access token.",
                channel,
                detail,
                self.config.channel_pause_seconds,
            )
        if out.failures:
            log.warning(
                "%d message(s) failed permanently, e.g. %s",
                len(out.failures),
                out.failures[0].error,
            )


async def _wait_any(*events: asyncio.Event, timeout: float) -> None:  # noqa: ASYNC109
    """Wait until one of `events` is set or `timeout` passes."""
    waiters = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
