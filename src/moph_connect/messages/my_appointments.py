""" "My appointments": her upcoming appointments at every hospital, soonest first, each with
its queue number, the next message we will send about it, and the hospital's links."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from moph_connect.messages import flex, palette
from moph_connect.messages._text import field
from moph_connect.messages.appointment import AppointmentView
from moph_connect.messages.appointment_words import card_words
from moph_connect.messages.dates import long_date, short_datetime
from moph_connect.messages.i18n import Lang
from moph_connect.messages.limits import CAROUSEL_BUBBLES_MAX, CAROUSEL_BYTES_MAX, json_size
from moph_connect.messages.menu import book_action, menu_quick_replies

# Shorter than on the cards: twelve bubbles share LINE's 50 KB.
SHOWN_MAX: Final = 100
HEADER_MAX: Final = 60
_CAROUSEL_BUDGET: Final = CAROUSEL_BYTES_MAX - 1024  # room for the carousel's own keys


@dataclass(frozen=True)
class NextMessage:
    """The next message planned for an appointment: its kind and when (Bangkok time)."""

    kind: str
    at: datetime


@dataclass(frozen=True)
class UpcomingAppointment:
    view: AppointmentView
    next_message: NextMessage | None = None


@dataclass(frozen=True)
class ListWords:
    title: str
    next_message: str
    kinds: dict[str, str]
    other_kind: str
    alt: str  # {count} {first}
    none: str


LIST_WORDS: Final[dict[Lang, ListWords]] = {
    "th": ListWords(
        title="นัดหมายของฉัน",
        next_message="ข้อความถัดไป",
        kinds={
            "reminder_day_before": "แจ้งเตือน",
            "reminder_same_day": "แจ้งเตือน",
            "queue_card": "บัตรคิว",
            "survey": "แบบประเมิน",
        },
        other_kind="ข้อความ",
        alt="นัดหมายของฉัน {count} รายการ ถัดไป: {first}",
        none=(
            "ยังไม่มีนัดหมายที่กำลังจะมาถึงค่ะ\n"
            "เมื่อจองคิวผ่าน MOPH Connect สำเร็จ นัดหมายจะแสดงที่นี่ "
            "แตะ “จองคิวโรงพยาบาล” เพื่อเริ่มจองได้เลยค่ะ"
        ),
    ),
    "en": ListWords(
        title="My appointments",
        next_message="Next message",
        kinds={
            "reminder_day_before": "Reminder",
            "reminder_same_day": "Reminder",
            "queue_card": "Queue card",
            "survey": "Survey",
        },
        other_kind="Message",
        alt="My appointments: {count}, next: {first}",
        none=(
            "You have no upcoming appointments.\n"
            "Appointments you book through MOPH Connect show here. "
            "Tap “Book a queue” to start."
        ),
    ),
}


def _links(view: AppointmentView, lang: Lang) -> flex.JSON | None:
    words = card_words(lang)
    buttons: list[flex.JSON] = []
    for label, link in (
        (words.details, view.details_link),
        (words.current_queue, view.current_queue_link),
    ):
        uri = flex.normalize_link(link)
        if uri is not None:
            style: flex.ButtonStyle = "secondary" if buttons else "primary"
            buttons.append(flex.button(flex.uri_action(label, uri), style))
    return flex.box(buttons, spacing="sm", padding="lg") if buttons else None


def _bubble(item: UpcomingAppointment, lang: Lang) -> flex.JSON:
    view = item.view
    words = card_words(lang)
    body: list[flex.JSON] = [
        flex.box(
            [
                flex.text(words.queue_number, size="xs", color=palette.MUTED, align="center"),
                flex.text(
                    field(view.queue_number, SHOWN_MAX),
                    size="lg",
                    bold=True,
                    color=palette.BRAND,
                    align="center",
                ),
            ],
            spacing="xs",
            background=palette.BRAND_TINT,
            padding="md",
            corner_radius="md",
        ),
        flex.text(field(view.appointment_time, SHOWN_MAX), size="sm", margin="lg"),
        flex.box(
            [
                flex.text(words.patient, size="xs", color=palette.MUTED),
                flex.text(field(view.patient_name, SHOWN_MAX), size="sm"),
            ],
            spacing="xs",
            margin="lg",
        ),
    ]
    if item.next_message is not None:
        list_words = LIST_WORDS[lang]
        kind = list_words.kinds.get(item.next_message.kind, list_words.other_kind)
        body.append(
            flex.box(
                [
                    flex.text(list_words.next_message, size="xs", color=palette.MUTED),
                    flex.text(f"{kind} {short_datetime(item.next_message.at, lang)}", size="sm"),
                ],
                spacing="xs",
                margin="lg",
            )
        )
    return flex.bubble(
        header_box=flex.header(
            field(view.hospital_name, HEADER_MAX),
            long_date(view.appointment_date, lang),
            palette.BRAND,
        ),
        body=flex.box(body, padding="lg"),
        footer=_links(view, lang),
    )


def my_appointments(items: Sequence[UpcomingAppointment], lang: Lang = "th") -> dict[str, Any]:
    """A carousel of up to 12 appointments (fewer if LINE's 50 KB would be exceeded), or a
    short text with "book" when she has none."""
    words = LIST_WORDS[lang]
    if not items:
        quick = [book_action(lang), *menu_quick_replies(lang)[1:]]
        return flex.text_message(words.none, quick_reply=quick)
    bubbles: list[flex.JSON] = []
    used = 0
    for item in items[:CAROUSEL_BUBBLES_MAX]:
        bubble = _bubble(item, lang)
        size = json_size(bubble) + 1
        if bubbles and used + size > _CAROUSEL_BUDGET:
            break
        bubbles.append(bubble)
        used += size
    first = items[0].view
    alt = words.alt.format(
        count=len(bubbles),
        first=f"{field(first.hospital_name, 60)} {long_date(first.appointment_date, lang)}",
    )
    message = flex.flex_message(alt, {"type": "carousel", "contents": bubbles})
    message["quickReply"] = flex.quick_replies(menu_quick_replies(lang))
    return message
