"""Replies in the chat itself: welcome, hospital picker, booking link, survey replies and
the "didn't understand" fallback."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from moph_connect.messages import flex, palette
from moph_connect.messages._text import clean, field
from moph_connect.messages.appointment import BRAND_NAME, SURVEY_SCORE_LABELS
from moph_connect.messages.postback import build_book, build_pick

BOOK_LABEL: Final = "จองคิวโรงพยาบาล"
PICK_LABEL: Final = "เลือกโรงพยาบาลนี้"
BOOKING_BUTTON_LABEL: Final = "จองคิว"
MAX_HOSPITALS: Final = 12  # LINE's carousel limit
NAME_MAX: Final = 200
# Tighter in the carousel: twelve bubbles must stay under LINE's 50 KB in any script.
PICKER_NAME_MAX: Final = 120
PROVINCE_MAX: Final = 60
BOT_NAME_MAX: Final = 60


@dataclass(frozen=True)
class HospitalChoice:
    """A hospital the patient can book with through MOPH Connect."""

    hospital_id: str
    name: str
    province: str | None = None


def _book_action() -> flex.JSON:
    return flex.postback_action(BOOK_LABEL, build_book(), display_text=BOOK_LABEL)


def welcome(bot_name: str) -> dict[str, Any]:
    """The greeting after the patient adds us as a friend, with a "book" button."""
    name = field(bot_name, BOT_NAME_MAX)
    body = flex.box(
        [
            flex.text(f"สวัสดีค่ะ ยินดีต้อนรับสู่ {name}", size="lg", bold=True),
            flex.text("จองคิวโรงพยาบาลผ่าน LINE ได้ง่าย ๆ", margin="lg"),
            flex.text("รับบัตรคิวและข้อความเตือนก่อนถึงวันนัด", margin="sm"),
            flex.text("แจ้งเตือนเมื่อใกล้ถึงคิวของคุณ ไม่ต้องนั่งรอนาน", margin="sm"),
        ],
        padding="lg",
    )
    footer = flex.box([flex.button(_book_action())], padding="lg")
    bubble = flex.bubble(
        header_box=flex.header(BRAND_NAME, "ยินดีต้อนรับค่ะ", palette.BRAND),
        body=body,
        footer=footer,
    )
    return flex.flex_message(
        f"ยินดีต้อนรับสู่ {name} จองคิวโรงพยาบาลและรับการแจ้งเตือนนัดหมายผ่าน LINE", bubble
    )


def _province_line(province: str | None) -> str | None:
    if province is None or not clean(province):
        return None
    shown = field(province, PROVINCE_MAX)
    if shown.startswith(("จังหวัด", "จ.", "กรุงเทพ")):
        return shown
    return f"จังหวัด{shown}"


def _hospital_bubble(choice: HospitalChoice) -> flex.JSON:
    name = field(choice.name, PICKER_NAME_MAX)
    lines = [flex.text(name, size="lg", bold=True)]
    province = _province_line(choice.province)
    if province is not None:
        lines.append(flex.text(province, size="sm", color=palette.MUTED))
    action = flex.postback_action(
        PICK_LABEL, build_pick(choice.hospital_id), display_text=f"เลือก {name}"
    )
    return flex.bubble(
        header_box=None,
        body=flex.box(lines, spacing="sm", padding="lg"),
        footer=flex.box([flex.button(action)], padding="lg"),
        size="kilo",
    )


def hospital_picker(hospitals: Sequence[HospitalChoice]) -> dict[str, Any]:
    """A carousel of up to 12 hospitals, each with a "pick" button; a short text if none.

    Raises ValueError if a hospital id cannot travel in postback data (see `postback`).
    """
    if not hospitals:
        return flex.text_message(
            "ขออภัยค่ะ ขณะนี้ยังไม่มีโรงพยาบาลที่เปิดให้จองคิวผ่าน MOPH Connect กรุณาลองใหม่ภายหลังค่ะ"
        )
    shown = list(hospitals[:MAX_HOSPITALS])
    carousel = {"type": "carousel", "contents": [_hospital_bubble(h) for h in shown]}
    if len(shown) == 1:
        alt = f"เลือกโรงพยาบาลที่ต้องการจองคิว: {field(shown[0].name, 80)}"
    else:
        alt = f"เลือกโรงพยาบาลที่ต้องการจองคิว ({len(shown)} แห่ง) เลื่อนดูแล้วแตะ “{PICK_LABEL}”"
    return flex.flex_message(alt, carousel)


def booking_link(hospital_name: str, booking_url: str) -> dict[str, Any]:
    """A button that opens the hospital's booking page (`booking_url` already carries
    `regist=<MOPH Connect ID>`). Raises ValueError if LINE could not open `booking_url`."""
    uri = flex.normalize_link(booking_url)
    if uri is None:
        raise ValueError(f"booking_url is not an http(s) link LINE can open: {booking_url!r}")
    name = field(hospital_name, NAME_MAX)
    body = flex.box(
        [
            flex.text(name, size="lg", bold=True),
            flex.text(
                f"แตะปุ่ม “{BOOKING_BUTTON_LABEL}” เพื่อเปิดหน้าจองคิวของโรงพยาบาล",
                margin="lg",
            ),
            flex.text(
                "เมื่อจองสำเร็จ บัตรคิวจะส่งกลับมาที่แชตนี้ค่ะ",
                size="sm",
                color=palette.MUTED,
                margin="sm",
            ),
        ],
        padding="lg",
    )
    footer = flex.box([flex.button(flex.uri_action(BOOKING_BUTTON_LABEL, uri))], padding="lg")
    bubble = flex.bubble(
        header_box=flex.header(BRAND_NAME, "จองคิวโรงพยาบาล", palette.BRAND),
        body=body,
        footer=footer,
    )
    return flex.flex_message(f"จองคิว {field(name, 80)}: แตะปุ่ม “{BOOKING_BUTTON_LABEL}”", bubble)


def survey_thanks(score: int) -> dict[str, Any]:
    """The reply to a survey answer. Raises ValueError for a score outside 1-5."""
    label = SURVEY_SCORE_LABELS.get(score) if not isinstance(score, bool) else None
    if label is None:
        raise ValueError(f"score must be 1-5, got {score!r}")
    if score >= 4:
        follow = "ยินดีที่ได้ดูแลคุณค่ะ"
    elif score == 3:
        follow = "เราจะนำความเห็นของคุณไปพัฒนาบริการให้ดียิ่งขึ้นค่ะ"
    else:
        follow = "ขออภัยในความไม่สะดวก เราจะนำความเห็นของคุณไปปรับปรุงบริการค่ะ"
    return flex.text_message(f"ขอบคุณที่ร่วมประเมินความพึงพอใจค่ะ\nคุณให้คะแนน {score} ({label})\n{follow}")


def survey_already_answered() -> dict[str, Any]:
    return flex.text_message("คุณได้ประเมินความพึงพอใจครั้งนี้ไปแล้ว ขอบคุณค่ะ")


def not_understood() -> dict[str, Any]:
    """The fallback for anything we cannot answer, offering booking as a quick reply."""
    return flex.text_message(
        f"ขออภัยค่ะ ระบบยังไม่เข้าใจข้อความนี้\nหากต้องการจองคิว แตะ “{BOOK_LABEL}” ด้านล่างได้เลยค่ะ",
        quick_reply=[_book_action()],
    )
