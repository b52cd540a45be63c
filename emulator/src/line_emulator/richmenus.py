"""Rich menus: their objects and images per channel, the default menu, per-user links.

Like users, rich menus are the channel's configuration: `/control/reset` keeps them.
The rules LINE states but its OpenAPI file leaves out (every key required, the size
limits, at most 20 areas, at most 1,000 menus, an image before linking) are checked here.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

from line_emulator.images import ImageType
from line_emulator.validation import ErrorDetail

MAX_RICH_MENUS: Final = 1000  # per channel, made through the Messaging API
MAX_AREAS: Final = 20
MAX_IMAGE_BYTES: Final = 1024 * 1024  # "Max file size: 1 MB"
MIN_WIDTH: Final = 800
MAX_WIDTH: Final = 2500
MIN_HEIGHT: Final = 250
MIN_ASPECT_RATIO: Final = 1.45  # width / height


_REQUIRED_KEYS: Final = ("size", "selected", "name", "chatBarText", "areas")
_BOUNDS_KEYS: Final = ("x", "y", "width", "height")
# What each action type needs to do anything (LINE's action objects reference).
_ACTION_KEYS: Final[dict[str, tuple[str, ...]]] = {
    "postback": ("data",),
    "message": ("text",),
    "uri": ("uri",),
    "datetimepicker": ("data", "mode"),
    "richmenuswitch": ("richMenuAliasId", "data"),
    "clipboard": ("clipboardText",),
}
# Schemes LINE opens from a URI action.
_URI_SCHEMES: Final = frozenset({"http", "https", "line", "tel"})


def new_rich_menu_id() -> str:
    return "richmenu-" + secrets.token_hex(16)


@dataclass(frozen=True)
class RichMenuImage:
    media_type: ImageType
    data: bytes


@dataclass
class RichMenu:
    rich_menu_id: str
    channel: str
    size: dict[str, int]
    selected: bool
    name: str
    chat_bar_text: str
    areas: list[dict[str, Any]]
    image: RichMenuImage | None = None

    def to_json(self) -> dict[str, Any]:
        """LINE's rich menu response object."""
        return {
            "richMenuId": self.rich_menu_id,
            "size": self.size,
            "selected": self.selected,
            "name": self.name,
            "chatBarText": self.chat_bar_text,
            "areas": self.areas,
        }


def rule_details(payload: dict[str, Any]) -> list[ErrorDetail]:
    """LINE's rules for a rich menu object beyond its schema, which `payload` already meets
    (so present keys have the right JSON types)."""
    details = [
        ErrorDetail("must be specified", key) for key in _REQUIRED_KEYS if key not in payload
    ]
    size = payload.get("size")
    if isinstance(size, dict):
        details += _size_details(size)
    areas = payload.get("areas")
    if isinstance(areas, list):
        if len(areas) > MAX_AREAS:
            details.append(ErrorDetail(f"size must be between 0 and {MAX_AREAS}", "areas"))
        for index, area in enumerate(areas):
            details += _area_details(area, f"areas[{index}]")
    return details


def _size_details(size: dict[str, Any]) -> list[ErrorDetail]:
    missing = [
        ErrorDetail("must be specified", f"size.{k}") for k in ("width", "height") if k not in size
    ]
    if missing:
        return missing
    width, height = size["width"], size["height"]
    details: list[ErrorDetail] = []
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        details.append(ErrorDetail(f"must be between {MIN_WIDTH} and {MAX_WIDTH}", "size.width"))
    if height < MIN_HEIGHT:
        details.append(ErrorDetail(f"must be greater than or equal to {MIN_HEIGHT}", "size.height"))
    if not details and width / height < MIN_ASPECT_RATIO:
        message = f"the aspect ratio (width / height) must be at least {MIN_ASPECT_RATIO}"
        details.append(ErrorDetail(message, "size"))
    return details


