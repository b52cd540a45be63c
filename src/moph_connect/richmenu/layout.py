"""The rich menu's areas and actions (pure data): a 2 x 2 grid on a 2500 x 1686 image.

    +-------------------------+-------------------------+
    | จองคิวโรงพยาบาล           | นัดหมายของฉัน              |
    | book a hospital queue   | my appointments         |
    +-------------------------+-------------------------+
    | โรงพยาบาลใกล้ฉัน          | ช่วยเหลือ/ความเป็นส่วนตัว       |
    | hospitals near me       | help and privacy        |
    +-------------------------+-------------------------+

"Hospitals near me" opens LINE's location picker directly on real LINE (a `uri` action
to `https://line.me/R/nv/location/`); elsewhere (the emulator) it is a postback, which
the bot answers with a "share location" quick reply. Both end in the same location
message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal

from moph_connect.messages import Lang, menu_words
from moph_connect.messages.menu import (
    appointments_action,
    book_action,
    help_action,
    nearby_action,
)

WIDTH: Final = 2500
HEIGHT: Final = 1686
COLUMNS: Final = 2
ROWS: Final = 2
NAME_PREFIX: Final = "MOPH Connect rich menu"
LOCATION_URI: Final = "https://line.me/R/nv/location/"
CHAT_BAR: Final[dict[Lang, str]] = {"th": "เมนู", "en": "Menu"}

AreaKey = Literal["book", "appointments", "nearby", "help"]
NearbyVia = Literal["uri", "postback"]
AREA_ORDER: Final[tuple[AreaKey, ...]] = ("book", "appointments", "nearby", "help")


@dataclass(frozen=True)
class Bounds:
    x: int
    y: int
    width: int
    height: int

    def to_json(self) -> dict[str, int]:
        return {"x": self.x, "y": self.y, "width": self.width, "height": self.height}


@dataclass(frozen=True)
class Area:
    key: AreaKey
    bounds: Bounds
    label: tuple[str, ...]  # the lines drawn on the image
    action: dict[str, Any]


def menu_name(lang: Lang) -> str:
    """The name our menus carry on the channel (not shown to users; ≤ 300 characters)."""
    return f"{NAME_PREFIX} ({lang})"


def is_ours(name: object) -> bool:
    return isinstance(name, str) and name.startswith(NAME_PREFIX)


def cell(index: int) -> Bounds:
    """The bounds of grid cell `index` (0 top left, row by row); the last column and row
    take the pixels an uneven split leaves."""
    column, row = index % COLUMNS, index // COLUMNS
    width, height = WIDTH // COLUMNS, HEIGHT // ROWS
    x, y = column * width, row * height
    return Bounds(
        x,
        y,
        WIDTH - x if column == COLUMNS - 1 else width,
        HEIGHT - y if row == ROWS - 1 else height,
    )


def _label(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split("/")) if "/" in text else (text,)


def areas(lang: Lang, nearby_via: NearbyVia = "postback") -> list[Area]:
    words = menu_words(lang)
    nearby = (
        {"type": "uri", "label": words.nearby, "uri": LOCATION_URI}
        if nearby_via == "uri"
        else nearby_action(lang)
    )
    actions: dict[AreaKey, tuple[str, dict[str, Any]]] = {
        "book": (words.book, book_action(lang)),
        "appointments": (words.appointments, appointments_action(lang)),
        "nearby": (words.nearby, nearby),
        "help": (words.help_long, help_action(lang)),
    }
    return [
        Area(key, cell(i), _label(actions[key][0]), actions[key][1])
        for i, key in enumerate(AREA_ORDER)
    ]


def rich_menu(lang: Lang, nearby_via: NearbyVia = "postback") -> dict[str, Any]:
    """The rich menu object for `POST /v2/bot/richmenu`."""
    return {
        "size": {"width": WIDTH, "height": HEIGHT},
        "selected": True,
        "name": menu_name(lang),
        "chatBarText": CHAT_BAR[lang],
        "areas": [
            {"bounds": area.bounds.to_json(), "action": area.action}
            for area in areas(lang, nearby_via)
        ],
    }
