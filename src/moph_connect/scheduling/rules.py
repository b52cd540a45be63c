"""The timing rules: which LINE messages a hospital's API call plans, and when they go out.

Pure functions: no I/O and no clock. Callers pass `now` (from `moph_connect.clock`) and what
is already planned for the appointment; every answer carries a short, stable English reason
that the API shows to hospital developers. `docs/timing.md` is the same table in prose.

The rules, all in Bangkok time (Asia/Bangkok, UTC+7, no daylight saving):

* `queue` (a booking was made): the queue card, at once.
* `schedule`: a reminder at 09:00 the day before the appointment and one at 06:00 on the
  appointment day. Called late, a reminder whose moment has passed goes out at once while it
  is still useful, and is skipped otherwise; never two reminders at once.
* `notify` (the patient's turn is near): the near-queue message at once, and the
  satisfaction survey at 12:00 the day after the visit.
* `alert`: the hospital's alert, at once.
* Quiet hours, 21:00-06:00: only real-time messages (queue card, near-queue, alert) go out.
  A reminder or survey is never due at night; the planner skips one that would be, unless
  moving it to 06:00 keeps it useful.
* Appointment dates before today are rejected (`AppointmentInPast`), for every call.
* A message kind already planned or sent for the appointment is never planned again, and
  once the patient has been called (`notify`), a late queue card or reminders are pointless.

Each non-real-time kind has a *usefulness deadline* (`stale_at`); the planner and the
dispatcher (`deliverable_now`) apply the same deadlines, so a message the planner plans is
one the dispatcher sends when it falls due.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final, Literal, assert_never, get_args

from moph_connect.clock import BANGKOK

CallKind = Literal["queue", "schedule", "notify", "alert"]
MessageKind = Literal[
    "queue_card",
    "reminder_day_before",
    "reminder_same_day",
    "queue_near",
    "survey",
    "alert",
]
DeliveryAction = Literal["send", "hold", "drop"]

CALL_KINDS: Final[tuple[CallKind, ...]] = get_args(CallKind)
MESSAGE_KINDS: Final[tuple[MessageKind, ...]] = get_args(MessageKind)

# 0 = real-time, 1 = reminders, 2 = survey. Also the dispatcher's claim order.
PRIORITY: Final[dict[MessageKind, int]] = {
    "queue_card": 0,
    "queue_near": 0,
    "alert": 0,
    "reminder_day_before": 1,
    "reminder_same_day": 1,
    "survey": 2,
}

#: Kinds that go out at once, at any hour (while fresh).
REAL_TIME_KINDS: Final[frozenset[MessageKind]] = frozenset(
    kind for kind, priority in PRIORITY.items() if priority == 0
)

#: What each call may plan, in the order decisions are reported.
MESSAGES_FOR_CALL: Final[dict[CallKind, tuple[MessageKind, ...]]] = {
    "queue": ("queue_card",),
    "schedule": ("reminder_day_before", "reminder_same_day"),
    "notify": ("queue_near", "survey"),
    "alert": ("alert",),
}

# Bangkok wall-clock times.
QUIET_HOURS_START: Final = time(21, 0)
QUIET_HOURS_END: Final = time(6, 0)
DAY_BEFORE_REMINDER_AT: Final = time(9, 0)
SAME_DAY_REMINDER_AT: Final = time(6, 0)
SURVEY_AT: Final = time(12, 0)

#: A real-time message later than this is no longer "just now": it waits for the morning
#: like any other message rather than waking the patient (e.g. a backlog after an outage).
REAL_TIME_NIGHT_GRACE: Final = timedelta(minutes=30)
#: "Your turn is near" is pointless (or misleading) once this late.
QUEUE_NEAR_STALE_AFTER: Final = timedelta(minutes=30)

# Kinds that show the patient has been called, and what that makes pointless.
_CALLED_EVIDENCE: Final[frozenset[MessageKind]] = frozenset({"queue_near", "survey"})
_POINTLESS_ONCE_CALLED: Final[frozenset[MessageKind]] = frozenset(
    {"queue_card", "reminder_day_before", "reminder_same_day"}
)


class Reason:
    """The reason strings shown to hospital developers. Stable: clients may match on them."""

    # planned
    QUEUE_CARD_NOW: Final = "sent at once: confirms the booking just made"
    QUEUE_NEAR_NOW: Final = "sent at once: the patient's turn is near"
    ALERT_NOW: Final = "sent at once: alert from the hospital"
    DAY_BEFORE_AT_0900: Final = "09:00 Bangkok time, the day before the appointment"
    DAY_BEFORE_LATE: Final = "sent now: called after 09:00 the day before the appointment"
    SAME_DAY_AT_0600: Final = "06:00 Bangkok time, on the appointment day"
    SAME_DAY_LATE: Final = "sent now: called after 06:00 on the appointment day"
    SURVEY_AT_1200: Final = "12:00 Bangkok time, the day after the visit"
    MOVED_TO_MORNING: Final = "moved to 06:00: no reminders or surveys at night (21:00-06:00)"
    # skipped
    ALREADY_PLANNED: Final = "already planned"
    ALREADY_CALLED: Final = "the patient has already been called"
    DAY_BEFORE_TOO_LATE: Final = "too late: past 21:00 the day before the appointment"
    SAME_DAY_TOO_LATE: Final = "too late: past 21:00 on the appointment day"
    SURVEY_TOO_LATE: Final = "too late: the survey is no longer useful"
    # delivery (dispatcher)
    NOT_DUE: Final = "not due yet"
    SEND: Final = "due"
    SEND_REAL_TIME: Final = "real-time: sent at any hour"
    HOLD_NIGHT: Final = "held until 06:00: not sent at night (21:00-06:00)"
    STALE_DAY_BEFORE: Final = "stale: past 21:00 the day before; the same-day reminder follows"
    STALE_APPOINTMENT_DAY: Final = "stale: the appointment day is over"
    STALE_QUEUE_NEAR: Final = "stale: the patient's turn has passed"
    STALE_SURVEY: Final = "stale: too long after the visit"


_TOO_LATE: Final[dict[MessageKind, str]] = {
    "reminder_day_before": Reason.DAY_BEFORE_TOO_LATE,
    "reminder_same_day": Reason.SAME_DAY_TOO_LATE,
    "survey": Reason.SURVEY_TOO_LATE,
}
_STALE: Final[dict[MessageKind, str]] = {
    "queue_card": Reason.STALE_APPOINTMENT_DAY,
    "reminder_day_before": Reason.STALE_DAY_BEFORE,
    "reminder_same_day": Reason.STALE_APPOINTMENT_DAY,
    "queue_near": Reason.STALE_QUEUE_NEAR,
    "survey": Reason.STALE_SURVEY,
    "alert": Reason.STALE_APPOINTMENT_DAY,
}


@dataclass(frozen=True)
class PlannedMessage:
    kind: MessageKind
    due_at: datetime  # UTC-aware
    reason: str


@dataclass(frozen=True)
class SkippedMessage:
    kind: MessageKind
    reason: str


@dataclass(frozen=True)
class Plan:
    """What one call plans: `planned` by due time (then priority), `skipped` with reasons.

    Every kind the call can plan appears exactly once, in one of the two.
    """

    planned: tuple[PlannedMessage, ...]
    skipped: tuple[SkippedMessage, ...]

    @property
    def planned_kinds(self) -> frozenset[MessageKind]:
        return frozenset(message.kind for message in self.planned)


@dataclass(frozen=True)
class Delivery:
    """The dispatcher's verdict on a due message: send, hold until `hold_until`, or drop."""

    action: DeliveryAction
    reason: str
    hold_until: datetime | None = None  # UTC-aware, set exactly when action == "hold"

    def __post_init__(self) -> None:
        if (self.action == "hold") != (self.hold_until is not None):
            raise ValueError("hold_until is required for, and only for, action 'hold'")