def _area_details(area: dict[str, Any], path: str) -> list[ErrorDetail]:
    details = [
        ErrorDetail("must be specified", f"{path}.{k}")
        for k in ("bounds", "action")
        if k not in area
    ]
    bounds = area.get("bounds")
    if isinstance(bounds, dict):
        details += [
            ErrorDetail("must be specified", f"{path}.bounds.{key}")
            for key in _BOUNDS_KEYS
            if key not in bounds
        ]
    action = area.get("action")
    if isinstance(action, dict):
        kind = action.get("type")
        for key in _ACTION_KEYS.get(kind if isinstance(kind, str) else "", ()):
            if not action.get(key):
                details.append(ErrorDetail("must be specified", f"{path}.action.{key}"))
        uri = action.get("uri")
        if kind == "uri" and isinstance(uri, str) and uri and not _openable(uri):
            details.append(ErrorDetail("invalid uri", f"{path}.action.uri"))
    return details


def _openable(uri: str) -> bool:
    try:
        parts = urlsplit(uri)
    except ValueError:
        return False
    if parts.scheme.lower() not in _URI_SCHEMES:
        return False
    return parts.scheme.lower() not in ("http", "https") or bool(parts.netloc)


@dataclass
class _ChannelMenus:
    menus: dict[str, RichMenu] = field(default_factory=dict)  # in creation order
    default_id: str | None = None


class RichMenuStore:
    """Every channel's rich menus. Like `EmulatorState`, used from the event loop only."""

    def __init__(self, channels: list[str]) -> None:
        self._channels = {name: _ChannelMenus() for name in channels}
        self._links: dict[str, str] = {}  # user ID -> rich menu ID (user IDs are per channel)

    def create(self, channel: str, payload: dict[str, Any]) -> RichMenu | None:
        """A new menu from a valid rich menu object; None when the channel has the maximum."""
        menus = self._channels[channel].menus
        if len(menus) >= MAX_RICH_MENUS:
            return None
        menu = RichMenu(
            rich_menu_id=new_rich_menu_id(),
            channel=channel,
            size={"width": payload["size"]["width"], "height": payload["size"]["height"]},
            selected=payload["selected"],
            name=payload["name"],
            chat_bar_text=payload["chatBarText"],
            areas=payload["areas"],
        )
        menus[menu.rich_menu_id] = menu
        return menu

    def get(self, channel: str, rich_menu_id: str) -> RichMenu | None:
        """The channel's menu (another channel's menus do not exist for it)."""
        return self._channels[channel].menus.get(rich_menu_id)

    def find(self, rich_menu_id: str) -> RichMenu | None:
        """A menu of any channel (for the control API)."""
        for channel in self._channels.values():
            menu = channel.menus.get(rich_menu_id)
            if menu is not None:
                return menu
        return None

    def menus(self, channel: str) -> list[RichMenu]:
        return list(self._channels[channel].menus.values())

    def delete(self, channel: str, rich_menu_id: str) -> bool:
        """Remove a menu, its use as the default and its links; False if there was none."""
        state = self._channels[channel]
        if state.menus.pop(rich_menu_id, None) is None:
            return False
        if state.default_id == rich_menu_id:
            state.default_id = None
        self._links = {user: menu for user, menu in self._links.items() if menu != rich_menu_id}
        return True

    def set_default(self, channel: str, menu: RichMenu | None) -> None:
        self._channels[channel].default_id = None if menu is None else menu.rich_menu_id

    def default(self, channel: str) -> RichMenu | None:
        state = self._channels[channel]
        return None if state.default_id is None else state.menus.get(state.default_id)

    def link(self, user_id: str, menu: RichMenu) -> None:
        self._links[user_id] = menu.rich_menu_id

    def unlink(self, user_id: str) -> None:
        self._links.pop(user_id, None)

    def linked(self, channel: str, user_id: str) -> RichMenu | None:
        rich_menu_id = self._links.get(user_id)
        return None if rich_menu_id is None else self.get(channel, rich_menu_id)

    def shown_to(self, channel: str, user_id: str) -> tuple[RichMenu, str] | None:
        """The menu a user sees and why ("user": linked to them, "default": the channel's)."""
        linked = self.linked(channel, user_id)
        if linked is not None:
            return linked, "user"
        default = self.default(channel)
        return None if default is None else (default, "default")
