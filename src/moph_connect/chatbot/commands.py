"""What typed words mean: a few commands in Thai and English; anything else is a search.

A message is a command only when the whole of it is one (after dropping spaces,
punctuation and emoji, case-blind): "ลบข้อมูล" deletes, "ลบข้อมูลโรงพยาบาล..." searches.
"""

from __future__ import annotations

import unicodedata
from enum import Enum
from typing import Final


class Command(Enum):
    BOOK = "book"
    APPOINTMENTS = "appointments"
    NEARBY = "nearby"
    HELP = "help"
    PRIVACY = "privacy"
    ERASE = "erase"
    SKIP = "skip"


_WORDS: Final[dict[Command, tuple[str, ...]]] = {
    Command.BOOK: (
        "จองคิว",
        "จองคิวโรงพยาบาล",
        "จอง",
        "จองคิวรพ",
        "จองนัด",
        "book",
        "booking",
        "bookaqueue",
        "bookqueue",
        "bookahospitalqueue",
    ),
    Command.APPOINTMENTS: (
        "นัดหมายของฉัน",
        "นัดหมาย",
        "นัดของฉัน",
        "ดูนัด",
        "ดูนัดหมาย",
        "myappointments",
        "myappointment",
        "appointments",
        "appointment",
    ),
    Command.NEARBY: (
        "โรงพยาบาลใกล้ฉัน",
        "รพใกล้ฉัน",
        "ใกล้ฉัน",
        "โรงพยาบาลใกล้ๆ",
        "hospitalsnearme",
        "hospitalnearme",
        "nearme",
        "nearby",
    ),
    Command.HELP: (
        "ช่วยเหลือ",
        "ช่วยเหลือความเป็นส่วนตัว",
        "วิธีใช้",
        "เมนู",
        "สวัสดี",
        "สวัสดีค่ะ",
        "สวัสดีครับ",
        "หวัดดี",
        "help",
        "helpprivacy",
        "menu",
        "hi",
        "hello",
        "start",
    ),
    Command.PRIVACY: (
        "ความเป็นส่วนตัว",
        "นโยบายความเป็นส่วนตัว",
        "ข้อตกลง",
        "ยอมรับ",
        "privacy",
        "privacynotice",
        "accept",
    ),
    Command.ERASE: (
        "ลบข้อมูล",
        "ลบข้อมูลของฉัน",
        "ลบข้อมูลฉัน",
        "deletemydata",
        "deletedata",
        "erasemydata",
    ),
    Command.SKIP: ("ข้าม", "ไม่มี", "skip", "no", "none"),
}


def _key(text: str) -> str:
    """Letters, digits and Thai marks only, case-folded (ๆ counts as a letter)."""
    kept = (
        ch
        for ch in unicodedata.normalize("NFC", text).casefold()
        if unicodedata.category(ch)[0] in ("L", "N", "M")
    )
    return "".join(kept)


_BY_KEY: Final[dict[str, Command]] = {
    _key(word): command for command, words in _WORDS.items() for word in words
}


def command_of(text: str) -> Command | None:
    return _BY_KEY.get(_key(text))


def has_words(text: str) -> bool:
    """Whether `text` has anything to search for (not only emoji, spaces or punctuation)."""
    return bool(_key(text))
