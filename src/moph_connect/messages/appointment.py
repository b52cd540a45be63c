"""Messages about one appointment: the queue card, reminders, "your queue is near",
the satisfaction survey, hospital alerts, cancellations and moves.

Every builder takes the hospital's data as an `AppointmentView` and returns one LINE
message object as a JSON-ready dict. Hospital text is shown as given, only tidied
(invisible characters dropped, whitespace collapsed) and clipped to a safe length. A
link that cannot be opened from LINE (not http/https, or too long) drops its button
rather than failing the message; the API layer can use `normalize_link` to refuse such
links up front.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Final

from moph_connect.messages import flex, palette
from moph_connect.messages._text import clean, field
from moph_connect.messages.appointment_words import CardWords, card_words
from moph_connect.messages.dates import long_date, short_date
from moph_connect.messages.i18n import Lang
from moph_connect.messages.postback import build_survey

BRAND_NAME: Final = "MOPH Connect"
FIELD_MAX: Final = 200  # per hospital-supplied field, in characters

_ALT_HEADER_MAX: Final = 60
_ALT_HOSPITAL_MAX: Final = 80
_ALT_QUEUE_MAX: Final = 60
_ALT_TIME_MAX: Final = 100


@dataclass(frozen=True)
class AppointmentView:
    """One appointment as the hospital's queue system described it (Thai free text)."""

    hospital_name: str
    origin: str
    queue_number: str
    patient_name: str
    appointment_date: date
    appointment_time: str
    details_link: str
    current_queue_link: str


@dataclass(frozen=True)
class _Shown:
    """The view's text fields, tidied and clipped for display, plus shorter cuts for
    alt texts so that every key fact survives a long hospital name."""

    hospital: str
    origin: str
    queue: str
    patient: str
    date: str
    time: str
    alt_hospital: str
    alt_queue: str
    alt_time: str
    words: CardWords

    @classmethod
    def tidied(cls, view: AppointmentView, lang: Lang) -> _Shown:
        # The card keeps the hospital's line breaks; the chat list (alt_*) shows one line.
        hospital = field(view.hospital_name, FIELD_MAX, lines=True)
        queue = field(view.queue_number, FIELD_MAX, lines=True)
        time = field(view.appointment_time, FIELD_MAX, lines=True)
        return cls(
            hospital=hospital,
            origin=field(view.origin, FIELD_MAX, lines=True),
            queue=queue,
            patient=field(view.patient_name, FIELD_MAX, lines=True),
            date=long_date(view.appointment_date, lang),
            time=time,
            alt_hospital=field(hospital, _ALT_HOSPITAL_MAX),
            alt_queue=field(queue, _ALT_QUEUE_MAX),
            alt_time=field(time, _ALT_TIME_MAX),
            words=card_words(lang),
        )


# Both reminders (and the card) of one appointment are rendered from the same view in one
# call; views and their tidied text are immutable, so the second asks the cache.
@lru_cache(maxsize=1024)
def _shown(view: AppointmentView, lang: Lang) -> _Shown:
    return _Shown.tidied(view, lang)


# --- building blocks ---------------------------------------------------------------


def _hospital_block(shown: _Shown) -> flex.JSON:
    return flex.box(
        [
            flex.text(shown.hospital, size="lg", bold=True),
            flex.text(shown.origin, size="xs", color=palette.MUTED),
        ],
        spacing="xs",
    )


def _queue_block(
    shown: _Shown, ink: str = palette.BRAND, tint: str = palette.BRAND_TINT
) -> flex.JSON:
    return flex.box(
        [
            flex.text(shown.words.queue_number, size="xs", color=palette.MUTED, align="center"),
            flex.text(shown.queue, size="xl", color=ink, bold=True, align="center"),
        ],
        spacing="xs",
        margin="lg",
        background=tint,
        padding="md",
        corner_radius="md",
    )


def _fact(label: str, *values: flex.JSON) -> flex.JSON:
    """A small grey label above its value(s)."""
    return flex.box(
        [flex.text(label, size="xs", color=palette.MUTED), *values], spacing="xs", margin="lg"
    )


def _patient(shown: _Shown) -> flex.JSON:
    return _fact(shown.words.patient, flex.text(shown.patient))


