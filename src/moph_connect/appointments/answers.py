"""A hospital call's answer: the appointment and its messages as the API describes them.

Pure: built from rows already read or planned (no statement of its own), so that a call
on an appointment that exists lists its messages without reading them back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from moph_connect.appointments.outbox_rows import NOTICE_PRIORITY, AnyKind
from moph_connect.appointments.schemas import (
    AppointmentOut,
    PlannedMessageOut,
    SkippedMessageOut,
)
from moph_connect.db.models import Appointment, OutboxMessage
from moph_connect.outbox.types import NewMessage
from moph_connect.scheduling import rules
from moph_connect.scheduling.rules import MessageKind, SkippedMessage


def appointment_out(
    appointment: Appointment,
    skipped: Sequence[SkippedMessage],
    messages: list[PlannedMessageOut],
) -> AppointmentOut:
    return AppointmentOut(
        appointmentId=appointment.id,
        environment="test" if appointment.environment == "test" else "production",
        status="cancelled" if appointment.status == "cancelled" else "active",
        appointmentDate=appointment.appointment_date.isoformat(),
        queueNumber=appointment.queue_number,
        messages=messages,
        skipped=[SkippedMessageOut(kind=s.kind, reason=s.reason) for s in skipped],
    )


def in_due_order(messages: Sequence[tuple[datetime, PlannedMessageOut]]) -> list[PlannedMessageOut]:
    """(due time, message) in planning order, as the database lists them (by due time,
    then id): the sort is stable, and ids are handed out in planning order."""
    return [out for _due, out in sorted(messages, key=_first)]


def _first(pair: tuple[datetime, PlannedMessageOut]) -> datetime:
    return pair[0]


def planned_out(message: NewMessage) -> PlannedMessageOut:
    return PlannedMessageOut(
        kind=any_kind(message.kind), status="pending", dueAt=rules.bangkok_iso(message.due_at)
    )


def message_out(message: OutboxMessage, *, cancelled: bool = False) -> PlannedMessageOut:
    """`cancelled`: this call cancelled the row after it was read."""
    return PlannedMessageOut(
        kind=any_kind(message.kind),
        status="cancelled" if cancelled else message.status,
        dueAt=rules.bangkok_iso(message.due_at),
        sentAt=rules.bangkok_iso(message.sent_at) if message.sent_at else None,
    )


def already_planned(stored: Sequence[OutboxMessage], on: date) -> frozenset[MessageKind]:
    """Kinds planned for the appointment on date `on` (cancelled ones do not count). A
    moved appointment's queue card counts: the "moved" notice replaced it."""
    kinds: set[MessageKind] = set()
    for message in stored:
        if message.kind not in rules.PRIORITY or message.kind == "alert":
            continue
        if message.status == "cancelled":
            continue
        if message.appointment_date == on or message.kind == "queue_card":
            kinds.add(rules_kind(message.kind))
    return frozenset(kinds)


def rules_kind(kind: str) -> MessageKind:
    if kind not in rules.PRIORITY:
        raise ValueError(f"unknown message kind {kind!r}")
    return kind


def any_kind(kind: str) -> AnyKind:
    if kind in NOTICE_PRIORITY:
        return kind
    return rules_kind(kind)
