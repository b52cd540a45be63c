"""The tables. Only repositories query them; services see these objects as plain records.

Patient data kept here is the minimum the messages need (PDPA s.26: health data is
sensitive): the appointment fields a hospital sends us, and nothing from the LINE profile
but the user id.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both databases (SQLite would hand back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Portable auto-increment big integer (SQLite only auto-increments INTEGER PRIMARY KEY).
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


class Hospital(Base):
    __tablename__ = "hospitals"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    booking_url: Mapped[str] = mapped_column(String(1000))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    province: Mapped[str | None] = mapped_column(String(100), index=True)
    district: Mapped[str | None] = mapped_column(String(100))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    phone: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime]
    # How its queue system authenticates: "key" (Authorization: Bearer, the default) or
    # "legacy" (no header; the MOPH Connect ID in the body names the hospital).
    auth_mode: Mapped[str] = mapped_column(String(16), default="key", server_default="key")
    # CIDRs keyless calls must come from (None or empty: anywhere).
    allowed_networks: Mapped[list[str] | None] = mapped_column(JSON)
    # Browser origins granted CORS beside the booking URL's own, e.g. "https://q.pth.go.th".
    cors_origins: Mapped[list[str] | None] = mapped_column(JSON)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    hospital_id: Mapped[str] = mapped_column(ForeignKey("hospitals.id"), index=True)
    environment: Mapped[str] = mapped_column(String(16))
    # The first characters of the key, safe to show so an operator can tell keys apart.
    display_prefix: Mapped[str] = mapped_column(String(24))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    # A rotated key keeps working until then (its grace period); None: no end.
    expires_at: Mapped[datetime | None]


class HospitalCallDay(Base):
    """How many calls a hospital's system made on one Bangkok day, with a key or without."""

    __tablename__ = "hospital_call_days"

    hospital_id: Mapped[str] = mapped_column(ForeignKey("hospitals.id"), primary_key=True)
    environment: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    keyless: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    calls: Mapped[int] = mapped_column(Integer)
    first_call_at: Mapped[datetime]
    last_call_at: Mapped[datetime]


