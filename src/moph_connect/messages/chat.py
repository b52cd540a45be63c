"""Replies in the chat itself: welcome, booking link, help, and the "didn't understand"
fallback. Hospital search results live in `hospitals`, privacy in `privacy`, the survey
conversation in `survey_chat`, the list of appointments in `my_appointments`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from moph_connect.messages import flex, palette
from moph_connect.messages._text import field
from moph_connect.messages.appointment import BRAND_NAME
from moph_connect.messages.i18n import Lang
from moph_connect.messages.menu import (
    book_action,
    erase_action,
    menu_quick_replies,
    menu_words,
    privacy_action,
)

NAME_MAX: Final = 200
BOT_NAME_MAX: Final = 60


@dataclass(frozen=True)
class ChatWords:
    welcome_kicker: str
    welcome_title: str  # {name}
    welcome_lines: tuple[str, str, str]
    welcome_alt: str  # {name}
    booking_title: str
    booking_button: str
    booking_tap: str  # {button}
    booking_card_back: str
    booking_alt: str  # {hospital} {button}
    not_understood: str
    help_lines: tuple[str, ...]
    help_alt: str


CHAT_WORDS: Final[dict[Lang, ChatWords]] = {
    "th": ChatWords(
        welcome_kicker="ยินดีต้อนรับค่ะ",
        welcome_title="สวัสดีค่ะ ยินดีต้อนรับสู่ {name}",
        welcome_lines=(
            "จองคิวโรงพยาบาลผ่าน LINE ได้ง่าย\u00a0ๆ",
            "รับบัตรคิวและข้อความเตือนก่อนถึงวันนัด",
            "แจ้งเตือนเมื่อใกล้ถึงคิวของคุณ ไม่ต้องนั่งรอนาน",
        ),
        welcome_alt="ยินดีต้อนรับสู่ {name} จองคิวโรงพยาบาลและรับการแจ้งเตือนนัดหมายผ่าน LINE",
        booking_title="จองคิวโรงพยาบาล",
        booking_button="จองคิว",
        booking_tap="แตะปุ่ม “{button}” เพื่อเปิดหน้าจองคิวของโรงพยาบาล",
        booking_card_back="เมื่อจองสำเร็จ บัตรคิวจะส่งกลับมาที่แชตนี้ค่ะ",
        booking_alt="จองคิว {hospital}: แตะปุ่ม “{button}”",
        not_understood=(
            "ขออภัยค่ะ ระบบยังไม่เข้าใจข้อความนี้\nพิมพ์ชื่อโรงพยาบาลหรือจังหวัดเพื่อค้นหา หรือเลือกเมนูด้านล่างได้เลยค่ะ"
        ),
        help_lines=(
            "• จองคิว: พิมพ์ชื่อโรงพยาบาลหรือจังหวัด หรือแชร์ตำแหน่งเพื่อหาโรงพยาบาลใกล้คุณ",
            "• เมื่อจองสำเร็จ บัตรคิวและข้อความเตือนนัดจะส่งมาที่แชตนี้",
            "• “นัดหมายของฉัน” แสดงนัดที่กำลังจะมาถึง",
            "• พิมพ์ “ลบข้อมูล” เพื่อลบข้อมูลของคุณออกจาก MOPH Connect ได้ทุกเมื่อ",
        ),
        help_alt="ช่วยเหลือ: วิธีจองคิว นัดหมายของฉัน ความเป็นส่วนตัว และการลบข้อมูล",
    ),
    "en": ChatWords(
        welcome_kicker="Welcome",
        welcome_title="Hello, welcome to {name}",
        welcome_lines=(
            "Book hospital queues on LINE, easily.",
            "Get your queue card and reminders before your appointment.",
            "Be told when your turn is near: no long waits.",
        ),
        welcome_alt="Welcome to {name}: book hospital queues and get appointment reminders on LINE",
        booking_title="Book a hospital queue",
        booking_button="Book",
        booking_tap="Tap “{button}” to open the hospital's booking page.",
        booking_card_back="Once you have booked, your queue card arrives in this chat.",
        booking_alt="Book at {hospital}: tap “{button}”",
        not_understood=(
            "Sorry, I didn't understand that.\n"
            "Type a hospital or province name to search, or choose from the menu below."
        ),
        help_lines=(
            "• To book: type a hospital or province name, or share your location to find "
            "hospitals near you.",
            "• Once you have booked, your queue card and reminders arrive in this chat.",
            "• “My appointments” lists your upcoming appointments.",
            "• Type “delete my data” to remove your data from MOPH Connect at any time.",
        ),
        help_alt="Help: how to book, my appointments, privacy and deleting your data",
    ),
}


def welcome(bot_name: str, lang: Lang = "th") -> dict[str, Any]:
    """The greeting after the patient adds us as a friend, with a "book" button."""
    words = CHAT_WORDS[lang]
    name = field(bot_name, BOT_NAME_MAX)
    first, second, third = words.welcome_lines
    body = flex.box(
        [
            flex.text(words.welcome_title.format(name=name), size="lg", bold=True),
            flex.text(first, margin="lg"),
            flex.text(second, margin="sm"),
            flex.text(third, margin="sm"),
        ],
        padding="lg",
    )
    footer = flex.box([flex.button(book_action(lang))], padding="lg")
    bubble = flex.bubble(
        header_box=flex.header(BRAND_NAME, words.welcome_kicker, palette.BRAND),
        body=body,
        footer=footer,
    )
    return flex.flex_message(words.welcome_alt.format(name=name), bubble)


def booking_link(hospital_name: str, booking_url: str, lang: Lang = "th") -> dict[str, Any]:
    """A button that opens the hospital's booking page (`booking_url` already carries
    `regist=<MOPH Connect ID>`). Raises ValueError if LINE could not open `booking_url`."""
    uri = flex.normalize_link(booking_url)
    if uri is None:
        raise ValueError(f"booking_url is not an http(s) link LINE can open: {booking_url!r}")
    words = CHAT_WORDS[lang]
    name = field(hospital_name, NAME_MAX)
    body = flex.box(
        [
            flex.text(name, size="lg", bold=True),
            flex.text(words.booking_tap.format(button=words.booking_button), margin="lg"),
            flex.text(words.booking_card_back, size="sm", color=palette.MUTED, margin="sm"),
        ],
        padding="lg",
    )
    footer = flex.box([flex.button(flex.uri_action(words.booking_button, uri))], padding="lg")
    bubble = flex.bubble(
        header_box=flex.header(BRAND_NAME, words.booking_title, palette.BRAND),
        body=body,
        footer=footer,
    )
    alt = words.booking_alt.format(hospital=field(name, 80), button=words.booking_button)
    return flex.flex_message(alt, bubble)


def not_understood(lang: Lang = "th") -> dict[str, Any]:
    """The fallback for anything we cannot answer: what she can do, and the menu."""
    return flex.text_message(CHAT_WORDS[lang].not_understood, quick_reply=menu_quick_replies(lang))


def help_message(lang: Lang = "th") -> dict[str, Any]:
    """How MOPH Connect works, with the privacy notice and "delete my data" as buttons."""
    words = CHAT_WORDS[lang]
    body = flex.box(
        [flex.text(line, size="sm", margin="md") for line in words.help_lines], padding="lg"
    )
    footer = flex.box(
        [
            flex.button(privacy_action(lang), style="secondary"),
            flex.button(erase_action(lang), style="secondary"),
        ],
        spacing="sm",
        padding="lg",
    )
    bubble = flex.bubble(
        header_box=flex.header(BRAND_NAME, menu_words(lang).help_long, palette.BRAND),
        body=body,
        footer=footer,
    )
    message = flex.flex_message(words.help_alt, bubble)
    message["quickReply"] = flex.quick_replies(menu_quick_replies(lang))
    return message
