"""Outbox queries: planning rows, claiming due ones under a lease, recording outcomes.

Claims are single `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING`
statements: on PostgreSQL several workers claim disjoint rows without waiting on each
other; on SQLite the statement runs under the database's single write lock.
Every outcome update is guarded by `lease_owner` and `status = 'sending'`, so a worker
whose lease expired cannot overwrite what the worker that took the row over recorded.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    String,
    Table,
    and_,
    any_,
    bindparam,
    cast,
    exists,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import Grouping

from moph_connect.db.models import (
    Appointment,
    ChannelState,
    OutboxMessage,
    OutboxPayload,
    RateLimit,
    UTCDateTime,
)
from moph_connect.outbox.types import ClaimedMessage, Failure, NewMessage, Retry, Step

outbox: Table = OutboxMessage.__table__  # type: ignore[assignment]
payloads_table: Table = OutboxPayload.__table__  # type: ignore[assignment]
channel_states: Table = ChannelState.__table__  # type: ignore[assignment]
rate_limits: Table = RateLimit.__table__  # type: ignore[assignment]


# PostgreSQL: the rows' ids RETURNING in the parameters' order, then their payloads (one
# multi-row INSERT each, by psycopg's insertmanyvalues). One data-modifying CTE doing both
# saved a round trip but cost more than it saved: 2 ms more client CPU per call (a
# statement SQLAlchemy compiled anew each time) and three times the server's CPU per
# batch item (measured, BENCHMARKS.md "Hot-path shortcuts").
_INSERT_RETURNING_ID = insert(outbox).returning(outbox.c.id, sort_by_parameter_order=True)
_INSERT_PAYLOADS = insert(payloads_table)


# SQLite has no data-modifying CTE, and its driver answers an INSERT ... RETURNING of many
# rows one row at a time (one statement each). There the rows go in one executemany, and
# their payloads find them by dedup key from one JSON array of [dedup_key, payload] pairs
# (tried on PostgreSQL too: less client CPU, more of the server's, fewer calls/s).
_INSERT_ROWS = insert(outbox)
_INSERT_PAYLOADS_BY_KEY = text(
    "INSERT INTO outbox_payloads (message_id, payload)"
    " SELECT message.id, json_extract(item.value, '$[1]')"
    " FROM json_each(:rows) AS item"
    " JOIN outbox_messages AS message ON message.dedup_key = json_extract(item.value, '$[0]')"
)
# The steps of a batch as one JSON array of [message_id, attempt, outcome, line_status,
# request_id, detail] rows, unpacked by the database: one parameter, whatever the size.
# Joined to their rows: a row deleted meanwhile (retention) loses its step rather than
# failing the foreign key, which would roll back the whole batch's outcomes.
_STEPS_FROM_JSON_PG = text(
    "INSERT INTO outbox_attempts"
    " (message_id, at, attempt, outcome, line_status, line_request_id, detail)"
    " SELECT message.id, :at, (step.value ->> 1)::integer, step.value ->> 2,"
    " step.value ->> 3, step.value ->> 4, step.value ->> 5"
    " FROM json_array_elements(CAST(:rows AS json)) AS step(value)"
    " JOIN outbox_messages AS message ON message.id = (step.value ->> 0)::bigint"
).bindparams(bindparam("at", type_=UTCDateTime()), bindparam("rows", type_=String))
_STEPS_FROM_JSON = text(
    "INSERT INTO outbox_attempts"
    " (message_id, at, attempt, outcome, line_status, line_request_id, detail)"
    " SELECT message.id, :at, json_extract(step.value, '$[1]'),"
    " json_extract(step.value, '$[2]'), json_extract(step.value, '$[3]'),"
    " json_extract(step.value, '$[4]'), json_extract(step.value, '$[5]')"
    " FROM json_each(:rows) AS step"
    " JOIN outbox_messages AS message ON message.id = json_extract(step.value, '$[0]')"
).bindparams(bindparam("at", type_=UTCDateTime()), bindparam("rows", type_=String))

OPEN_STATUSES = ("pending", "sending")
PRIORITIES = (0, 1, 2)


def claimable(columns: Any, now: datetime, dialect: str) -> list[ColumnElement[bool]]:
    """The rows a claim could take now, as the claim looks for them, for counts of them
    (the due backlog on /metrics and the console): literal open statuses (the claim
    index's predicate: with bound parameters SQLite cannot prove that partial index
    applies) and, on SQLite, a range of `available_at` per priority (the index's first
    column). Without the priorities SQLite, which has no statistics, prefers to read a
    whole index that starts with the environment (to spare a GROUP BY environment its
    sort): every row for a backlog of a few. PostgreSQL reads the claim index either
    way, but with the priorities plans a parallel scan that takes ten times as long
    (BENCHMARKS.md, "Console overview at scale")."""
    conditions = [
        columns.status.in_(bindparam("open", OPEN_STATUSES, expanding=True, literal_execute=True)),
        columns.available_at <= now,
    ]
    if dialect == "sqlite":
        conditions.append(
            columns.priority.in_(
                bindparam("priorities", PRIORITIES, expanding=True, literal_execute=True)
            )
        )
    return conditions


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- planning -----------------------------------------------------------------------

    def enqueue(self, messages: Sequence[NewMessage], now: datetime) -> None:
        """Plan `messages`: the one way into the outbox. Two set-based statements (the
        rows, then their payloads) whatever their number; each row gets its own retry key,
        created once and sent on every attempt (LINE answers 409 to a resend it took). A
        dedup key planned before raises IntegrityError (the caller's transaction retries)."""
        if not messages:
            return
        rows = [
            {
                "environment": message.environment,
                "appointment_id": message.appointment_id,
                "appointment_date": message.appointment_date,
                "line_user_id": message.line_user_id,
                "kind": message.kind,
                "priority": message.priority,
                "dedup_key": message.dedup_key,
                "reply_token": message.reply_token,
                "status": "pending",
                "due_at": message.due_at,
                "available_at": message.due_at,
                "attempts": 0,
                "retry_key": str(uuid.uuid4()),
                "created_at": now,
            }
            for message in messages
        ]
        # On the transaction's connection: the ORM session's execute adds nothing here.
        connection = self.session.connection()
        if connection.dialect.name == "sqlite":
            connection.execute(_INSERT_ROWS, rows)
            pairs = orjson.dumps([[message.dedup_key, message.payload] for message in messages])
            connection.execute(_INSERT_PAYLOADS_BY_KEY, {"rows": pairs.decode("utf-8")})
            return
        ids: list[int] = list(connection.execute(_INSERT_RETURNING_ID, rows).scalars())
        connection.execute(
            _INSERT_PAYLOADS,
            [
                {"message_id": message_id, "payload": message.payload}
                for message_id, message in zip(ids, messages, strict=True)
            ],
        )

    def count_for_patient_since(self, hospital_id: str, regist_id: str, since: datetime) -> int:
        """Messages planned since `since` for one patient's appointments at one hospital."""
        count = self.session.execute(
            select(func.count(OutboxMessage.id))
            .join(Appointment, Appointment.id == OutboxMessage.appointment_id)
            .where(
                Appointment.regist_id == regist_id,
                Appointment.hospital_id == hospital_id,
                OutboxMessage.created_at >= since,
            )
        ).scalar_one()
        return int(count)

    def dedup_keys_present(self, keys: Iterable[str]) -> set[str]:
        keys = list(keys)
        if not keys:
            return set()
        rows = self.session.scalars(
            select(OutboxMessage.dedup_key).where(OutboxMessage.dedup_key.in_(keys))
        )
        return set(rows)

    def for_appointment(self, appointment_id: str) -> Sequence[OutboxMessage]:
        return self.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.appointment_id == appointment_id)
            .order_by(OutboxMessage.due_at, OutboxMessage.id)
            # Bulk updates above (cancellations) bypass the identity map: reload.
            .execution_options(populate_existing=True)
        ).all()

    def cancel_open_for_user(self, environment: str, line_user_id: str, reason: str) -> int:
        result = self.session.execute(
            update(outbox)
            .where(
                outbox.c.environment == environment,
                outbox.c.line_user_id == line_user_id,
                outbox.c.status == "pending",
            )
            .values(status="cancelled", last_error=reason)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def cancel_pending(
        self,
        appointment_id: str,
        kinds: Iterable[str],
        reason: str,
        *,
        release_dedup_keys: bool = False,
    ) -> set[int]:
        """The ids of the rows cancelled. `release_dedup_keys`: the cancelled rows give up
        their dedup keys (each gets its id appended), so that the same messages can be
        planned again later: an appointment moved away from a day may come back to it.
        Otherwise a cancelled row keeps its key and blocks its message from being planned
        again (a reminder cancelled because the patient was already called must stay so)."""
        kinds = list(kinds)
        if not kinds:
            return set()
        values: dict[str, Any] = {"status": "cancelled", "last_error": reason}
        if release_dedup_keys:
            values["dedup_key"] = outbox.c.dedup_key + ":released:" + cast(outbox.c.id, String)
        result = self.session.execute(
            update(outbox)
            .where(
                outbox.c.appointment_id == appointment_id,
                outbox.c.kind.in_(kinds),
                outbox.c.status == "pending",
            )
            .values(**values)
            .returning(outbox.c.id)
        )
        return set(result.scalars())

    # -- dispatching ----------------------------------------------------------------------

    def claim(
        self,
        owner: str,
        now: datetime,
        lease: timedelta,
        limit: int,
    ) -> list[ClaimedMessage]:
        """Lease up to `limit` due rows, most urgent priority first, skipping channels
        that are paused (LINE refused their token) until `paused_until`."""
        channel_paused = exists().where(
            channel_states.c.channel == outbox.c.environment,
            channel_states.c.paused_until > now,
        )
        # The payload comes from its own table in the same statement (a correlated
        # subquery in RETURNING, which both databases allow), not by a second query
        # naming every claimed id. A row planned without one (none is) would go as no
        # message at all: LINE refuses that (400), and the row is recorded failed.
        payload = func.coalesce(
            select(payloads_table.c.payload)
            .where(payloads_table.c.message_id == outbox.c.id)
            .scalar_subquery(),
            "[]",
        )
        claimed: list[ClaimedMessage] = []
        for priority in PRIORITIES:
            remaining = limit - len(claimed)
            if remaining <= 0:
                break
            conditions = [
                # Rendered as literals, as in the partial index's predicate: with bound
                # parameters SQLite cannot prove the index applies and scans the outbox.
                outbox.c.status.in_(
                    bindparam("open", OPEN_STATUSES, expanding=True, literal_execute=True)
                ),
                outbox.c.priority == priority,
                outbox.c.available_at <= now,
            ]
            # In the claim itself rather than a query before it: one round trip less.
            conditions.append(~channel_paused)
            due = (
                select(outbox.c.id)
                .where(*conditions)
                .order_by(outbox.c.available_at)
                .limit(remaining)
                .with_for_update(skip_locked=True)
            )
            statement = (
                update(outbox)
                .where(outbox.c.id.in_(due.scalar_subquery()))
                .values(
                    status="sending",
                    lease_owner=owner,
                    available_at=now + lease,
                    attempts=outbox.c.attempts + 1,
                )
                .returning(
                    outbox.c.id,
                    outbox.c.environment,
                    outbox.c.line_user_id,
                    outbox.c.kind,
                    payload,
                    outbox.c.retry_key,
                    outbox.c.reply_token,
                    outbox.c.attempts,
                    outbox.c.due_at,
                    outbox.c.appointment_date,
                    outbox.c.created_at,
                )
            )
            # Positional, in `ClaimedMessage`'s order: by name costs a lookup per field.
            rows: Sequence[tuple[Any, ...]] = self.session.execute(statement).all()
            claimed.extend(ClaimedMessage(*row) for row in rows)
        return claimed

    def renew(self, owner: str, ids: Sequence[int], until: datetime) -> None:
        """Extend the lease of rows this worker still holds (waiting for a send slot or a
        slow LINE), so that no claim, its own included, takes them back meanwhile.

        Rows locked at that moment (the recorder is writing their outcome) are skipped
        rather than waited for: two multi-row UPDATEs locking overlapping rows in
        different orders can deadlock on PostgreSQL, and the recorder must never be the
        one aborted (its rows would stay leased and be pushed again when the lease ends).
        """
        if ids:
            held = (
                select(outbox.c.id)
                .where(
                    outbox.c.id.in_(ids),
                    outbox.c.lease_owner == owner,
                    outbox.c.status == "sending",
                )
                .with_for_update(skip_locked=True)
            )
            self.session.execute(
                update(outbox)
                .where(outbox.c.id.in_(held.scalar_subquery()))
                .values(available_at=until)
            )

    def _guarded_update(
        self, owner: str, values: dict[str, Any], params: list[dict[str, Any]]
    ) -> None:
        if not params:
            return
        statement = (
            update(outbox)
            .where(
                and_(
                    outbox.c.id == bindparam("b_id"),
                    outbox.c.lease_owner == owner,
                    outbox.c.status == "sending",
                )
            )
            .values(**values)
        )
        self.session.connection().execute(statement, params)

    def mark_sent(self, owner: str, sent: Sequence[tuple[int, str | None]], now: datetime) -> None:
        if sent and self.session.get_bind().dialect.name == "postgresql":
            # The hot path of a burst: one statement for the batch costs the worker a
            # fraction of one UPDATE per row, even pipelined. Rows are found by primary
            # key (`id = ANY(…)`), not by joining an unnest(): with the few `sending` rows
            # that statistics usually show, the planner drove such a join from an index on
            # `status` and compared every pair (400 × 800 comparisons per batch, 40 ms).
            ids = bindparam("ids", [message_id for message_id, _ in sent], type_=ARRAY(BigInteger))
            request_ids = bindparam(
                "request_ids", [request_id for _, request_id in sent], type_=ARRAY(String)
            )
            self.session.execute(
                update(outbox)
                .where(
                    outbox.c.id == any_(ids),
                    outbox.c.lease_owner == owner,
                    outbox.c.status == "sending",
                )
                .values(
                    status="sent",
                    sent_at=now,
                    line_request_id=Grouping(request_ids)[func.array_position(ids, outbox.c.id)],
                )
            )
            return
        self._guarded_update(
            owner,
            {"status": "sent", "sent_at": now, "line_request_id": bindparam("b_request_id")},
            [{"b_id": message_id, "b_request_id": request_id} for message_id, request_id in sent],
        )

    def mark_retry(self, owner: str, retries: Sequence[Retry]) -> None:
        self._guarded_update(
            owner,
            {
                "status": "pending",
                "available_at": bindparam("b_available_at"),
                "last_error": bindparam("b_error"),
            },
            [
                {"b_id": r.id, "b_available_at": r.available_at, "b_error": r.error[:1000]}
                for r in retries
            ],
        )

    def release(self, owner: str, releases: Sequence[Retry]) -> None:
        """Give rows back unsent (channel paused, or held by the timing rules) until
        `available_at`: no attempt was made, so none is counted."""
        self._guarded_update(
            owner,
            {
                "status": "pending",
                "available_at": bindparam("b_available_at"),
                "attempts": outbox.c.attempts - 1,
                "last_error": bindparam("b_error"),
            },
            [
                {"b_id": r.id, "b_available_at": r.available_at, "b_error": r.error[:1000]}
                for r in releases
            ],
        )

    def forget_reply_tokens(self, owner: str, ids: Sequence[int]) -> None:
        """LINE refused these rows' reply tokens: their next attempts push."""
        if ids:
            self.session.execute(
                update(outbox)
                .where(outbox.c.id.in_(ids), outbox.c.lease_owner == owner)
                .values(reply_token=None)
            )

    def record_steps(self, steps: Sequence[Step], now: datetime) -> None:
        """The batch's timeline lines, as one INSERT … SELECT over the whole batch passed
        as one JSON value (json_array_elements on PostgreSQL, json_each on SQLite). Not a
        multi-row VALUES list (compiling one with 7 parameters a row, new for every batch
        size, cost the worker ~140 µs a row), nor an executemany (each row's parameters
        typed one by one: ~33 µs a row on SQLite), nor arrays (psycopg quotes each text
        element in Python)."""
        if not steps:
            return
        rows = json.dumps(
            [
                [
                    s.message_id,
                    s.attempt,
                    s.outcome,
                    s.line_status,
                    s.request_id,
                    s.detail[:300] or None,
                ]
                for s in steps
            ]
        )
        postgres = self.session.get_bind().dialect.name == "postgresql"
        statement = _STEPS_FROM_JSON_PG if postgres else _STEPS_FROM_JSON
        self.session.execute(statement, {"at": now, "rows": rows})

    def mark_failed(self, owner: str, failures: Sequence[Failure]) -> None:
        self._guarded_update(
            owner,
            {"status": "failed", "last_error": bindparam("b_error")},
            [{"b_id": f.id, "b_error": f.error[:1000]} for f in failures],
        )


class RateLimitRepository:
    """A GCRA per channel in one row, so the rate holds across every worker process."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _greatest(self, a: Any, b: Any) -> Any:
        if self.session.get_bind().dialect.name == "sqlite":
            return func.max(a, b)
        return func.greatest(a, b)

    def _ensure(self, channel: str) -> None:
        # Two workers may meet a new channel at once: insert-if-absent, never fail.
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        self.session.execute(
            insert(rate_limits).values(channel=channel, tat=0.0).on_conflict_do_nothing()
        )

    def reserve(self, channel: str, count: int, interval: float, now: float) -> float:
        """Book `count` consecutive send slots; return the epoch second of the first.

        Slot i is then `first + i * interval`. Reservations never start before `now`, so an
        idle channel does not bank credit for a later burst.
        """
        statement = (
            update(rate_limits)
            .where(rate_limits.c.channel == channel)
            .values(tat=self._greatest(rate_limits.c.tat, now) + count * interval)
            .returning(rate_limits.c.tat)
        )
        tat: float | None = self.session.execute(statement).scalar_one_or_none()
        if tat is None:  # the channel's first booking: create its row, then book
            self._ensure(channel)
            tat = self.session.execute(statement).scalar_one()
        return float(tat) - count * interval

    def back_off(self, channel: str, now: float, seconds: float) -> None:
        """LINE said 429: hold every worker's next slot for this channel `seconds` away."""
        self._ensure(channel)
        self.session.execute(
            update(rate_limits)
            .where(rate_limits.c.channel == channel)
            .values(tat=self._greatest(rate_limits.c.tat, now + seconds))
        )


class ChannelStateRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def pause(self, channel: str, until: datetime | None, reason: str, now: datetime) -> None:
        # An upsert: two workers refused by LINE at once must not collide on the insert.
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        values = {"paused_until": until, "reason": reason[:1000], "updated_at": now}
        statement = insert(ChannelState).values(channel=channel, **values)
        self.session.execute(
            statement.on_conflict_do_update(index_elements=["channel"], set_=values)
        )

    def all(self) -> Sequence[ChannelState]:
        return self.session.scalars(select(ChannelState)).all()