def _when(shown: _Shown, label: str | None = None, ink: str = palette.TEXT) -> flex.JSON:
    return _fact(
        label or shown.words.appointment,
        flex.text(shown.date, color=ink, bold=True),
        flex.text(shown.time, size="sm", color=palette.TEXT),
    )


def _body(*contents: flex.JSON) -> flex.JSON:
    return flex.box(list(contents), padding="lg")


def _footer(*links: tuple[str, str], primary_color: str = palette.BRAND) -> flex.JSON | None:
    """Buttons for (label, link) pairs: the first in colour, the rest grey. Links LINE
    cannot open are left out; no usable link means no footer."""
    buttons: list[flex.JSON] = []
    for label, link in links:
        uri = flex.normalize_link(link)
        if uri is None:
            continue
        style: flex.ButtonStyle = "secondary" if buttons else "primary"
        buttons.append(flex.button(flex.uri_action(label, uri), style, primary_color))
    return flex.box(buttons, spacing="sm", padding="lg") if buttons else None


def _card(
    *,
    alt_text: str,
    title: str,
    header_color: str,
    body: list[flex.JSON],
    footer: flex.JSON | None,
) -> dict[str, Any]:
    bubble = flex.bubble(
        header_box=flex.header(BRAND_NAME, title, header_color), body=_body(*body), footer=footer
    )
    return flex.flex_message(alt_text, bubble)


# --- builders ----------------------------------------------------------------------


def _links(s: _Shown, view: AppointmentView) -> flex.JSON | None:
    return _footer(
        (s.words.details, view.details_link), (s.words.current_queue, view.current_queue_link)
    )


def queue_card(view: AppointmentView, lang: Lang = "th") -> dict[str, Any]:
    """The queue card (บัตรคิว), sent when a booking succeeds."""
    s = _shown(view, lang)
    return _card(
        alt_text=s.words.queue_card_alt.format(
            hospital=s.alt_hospital, queue=s.alt_queue, date=s.date
        ),
        title=s.words.queue_card,
        header_color=palette.BRAND,
        body=[_hospital_block(s), _queue_block(s), _patient(s), _when(s)],
        footer=_links(s, view),
    )


def _reminder(view: AppointmentView, lang: Lang, *, tomorrow: bool) -> dict[str, Any]:
    s = _shown(view, lang)
    headline = s.words.tomorrow if tomorrow else s.words.today
    return _card(
        alt_text=s.words.reminder_alt.format(
            headline=headline, hospital=s.alt_hospital, date=s.date, time=s.alt_time
        ),
        title=headline,
        header_color=palette.BRAND,
        body=[
            _hospital_block(s),
            _when(s, ink=palette.BRAND),
            _queue_block(s),
            _patient(s),
        ],
        footer=_links(s, view),
    )


def reminder_day_before(view: AppointmentView, lang: Lang = "th") -> dict[str, Any]:
    """The reminder sent at 09:00 the day before the appointment (พรุ่งนี้คุณมีนัด)."""
    return _reminder(view, lang, tomorrow=True)


def reminder_same_day(view: AppointmentView, lang: Lang = "th") -> dict[str, Any]:
    """The reminder sent at 06:00 on the day of the appointment (วันนี้คุณมีนัด)."""
    return _reminder(view, lang, tomorrow=False)


def queue_near(view: AppointmentView, lang: Lang = "th") -> dict[str, Any]:
    """The "your queue is near" alert (ใกล้ถึงคิวของคุณแล้ว), current-queue button first."""
    s = _shown(view, lang)
    return _card(
        alt_text=s.words.near_alt.format(queue=s.alt_queue, hospital=s.alt_hospital),
        title=s.words.near_title,
        header_color=palette.URGENT,
        body=[
            flex.text(s.words.near_get_ready, bold=True),
            _queue_block(s, ink=palette.URGENT, tint=palette.URGENT_TINT),
            _fact(s.words.hospital, flex.text(s.hospital)),
            _patient(s),
            _when(s),
        ],
        footer=_footer(
            (s.words.current_queue, view.current_queue_link),
            (s.words.details, view.details_link),
            primary_color=palette.URGENT,
        ),
    )