class LineUser(Base):
    """A LINE user of one channel. LINE user ids differ per provider, so (env, id) is unique."""

    __tablename__ = "line_users"
    __table_args__ = (UniqueConstraint("environment", "line_user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    environment: Mapped[str] = mapped_column(String(16))
    line_user_id: Mapped[str] = mapped_column(String(64))
    following: Mapped[bool] = mapped_column(Boolean, default=True)
    followed_at: Mapped[datetime]
    unfollowed_at: Mapped[datetime | None]
    # From the LINE profile: "th", "en", ... (messages are Thai unless it says English).
    language: Mapped[str | None] = mapped_column(String(16))
    # The privacy notice version she accepted (None: not yet; no booking link before).
    consent_version: Mapped[str | None] = mapped_column(String(16))
    # A question the bot is waiting for her answer to, e.g. a survey comment or the
    # confirmation of "delete my data": {"awaiting": "...", ...}.
    conversation: Mapped[dict[str, Any] | None]


class Registration(Base):
    """A MOPH Connect ID: one per (LINE user, hospital), the only id a hospital ever sees."""

    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("line_user_pk", "hospital_id"),)

    regist_id: Mapped[str] = mapped_column(String(24), primary_key=True)
    environment: Mapped[str] = mapped_column(String(16))
    line_user_pk: Mapped[int] = mapped_column(ForeignKey("line_users.id"))
    hospital_id: Mapped[str] = mapped_column(ForeignKey("hospitals.id"), index=True)
    created_at: Mapped[datetime]
    # Set when she had her data deleted: hospitals calling with this ID then get 410 Gone.
    erased_at: Mapped[datetime | None]
    # Set for IDs loaded from the running MOPH Connect (`registrations import`).
    imported_at: Mapped[datetime | None]


class Appointment(Base):
    __tablename__ = "appointments"
    __table_args__ = (
        UniqueConstraint("hospital_id", "regist_id", "appointment_date", "queue_number"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    environment: Mapped[str] = mapped_column(String(16))
    hospital_id: Mapped[str] = mapped_column(ForeignKey("hospitals.id"))
    regist_id: Mapped[str] = mapped_column(ForeignKey("registrations.regist_id"), index=True)
    appointment_date: Mapped[date] = mapped_column(Date)
    queue_number: Mapped[str] = mapped_column(String(200))
    hospital_name: Mapped[str] = mapped_column(String(200))
    origin: Mapped[str] = mapped_column(String(200))
    patient_name: Mapped[str] = mapped_column(String(200))
    appointment_time: Mapped[str] = mapped_column(String(300))
    details_link: Mapped[str] = mapped_column(String(1000))
    current_queue_link: Mapped[str] = mapped_column(String(1000))
    # "active" or "cancelled" (by the hospital).
    status: Mapped[str] = mapped_column(String(16), default="active", server_default="active")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class OutboxMessage(Base):
    """One LINE message to deliver: written with the change that caused it, sent once.

    `available_at` is when a worker may take the row: the due time (or the next retry)
    while pending, the lease expiry while a worker holds it, so one index serves both
    "due now" and "lease lost" look-ups.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index(
            "ix_outbox_claim",
            "priority",
            "available_at",
            postgresql_where=text("status IN ('pending', 'sending')"),
            sqlite_where=text("status IN ('pending', 'sending')"),
        ),
        Index("ix_outbox_appointment", "appointment_id"),
        Index("ix_outbox_recipient", "environment", "line_user_id", "status"),
        # The console overview's ranges of due_at within an environment (migration 0011).
        Index("ix_outbox_due", "environment", "due_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    environment: Mapped[str] = mapped_column(String(16))
    appointment_id: Mapped[str | None] = mapped_column(ForeignKey("appointments.id"))
    # Copied from the appointment so the dispatcher can judge staleness without a join.
    appointment_date: Mapped[date | None] = mapped_column(Date)
    line_user_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    priority: Mapped[int] = mapped_column(SmallInteger)
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    # What the row sends, in a table of its own (see `OutboxPayload`); read and written
    # through `payload`.
    content: Mapped[OutboxPayload | None] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    reply_token: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime]
    available_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    retry_key: Mapped[str] = mapped_column(String(36))
    line_request_id: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]

    @property
    def payload(self) -> str:
        """The JSON array of LINE message objects, serialised once when planned."""
        if self.content is None:
            raise ValueError(f"outbox message {self.id} has no payload")
        return self.content.payload

    @payload.setter
    def payload(self, value: str) -> None:
        if self.content is None:
            self.content = OutboxPayload(payload=value)
        else:
            self.content.payload = value


class OutboxPayload(Base):
    """What an outbox row sends, kept apart from the row's delivery state.

    A queue card is ~2.6 KB of JSON, written once (re-rendered if the hospital corrects
    the appointment, blanked on erasure) and read once per attempt, while the state
    beside it changes at every step of a send (claimed, sent, retried). In one table,
    each of those updates rewrote the whole message: on SQLite every claimed row filled
    a page of its own, so a batch of 400 wrote ~1.6 MB to the WAL at each commit;
    PostgreSQL wrote a new version of it. Apart, the state row is ~200 bytes.
    """

    __tablename__ = "outbox_payloads"

    message_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("outbox_messages.id", ondelete="CASCADE"), primary_key=True
    )
    payload: Mapped[str] = mapped_column(Text)


class OutboxAttempt(Base):
    """One step of an outbox row's delivery, for the console's timeline: each send with
    what LINE answered (HTTP status, request id), and each time the timing rules held
    the row back or dropped it. Written by the dispatcher's record step, one multi-row
    INSERT per batch in the same transaction as the outcome; goes with its row."""

    __tablename__ = "outbox_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]
    # The row's attempt number; None for a hold or a drop (no attempt counted).
    attempt: Mapped[int | None] = mapped_column(Integer)
    # sent, duplicate, retry, rate_limited, failed, paused, held, dropped
    outcome: Mapped[str] = mapped_column(String(16))
    # LINE's answer as the metrics label it: "200", "429", "timeout", "error".
    line_status: Mapped[str | None] = mapped_column(String(16))
    line_request_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(String(300))


class Survey(Base):
    __tablename__ = "surveys"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    # None once the patient had her data deleted: the anonymous answers stay with the hospital.
    appointment_id: Mapped[str | None] = mapped_column(ForeignKey("appointments.id"), unique=True)
    hospital_id: Mapped[str] = mapped_column(ForeignKey("hospitals.id"), index=True)
    environment: Mapped[str] = mapped_column(
        String(16), default="production", server_default="production"
    )
    score: Mapped[int | None] = mapped_column(SmallInteger)  # satisfaction 1-5
    comment: Mapped[str | None] = mapped_column(Text)
    recommend: Mapped[int | None] = mapped_column(SmallInteger)  # 0-10, would recommend
    answered_at: Mapped[datetime | None]
    # Indexed: the console reads surveys by when they were due (this minus the expiry).
    expires_at: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[datetime]


class ConsentRecord(Base):
    """A privacy notice a LINE user accepted: which version, when (PDPA: provable consent)."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    line_user_pk: Mapped[int | None] = mapped_column(ForeignKey("line_users.id"), index=True)
    environment: Mapped[str] = mapped_column(String(16))
    notice_version: Mapped[str] = mapped_column(String(16))
    accepted_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]


class AuditEvent(Base):
    """What happened, without personal data (e.g. "data erased", with counts only)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    environment: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    # Who did it: "cli:<os user>", an operator's e-mail, "patient" (never a secret).
    actor: Mapped[str | None] = mapped_column(String(200))


class IdempotencyRecord(Base):
    """A hospital call's first answer, replayed when the call repeats its Idempotency-Key.
    It names her appointment (id, date, queue number), so it goes with the appointment:
    when she has her data deleted, and at the end of the retention period."""

    __tablename__ = "idempotency_keys"

    hospital_id: Mapped[str] = mapped_column(ForeignKey("hospitals.id"), primary_key=True)
    environment: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(SmallInteger)
    response: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    # The appointment the answer is about. None in records written before migration 0006
    # filled it in, or by an API that does not set it: those are found by the
    # `appointmentId` of `response`. No foreign key: erasure and retention delete the
    # records with their appointment, and a replay needs no join.
    appointment_id: Mapped[str | None] = mapped_column(String(32), index=True)


class WebhookEvent(Base):
    """A LINE webhook event, stored before we answer LINE and processed afterwards."""

    __tablename__ = "webhook_events"

    environment: Mapped[str] = mapped_column(String(16), primary_key=True)
    webhook_event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event: Mapped[dict[str, Any]]
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(1000))


class RateLimit(Base):
    """GCRA state per LINE channel, shared by every worker process: the theoretical
    arrival time (epoch seconds) of the next request that keeps the rate."""

    __tablename__ = "rate_limits"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    tat: Mapped[float] = mapped_column(Float)


class ApiRateLimit(Base):
    """GCRA state of one API rate limit (`ratelimits/`): a hospital and environment, or a
    source address's failed authentications. Shared by every `serve` process."""

    __tablename__ = "api_rate_limits"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    tat: Mapped[float] = mapped_column(Float)


class ChannelState(Base):
    """Whether a LINE channel is paused (LINE refused our token: 401/403)."""

    __tablename__ = "channel_states"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    paused_until: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(String(1000))
    updated_at: Mapped[datetime]


class Operator(Base):
    """Someone who signs in to the console: the ministry (every hospital) or one hospital's
    staff. Only an argon2 hash of the password is kept."""

    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # Stored lower-cased, so that one address is one operator however it is typed.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # "ministry" or "hospital"
    hospital_id: Mapped[str | None] = mapped_column(ForeignKey("hospitals.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Wrong passwords in a row; at the limit the operator is locked out until `locked_until`.
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    last_sign_in_at: Mapped[datetime | None]


class ConsoleSession(Base):
    """A signed-in browser: the cookie carries a random token, only its SHA-256 is kept
    (a copy of this table opens no console)."""

    __tablename__ = "console_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class ConsoleSignInFailure(Base):
    """A refused console sign-in from one source (an IPv4 address, or an IPv6 /64): the
    sliding window that limits guessing across accounts. Rows older than the window are
    deleted as new ones come."""

    __tablename__ = "console_sign_in_failures"
    __table_args__ = (Index("ix_console_sign_in_failures_source", "source", "failed_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(index=True)


class SandboxCall(Base):
    """One call to the test environment's API (`/test/api/...`) of a known hospital, for
    the console's test sandbox: when, which endpoint, the HTTP status, the answer, and the
    request's fields without the patient's name (sandbox/recording.py decides what is
    kept). The last `sandbox.repository.KEPT_PER_HOSPITAL` per hospital are kept (a trigger
    trims on insert: migration 0012), and none longer than the sandbox retention."""

    __tablename__ = "sandbox_calls"
    __table_args__ = (Index("ix_sandbox_calls_hospital_recent", "hospital_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    hospital_id: Mapped[str] = mapped_column(ForeignKey("hospitals.id", ondelete="CASCADE"))
    called_at: Mapped[datetime] = mapped_column(index=True)
    endpoint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(SmallInteger)
    # The call's userId when it was a MOPH Connect ID: the test patient (erasure finds it).
    regist_id: Mapped[str | None] = mapped_column(String(24), index=True)
    request: Mapped[dict[str, Any]]
    answer: Mapped[dict[str, Any]]