class AppointmentInPast(ValueError):
    """The appointment date is before today in Bangkok; `str()` is the reason for the API."""

    def __init__(self, appointment_date: date, today: date) -> None:
        self.appointment_date = appointment_date
        self.today = today
        super().__init__(
            f"must not be in the past: {appointment_date.isoformat()} is before today, "
            f"{today.isoformat()} (Asia/Bangkok)"
        )

    def __reduce__(self) -> tuple[type[AppointmentInPast], tuple[date, date]]:
        return (type(self), (self.appointment_date, self.today))


# --- time helpers -------------------------------------------------------------------------


def _require_aware(instant: datetime, name: str) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")


def bangkok_time(day: date, wall: time) -> datetime:
    """The instant (UTC-aware) at which Bangkok's clock shows `wall` on `day`."""
    return datetime.combine(day, wall, tzinfo=BANGKOK).astimezone(UTC)


def bangkok_date(instant: datetime) -> date:
    """The calendar date in Bangkok at `instant`."""
    _require_aware(instant, "instant")
    return instant.astimezone(BANGKOK).date()


def is_quiet_hours(instant: datetime) -> bool:
    """True from 21:00 (inclusive) to 06:00 (exclusive), Bangkok time."""
    _require_aware(instant, "instant")
    wall = instant.astimezone(BANGKOK).time()
    return wall >= QUIET_HOURS_START or wall < QUIET_HOURS_END