def survey(view: AppointmentView, survey_token: str, lang: Lang = "th") -> dict[str, Any]:
    """The satisfaction survey (ประเมินความพึงพอใจ): five score buttons, 5 first.

    Raises ValueError if `survey_token` is not a valid postback id (see `postback`).
    """
    s = _shown(view, lang)
    words = s.words
    buttons = [
        flex.button(
            flex.postback_action(
                f"{score} {label}",
                build_survey(survey_token, score),
                display_text=words.survey_display.format(score=score, label=label),
            ),
            style="secondary",
        )
        for score, label in sorted(words.score_labels.items(), reverse=True)
    ]
    return _card(
        alt_text=words.survey_alt.format(hospital=s.alt_hospital, date=s.date),
        title=words.survey_title,
        header_color=palette.BRAND,
        body=[
            flex.text(
                words.survey_thanks_for_visit.format(hospital=s.hospital, date=s.date), size="sm"
            ),
            flex.text(words.survey_question, bold=True, margin="lg"),
            flex.text(words.survey_tap, size="xs", color=palette.MUTED, margin="sm"),
        ],
        footer=flex.box(buttons, spacing="sm", padding="lg"),
    )


def alert(
    view: AppointmentView,
    header: str | None = None,
    background_color: str | None = None,
    details_link_label: str | None = None,
    current_queue_link_label: str | None = None,
    lang: Lang = "th",
) -> dict[str, Any]:
    """An immediate alert worded by the hospital (`/api/alert`).

    Missing, blank or malformed options fall back to the house defaults; labels are cut
    to LINE's 20 characters and the header to 200. The header text turns dark when the
    hospital's colour is too light for white.
    """
    s = _shown(view, lang)
    title = field(header, FIELD_MAX) if header and clean(header) else s.words.alert_header
    color = palette.parse_hex_color(background_color) or palette.BRAND
    button_color = color if palette.carries_white_text(color) else palette.BRAND
    details_label = clean(details_link_label or "") or s.words.details
    current_label = clean(current_queue_link_label or "") or s.words.current_queue
    return _card(
        alt_text=f"{field(title, _ALT_HEADER_MAX)} {s.alt_hospital}: {s.alt_queue} {s.date}",
        title=title,
        header_color=color,
        body=[_hospital_block(s), _queue_block(s), _patient(s), _when(s)],
        footer=_footer(
            (details_label, view.details_link),
            (current_label, view.current_queue_link),
            primary_color=button_color,
        ),
    )


def appointment_cancelled(view: AppointmentView, lang: Lang = "th") -> dict[str, Any]:
    """The hospital cancelled the appointment (ยกเลิกนัดหมาย)."""
    s = _shown(view, lang)
    words = s.words
    return _card(
        alt_text=words.cancelled_alt.format(
            hospital=s.alt_hospital, queue=s.alt_queue, date=s.date
        ),
        title=words.cancelled_title,
        header_color=palette.DANGER,
        body=[
            flex.text(words.cancelled_line, bold=True, color=palette.DANGER),
            flex.text(s.hospital, margin="lg", bold=True),
            _fact(words.queue_number, flex.text(s.queue)),
            _patient(s),
            _when(s),
            flex.text(words.cancelled_contact, size="xs", color=palette.MUTED, margin="lg"),
        ],
        footer=_footer((words.details, view.details_link)),
    )


def appointment_moved(old_date: date, view: AppointmentView, lang: Lang = "th") -> dict[str, Any]:
    """The appointment moved from `old_date` to `view.appointment_date` (เลื่อนนัดหมาย)."""
    s = _shown(view, lang)
    words = s.words
    return _card(
        alt_text=words.moved_alt.format(
            hospital=s.alt_hospital, date=s.date, old=short_date(old_date, lang)
        ),
        title=words.moved_title,
        header_color=palette.BRAND,
        body=[
            flex.text(words.moved_line, bold=True),
            _fact(
                words.moved_old,
                flex.text(
                    long_date(old_date, lang),
                    size="sm",
                    color=palette.STRUCK,
                    decoration="line-through",
                ),
            ),
            _when(s, label=words.moved_new, ink=palette.BRAND),
            _hospital_block(s),
            _queue_block(s),
            _patient(s),
        ],
        footer=_links(s, view),
    )
