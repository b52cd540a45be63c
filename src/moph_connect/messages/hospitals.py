"""Finding a hospital: the search prompt, results as a carousel, "no results" with tips,
and the request to share a location."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from moph_connect.messages import flex, palette
from moph_connect.messages._text import clean, field
from moph_connect.messages.i18n import Lang
from moph_connect.messages.menu import (
    appointments_action,
    book_action,
    help_action,
    location_action,
    menu_quick_replies,
    menu_words,
)
from moph_connect.messages.postback import build_pick

MAX_HOSPITALS: Final = 12  # LINE's carousel limit
# Tighter in the carousel: twelve bubbles must stay under LINE's 50 KB in any script.
PICKER_NAME_MAX: Final = 120
PROVINCE_MAX: Final = 60
DISTRICT_MAX: Final = 60
QUERY_SHOWN_MAX: Final = 40
_PHONE_DIGITS: Final = re.compile(r"\+?[0-9]{3,15}")


@dataclass(frozen=True)
class HospitalChoice:
    """A hospital the patient can book with through MOPH Connect."""

    hospital_id: str
    name: str
    province: str | None = None
    district: str | None = None
    phone: str | None = None
    distance_km: float | None = None


@dataclass(frozen=True)
class HospitalWords:
    pick: str
    pick_display: str  # {name}
    call: str
    distance: str  # {km}
    province_prefix: str
    district_prefix: str
    none_registered: str
    alt_one: str  # {name}
    alt_many: str  # {count} {pick}
    alt_nearby: str  # {count}
    prompt: str
    prompt_again: str
    location_request: str
    no_results: str  # {query}
    no_nearby: str


HOSPITAL_WORDS: Final[dict[Lang, HospitalWords]] = {
    "th": HospitalWords(
        pick="เลือกโรงพยาบาลนี้",
        pick_display="เลือก {name}",
        call="โทร",
        distance="ห่างจากคุณประมาณ {km} กม.",
        province_prefix="จังหวัด",
        district_prefix="อำเภอ",
        none_registered=(
            "ขออภัยค่ะ ขณะนี้ยังไม่มีโรงพยาบาลที่เปิดให้จองคิวผ่าน MOPH Connect กรุณาลองใหม่ภายหลังค่ะ"
        ),
        alt_one="เลือกโรงพยาบาลที่ต้องการจองคิว: {name}",
        alt_many="เลือกโรงพยาบาลที่ต้องการจองคิว ({count} แห่ง) เลื่อนดูแล้วแตะ “{pick}”",
        alt_nearby="โรงพยาบาลใกล้คุณ {count} แห่ง เรียงจากใกล้ที่สุด",
        prompt=(
            "ต้องการจองคิวที่โรงพยาบาลไหนคะ\n"
            "พิมพ์ชื่อโรงพยาบาลหรือชื่อจังหวัดได้เลย เช่น “ปทุมธานี”\n"
            "หรือแตะ “แชร์ตำแหน่ง” เพื่อหาโรงพยาบาลใกล้คุณค่ะ"
        ),
        prompt_again=(
            "หรือพิมพ์ชื่อโรงพยาบาลหรือจังหวัดเพื่อค้นหาแห่งอื่น หรือแตะ “แชร์ตำแหน่ง” เพื่อหาโรงพยาบาลใกล้คุณค่ะ"
        ),
        location_request=(
            "แตะ “แชร์ตำแหน่ง” ด้านล่าง แล้วเลือกตำแหน่งของคุณ "
            "ระบบจะแสดงโรงพยาบาลที่อยู่ใกล้ที่สุดให้ค่ะ\n"
            "ตำแหน่งนี้ใช้เพื่อค้นหาเท่านั้นค่ะ"
        ),
        no_results=(
            "ขออภัยค่ะ ไม่พบโรงพยาบาลที่ตรงกับ “{query}”\n"
            "• ลองพิมพ์เฉพาะชื่อ เช่น “ปทุมธานี” แทน “โรงพยาบาลปทุมธานี”\n"
            "• ลองพิมพ์ชื่อจังหวัดหรืออำเภอ\n"
            "• หรือแตะ “แชร์ตำแหน่ง” เพื่อหาโรงพยาบาลใกล้คุณค่ะ"
        ),
        no_nearby=(
            "ขออภัยค่ะ ยังไม่พบโรงพยาบาลที่เปิดให้จองคิวผ่าน MOPH Connect ใกล้ตำแหน่งนี้\n"
            "ลองพิมพ์ชื่อโรงพยาบาลหรือชื่อจังหวัดเพื่อค้นหาได้ค่ะ"
        ),
    ),
    "en": HospitalWords(
        pick="Book here",
        pick_display="Book at {name}",
        call="Call",
        distance="About {km} km from you",
        province_prefix="",
        district_prefix="",
        none_registered=(
            "Sorry, no hospital takes bookings through MOPH Connect yet. Please try again later."
        ),
        alt_one="Choose a hospital to book at: {name}",
        alt_many="Choose a hospital to book at ({count} found): swipe, then tap “{pick}”",
        alt_nearby="{count} hospitals near you, nearest first",
        prompt=(
            "Which hospital would you like to book at?\n"
            "Type a hospital or province name, for example “Pathum Thani”,\n"
            "or tap “Share location” to find hospitals near you."
        ),
        prompt_again=(
            "Or type a hospital or province name to search for another one, "
            "or tap “Share location” to find hospitals near you."
        ),
        location_request=(
            "Tap “Share location” below and choose where you are: "
            "I will show the nearest hospitals.\n"
            "Your location is only used for this search."
        ),
        no_results=(
            "Sorry, no hospital matches “{query}”.\n"
            "• Try a shorter name, for example “Pathum Thani”.\n"
            "• Try the province or district name.\n"
            "• Or tap “Share location” to find hospitals near you."
        ),
        no_nearby=(
            "Sorry, no hospital near this location takes bookings through MOPH Connect yet.\n"
            "Type a hospital or province name to search."
        ),
    ),
}


def _place_line(choice: HospitalChoice, words: HospitalWords) -> str | None:
    parts: list[str] = []
    for value, prefix, limit in (
        (choice.district, words.district_prefix, DISTRICT_MAX),
        (choice.province, words.province_prefix, PROVINCE_MAX),
    ):
        if value is None or not clean(value):
            continue
        shown = field(value, limit)
        prefixed = shown.startswith(("จังหวัด", "จ.", "อำเภอ", "อ.", "เขต", "กรุงเทพ"))
        parts.append(shown if prefixed or not prefix else f"{prefix}{shown}")
    return " ".join(parts) or None


def _phone_uri(phone: str | None) -> str | None:
    if phone is None:
        return None
    digits = re.sub(r"[\s().-]", "", phone)
    return f"tel:{digits}" if _PHONE_DIGITS.fullmatch(digits) else None


def _distance(km: float, words: HospitalWords) -> str:
    shown = f"{km:.1f}" if km < 10 else f"{km:.0f}"
    return words.distance.format(km=shown)


def _hospital_bubble(choice: HospitalChoice, words: HospitalWords) -> flex.JSON:
    name = field(choice.name, PICKER_NAME_MAX)
    lines = [flex.text(name, size="lg", bold=True)]
    place = _place_line(choice, words)
    if place is not None:
        lines.append(flex.text(place, size="sm", color=palette.MUTED))
    if choice.distance_km is not None and choice.distance_km >= 0:
        lines.append(
            flex.text(_distance(choice.distance_km, words), size="sm", color=palette.BRAND)
        )
    action = flex.postback_action(
        words.pick,
        build_pick(choice.hospital_id),
        display_text=words.pick_display.format(name=name),
    )
    buttons = [flex.button(action)]
    phone = _phone_uri(choice.phone)
    if phone is not None:
        buttons.append(flex.button(flex.uri_action(words.call, phone), style="secondary"))
    return flex.bubble(
        header_box=None,
        body=flex.box(lines, spacing="sm", padding="lg"),
        footer=flex.box(buttons, spacing="sm", padding="lg"),
        size="kilo",
    )


def hospital_picker(
    hospitals: Sequence[HospitalChoice], lang: Lang = "th", *, nearby: bool = False
) -> dict[str, Any]:
    """A carousel of up to 12 hospitals, each with a "pick" button (and "call" when the
    hospital has a phone number); a short text if there are none.

    Raises ValueError if a hospital id cannot travel in postback data (see `postback`).
    """
    words = HOSPITAL_WORDS[lang]
    if not hospitals:
        return flex.text_message(words.none_registered, quick_reply=menu_quick_replies(lang))
    shown = list(hospitals[:MAX_HOSPITALS])
    carousel = {"type": "carousel", "contents": [_hospital_bubble(h, words) for h in shown]}
    if nearby:
        alt = words.alt_nearby.format(count=len(shown))
    elif len(shown) == 1:
        alt = words.alt_one.format(name=field(shown[0].name, 80))
    else:
        alt = words.alt_many.format(count=len(shown), pick=words.pick)
    return flex.flex_message(alt, carousel)


def _search_quick_replies(lang: Lang) -> list[flex.JSON]:
    """Share a location, or the rest of the menu."""
    menu = menu_words(lang)
    return [
        location_action(menu.share_location),
        book_action(lang),
        appointments_action(lang),
        help_action(lang),
    ]


def search_prompt(lang: Lang = "th", *, after_results: bool = False) -> dict[str, Any]:
    """Ask which hospital: type a name or province, or share a location."""
    words = HOSPITAL_WORDS[lang]
    text = words.prompt_again if after_results else words.prompt
    menu = menu_words(lang)
    return flex.text_message(text, quick_reply=[location_action(menu.share_location)])


def location_request(lang: Lang = "th") -> dict[str, Any]:
    """Ask her to share her location, with LINE's location picker as a quick reply."""
    menu = menu_words(lang)
    return flex.text_message(
        HOSPITAL_WORDS[lang].location_request, quick_reply=[location_action(menu.share_location)]
    )


def no_results(query: str, lang: Lang = "th") -> dict[str, Any]:
    """Nothing matched what she typed: tips, and ways on."""
    shown = field(query, QUERY_SHOWN_MAX)
    return flex.text_message(
        HOSPITAL_WORDS[lang].no_results.format(query=shown), quick_reply=_search_quick_replies(lang)
    )


def no_nearby(lang: Lang = "th") -> dict[str, Any]:
    """No hospital near the location she shared."""
    return flex.text_message(
        HOSPITAL_WORDS[lang].no_nearby, quick_reply=_search_quick_replies(lang)
    )
