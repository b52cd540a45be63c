"""Building the outbox row for a message about an appointment."""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal

from moph_connect.db.models import Appointment
from moph_connect.outbox.types import NewMessage
from moph_connect.scheduling import rules
from moph_connect.scheduling.rules import MessageKind

# Told to the patient when the hospital cancels or moves an appointment: real-time.
NoticeKind = Literal["appointment_cancelled", "appointment_moved"]
NOTICE_PRIORITY: Final[dict[NoticeKind, int]] = {
    "appointment_cancelled": 0,
    "appointment_moved": 0,
}
AnyKind = MessageKind | NoticeKind


_PRIORITIES: Final[dict[AnyKind, int]] = dict([*rules.PRIORITY.items(), *NOTICE_PRIORITY.items()])


def priority_of(kind: AnyKind) -> int:
    return _PRIORITIES[kind]


def outbox_row(
    appointment: Appointment,
    line_user_id: str,
    kind: AnyKind,
    payload: str,
    dedup_key: str,
    due_at: datetime,
) -> NewMessage:
    return NewMessage(
        environment=appointment.environment,
        appointment_id=appointment.id,
        appointment_date=appointment.appointment_date,
        line_user_id=line_user_id,
        kind=kind,
        priority=priority_of(kind),
        dedup_key=dedup_key,
        payload=payload,
        due_at=due_at,
    )