def quiet_hours_end(instant: datetime) -> datetime:
    """The first 06:00 Bangkok strictly after `instant` (UTC-aware).

    For an instant in quiet hours, that is when the quiet hours end.
    """
    _require_aware(instant, "instant")
    local = instant.astimezone(BANGKOK)
    day = local.date() if local.time() < QUIET_HOURS_END else local.date() + timedelta(days=1)
    return bangkok_time(day, QUIET_HOURS_END)


def bangkok_iso(instant: datetime) -> str:
    """ISO 8601 in Bangkok time, whole seconds (truncated): `2018-04-29T09:00:00+07:00`."""
    _require_aware(instant, "instant")
    return instant.astimezone(BANGKOK).replace(microsecond=0).isoformat()


def stale_at(kind: MessageKind, due_at: datetime, appointment_date: date) -> datetime:
    """The instant (UTC-aware) from which a message of `kind` is no longer worth sending.

    * day-before reminder: 21:00 the day before (the 06:00 same-day reminder then covers it);
    * same-day reminder, queue card, alert: 21:00 on the appointment day (the day is over;
      a *fresh* real-time message still goes out, see `deliverable_now`);
    * near-queue: `QUEUE_NEAR_STALE_AFTER` after it fell due;
    * survey: 21:00 the day after its due date (it may wait for one morning, no more).
    """
    _require_aware(due_at, "due_at")
    match kind:
        case "reminder_day_before":
            return bangkok_time(appointment_date - timedelta(days=1), QUIET_HOURS_START)
        case "reminder_same_day" | "queue_card" | "alert":
            return bangkok_time(appointment_date, QUIET_HOURS_START)
        case "queue_near":
            return due_at.astimezone(UTC) + QUEUE_NEAR_STALE_AFTER
        case "survey":
            return bangkok_time(bangkok_date(due_at) + timedelta(days=1), QUIET_HOURS_START)
        case _:
            assert_never(kind)


def _place(ideal: datetime, now: datetime, deadline: datetime) -> datetime | None:
    """When a non-real-time message meant for `ideal` can go out, or None if never usefully.

    Not before `now`; not in quiet hours (moved to the 06:00 that ends them); not at or
    after `deadline`.
    """
    due = max(ideal, now)
    if is_quiet_hours(due):
        due = quiet_hours_end(due)
    return due if due < deadline else None


# --- planning -----------------------------------------------------------------------------


def _check_kinds(already: Iterable[str]) -> None:
    unknown = sorted(set(already) - set(MESSAGE_KINDS))
    if unknown:
        raise ValueError(f"unknown message kinds in `already`: {', '.join(unknown)}")


def _real_time_reason(kind: MessageKind) -> str:
    if kind == "queue_card":
        return Reason.QUEUE_CARD_NOW
    if kind == "queue_near":
        return Reason.QUEUE_NEAR_NOW
    return Reason.ALERT_NOW


def _plan_timed(
    kind: MessageKind, appointment_date: date, now: datetime
) -> PlannedMessage | SkippedMessage:
    """A reminder or the survey: at its moment, at once if that has passed, or skipped."""
    today = bangkok_date(now)
    if kind == "reminder_day_before":
        ideal = bangkok_time(appointment_date - timedelta(days=1), DAY_BEFORE_REMINDER_AT)
        on_time, late = Reason.DAY_BEFORE_AT_0900, Reason.DAY_BEFORE_LATE
    elif kind == "reminder_same_day":
        ideal = bangkok_time(appointment_date, SAME_DAY_REMINDER_AT)
        on_time, late = Reason.SAME_DAY_AT_0600, Reason.SAME_DAY_LATE
    else:
        # The survey is about the visit, and `notify` says the visit is happening now: the day
        # after *today*, which is the appointment date unless the hospital called early.
        ideal = bangkok_time(today + timedelta(days=1), SURVEY_AT)
        on_time = late = Reason.SURVEY_AT_1200
    due = _place(ideal, now, stale_at(kind, ideal, appointment_date))
    if due is None:
        return SkippedMessage(kind, _TOO_LATE[kind])
    if due == ideal:
        return PlannedMessage(kind, due, on_time)
    if due == now:
        return PlannedMessage(kind, due, late)
    return PlannedMessage(kind, due, Reason.MOVED_TO_MORNING)


