""" "My appointments": her upcoming appointments at every hospital on this channel."""

from __future__ import annotations

from typing import Final

from moph_connect import messages
from moph_connect.appointments.rendering import view_of
from moph_connect.chatbot.turn import Message, Turn
from moph_connect.clock import BANGKOK
from moph_connect.messages import NextMessage, UpcomingAppointment
from moph_connect.scheduling.rules import bangkok_date

MAX_SHOWN: Final = 12  # LINE's carousel limit
# Messages worth announcing ahead ("reminder on 29 Apr, 09:00"); real-time ones go at once.
ANNOUNCED_KINDS: Final = ("reminder_day_before", "reminder_same_day", "survey")


def show(turn: Turn) -> list[Message]:
    turn.forget_question()
    found = turn.appointments.upcoming_for_line_user(
        turn.user.id, turn.environment, bangkok_date(turn.now), MAX_SHOWN
    )
    upcoming = turn.appointments.next_pending([a.id for a in found], ANNOUNCED_KINDS)
    items = []
    for appointment in found:
        next_message = None
        if appointment.id in upcoming:
            kind, due_at = upcoming[appointment.id]
            next_message = NextMessage(kind, due_at.astimezone(BANGKOK))
        items.append(UpcomingAppointment(view_of(appointment), next_message))
    return [messages.my_appointments(items, turn.lang)]
