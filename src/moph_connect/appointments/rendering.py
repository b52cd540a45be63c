"""From an appointment row to the LINE messages of each kind, serialised once for the outbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson

from moph_connect import messages
from moph_connect.db.models import Appointment
from moph_connect.messages import AppointmentView, Lang
from moph_connect.scheduling.rules import MessageKind


@dataclass(frozen=True)
class AlertStyle:
    header: str | None = None
    background_color: str | None = None
    details_link_label: str | None = None
    current_queue_link_label: str | None = None


def view_of(appointment: Appointment) -> AppointmentView:
    return AppointmentView(
        hospital_name=appointment.hospital_name,
        origin=appointment.origin,
        queue_number=appointment.queue_number,
        patient_name=appointment.patient_name,
        appointment_date=appointment.appointment_date,
        appointment_time=appointment.appointment_time,
        details_link=appointment.details_link,
        current_queue_link=appointment.current_queue_link,
    )


_SIMPLE: dict[str, Callable[[AppointmentView, Lang], dict[str, Any]]] = {
    "queue_card": messages.queue_card,
    "reminder_day_before": messages.reminder_day_before,
    "reminder_same_day": messages.reminder_same_day,
    "queue_near": messages.queue_near,
}

# Kinds whose text is rebuilt when the hospital corrects the appointment before they go out;
# the real-time kinds are sent within seconds of being planned.
RERENDERED_KINDS: frozenset[MessageKind] = frozenset(
    {"reminder_day_before", "reminder_same_day", "survey"}
)


def render_notice(
    kind: str, appointment: Appointment, *, old_date: date | None = None, lang: Lang = "th"
) -> str:
    """The "appointment cancelled" or "appointment moved" message, as an outbox payload."""
    view = view_of(appointment)
    if kind == "appointment_cancelled":
        message = messages.appointment_cancelled(view, lang)
    elif kind == "appointment_moved" and old_date is not None:
        message = messages.appointment_moved(old_date, view, lang)
    else:
        raise ValueError(f"no notice {kind!r} (a move needs the old date)")
    return orjson.dumps([message]).decode("utf-8")


def render(
    kind: MessageKind,
    appointment: Appointment,
    *,
    survey_token: str | None = None,
    alert: AlertStyle | None = None,
    lang: Lang = "th",
) -> str:
    """The JSON array of LINE message objects for one outbox row, in the patient's language."""
    view = view_of(appointment)
    if kind == "survey":
        if survey_token is None:
            raise ValueError("a survey needs its token")
        message = messages.survey(view, survey_token, lang)
    elif kind == "alert":
        style = alert or AlertStyle()
        message = messages.alert(
            view,
            header=style.header,
            background_color=style.background_color,
            details_link_label=style.details_link_label,
            current_queue_link_label=style.current_queue_link_label,
            lang=lang,
        )
    else:
        message = _SIMPLE[kind](view, lang)
    return orjson.dumps([message]).decode("utf-8")
