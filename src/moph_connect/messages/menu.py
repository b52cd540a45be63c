"""The four things MOPH Connect offers, as the rich menu and as quick replies.

Every answer that ends a conversation offers them again, so the patient is never stuck:
book a hospital queue, my appointments, hospitals near me, help and privacy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from moph_connect.messages import flex
from moph_connect.messages.i18n import Lang
from moph_connect.messages.postback import (
    AppointmentsAction,
    BookAction,
    EraseAction,
    HelpAction,
    NearbyAction,
    PostbackAction,
    PrivacyAction,
    build,
)


@dataclass(frozen=True)
class MenuWords:
    book: str
    appointments: str
    nearby: str
    help: str
    help_long: str  # on the rich menu, where there is room
    share_location: str
    privacy: str
    erase: str


MENU_WORDS: Final[dict[Lang, MenuWords]] = {
    "th": MenuWords(
        book="จองคิวโรงพยาบาล",
        appointments="นัดหมายของฉัน",
        nearby="โรงพยาบาลใกล้ฉัน",
        help="ช่วยเหลือ",
        help_long="ช่วยเหลือ/ความเป็นส่วนตัว",
        share_location="แชร์ตำแหน่ง",
        privacy="ความเป็นส่วนตัว",
        erase="ลบข้อมูลของฉัน",
    ),
    "en": MenuWords(
        book="Book a queue",
        appointments="My appointments",
        nearby="Hospitals near me",
        help="Help",
        help_long="Help & privacy",
        share_location="Share location",
        privacy="Privacy",
        erase="Delete my data",
    ),
}


def menu_words(lang: Lang) -> MenuWords:
    return MENU_WORDS[lang]


def _tap(label: str, action: PostbackAction) -> flex.JSON:
    """A postback button that shows its label as her message, as a menu tap does."""
    return flex.postback_action(label, build(action), display_text=label)


def book_action(lang: Lang = "th") -> flex.JSON:
    return _tap(MENU_WORDS[lang].book, BookAction())


def appointments_action(lang: Lang = "th") -> flex.JSON:
    return _tap(MENU_WORDS[lang].appointments, AppointmentsAction())


def nearby_action(lang: Lang = "th") -> flex.JSON:
    """Ask us to ask for her location (a rich menu area, where LINE has no location action)."""
    return _tap(MENU_WORDS[lang].nearby, NearbyAction())


def help_action(lang: Lang = "th") -> flex.JSON:
    return _tap(MENU_WORDS[lang].help, HelpAction())


def privacy_action(lang: Lang = "th") -> flex.JSON:
    return _tap(MENU_WORDS[lang].privacy, PrivacyAction())


def erase_action(lang: Lang = "th") -> flex.JSON:
    return _tap(MENU_WORDS[lang].erase, EraseAction())


def location_action(label: str) -> flex.JSON:
    """Opens LINE's location picker; the location she shares comes back as a message.
    Only valid as a quick reply."""
    return {"type": "location", "label": flex.clip_label(label)}


def menu_quick_replies(lang: Lang = "th") -> list[flex.JSON]:
    """The menu as quick replies; "near me" opens the location picker directly."""
    return [
        book_action(lang),
        appointments_action(lang),
        location_action(MENU_WORDS[lang].nearby),
        help_action(lang),
    ]