def plan_messages(
    call: CallKind,
    appointment_date: date,
    now: datetime,
    already: frozenset[MessageKind] = frozenset(),
) -> Plan:
    """Decide which messages `call` plans for an appointment on `appointment_date`.

    `already` holds the kinds already planned or sent for this appointment (by any earlier
    call); they are never planned again, which makes repeated calls idempotent.
    `appointment_date` is the Bangkok calendar date. Raises `AppointmentInPast` for a date
    before today in Bangkok, and `ValueError` for a naive `now` or an unknown kind.
    """
    _require_aware(now, "now")
    if call not in MESSAGES_FOR_CALL:
        raise ValueError(f"unknown call kind: {call!r}")
    _check_kinds(already)
    today = bangkok_date(now)
    if appointment_date < today:
        raise AppointmentInPast(appointment_date, today)

    now_utc = now.astimezone(UTC)
    called = not already.isdisjoint(_CALLED_EVIDENCE)
    planned: list[PlannedMessage] = []
    skipped: list[SkippedMessage] = []
    for kind in MESSAGES_FOR_CALL[call]:
        if kind in already:
            skipped.append(SkippedMessage(kind, Reason.ALREADY_PLANNED))
        elif called and kind in _POINTLESS_ONCE_CALLED:
            skipped.append(SkippedMessage(kind, Reason.ALREADY_CALLED))
        elif kind in REAL_TIME_KINDS:
            planned.append(PlannedMessage(kind, now_utc, _real_time_reason(kind)))
        else:
            decision = _plan_timed(kind, appointment_date, now_utc)
            if isinstance(decision, PlannedMessage):
                planned.append(decision)
            else:
                skipped.append(decision)
    planned.sort(key=lambda message: (message.due_at, PRIORITY[message.kind]))
    return Plan(planned=tuple(planned), skipped=tuple(skipped))


def superseded_by(call: CallKind) -> frozenset[MessageKind]:
    """Kinds whose still-unsent messages `call` makes pointless: the API should cancel them.

    Once the patient is called (`notify`), a pending reminder ("your appointment is today")
    or a queue card held back by an outage would arrive after "your turn is near".
    """
    if call == "notify":
        return _POINTLESS_ONCE_CALLED
    return frozenset()


# --- delivery -----------------------------------------------------------------------------


def deliverable_now(
    kind: MessageKind, due_at: datetime, now: datetime, appointment_date: date
) -> Delivery:
    """May a message planned for `due_at` go out at `now`? For the dispatcher, at any delay.

    In order:

    1. before `due_at`: hold until `due_at`;
    2. a real-time message less than `REAL_TIME_NIGHT_GRACE` late: send, at any hour;
    3. at or after its `stale_at`: drop;
    4. in quiet hours: hold until 06:00 if it is still useful then, else drop;
    5. otherwise send.

    So a day-before reminder that LINE could only take at 23:00 is dropped (the same-day one
    follows at 06:00), a survey delayed into the night waits for 06:00, and a backlog of
    real-time messages after a night-time outage waits for the morning.
    """
    _require_aware(due_at, "due_at")
    _require_aware(now, "now")
    due_utc, now_utc = due_at.astimezone(UTC), now.astimezone(UTC)
    if now_utc < due_utc:
        return Delivery("hold", Reason.NOT_DUE, hold_until=due_utc)
    if kind in REAL_TIME_KINDS and now_utc - due_utc < REAL_TIME_NIGHT_GRACE:
        return Delivery("send", Reason.SEND_REAL_TIME)
    deadline = stale_at(kind, due_utc, appointment_date)
    if now_utc >= deadline:
        return Delivery("drop", _STALE[kind])
    if is_quiet_hours(now_utc):
        morning = quiet_hours_end(now_utc)
        if morning >= deadline:
            return Delivery("drop", _STALE[kind])
        return Delivery("hold", Reason.HOLD_NIGHT, hold_until=morning)
    return Delivery("send", Reason.SEND)
