"""Drawing the rich menu image with Pillow: four teal tiles, a simple icon and a label on
each, readable on a small phone.

A phone shows the 2500-pixel-wide image about 360 points wide (1 : 7), so labels are
drawn 100-130 px high (14-18 points on screen) and icons about 330 px. The colours are
the MOPH palette of the chat cards; white on teal meets WCAG AA.

Thai needs a Thai font and a shaping engine to place its vowel and tone marks: the
image uses Debian's TLWG fonts (`apt-get install -y fonts-thai-tlwg`) and Pillow's Raqm
layout when available.
"""

from __future__ import annotations

import glob
import io
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Final

from PIL import Image, ImageDraw, ImageFont, features

from moph_connect.messages import Lang, palette
from moph_connect.richmenu.layout import HEIGHT, WIDTH, Area, AreaKey, Bounds, areas

MAX_IMAGE_BYTES: Final = 1024 * 1024  # LINE's limit
GAP: Final = 12  # white line between tiles
LABEL_SIZES: Final = (130, 118, 106, 96)  # px, tried largest first
SECOND_LINE_RATIO: Final = 0.72
ICON_SIZE: Final = 330
ICON_INK: Final = "#FFFFFF"
TILE: Final = palette.BRAND
TILE_ACCENT: Final = "#00695C"  # a shade darker, behind the icon
BACKGROUND: Final = "#FFFFFF"

# Bold, plain sans-serif Thai faces first; any TLWG face as a last resort.
FONT_CANDIDATES: Final = (
    "Loma-Bold",
    "Waree-Bold",
    "Garuda-Bold",
    "Umpush-Bold",
    "Loma",
    "Waree",
    "Garuda",
)
FONT_DIRECTORIES: Final = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.fonts")
MISSING_FONT: Final = (
    "No Thai font found for the rich menu image. Install Debian's TLWG fonts "
    "(apt-get install -y fonts-thai-tlwg) or pass --font /path/to/a-thai-font.ttf."
)


class FontMissing(RuntimeError):
    pass


def find_thai_font(explicit: str | None = None) -> Path:
    """A font file that draws Thai: `explicit` if given, else a TLWG face found under the
    usual font directories (TrueType or OpenType). Raises `FontMissing` with what to do."""
    if explicit is not None:
        path = Path(explicit).expanduser()
        if not path.is_file() or not _draws_thai(path):
            raise FontMissing(f"{path} is not a font that can draw Thai. {MISSING_FONT}")
        return path
    for name in FONT_CANDIDATES:
        for directory in FONT_DIRECTORIES:
            root = Path(directory).expanduser()
            for extension in ("ttf", "otf"):
                for found in sorted(glob.glob(f"{root}/**/{name}.{extension}", recursive=True)):
                    if _draws_thai(Path(found)):
                        return Path(found)
    raise FontMissing(MISSING_FONT)


def _draws_thai(path: Path) -> bool:
    try:
        font = ImageFont.truetype(str(path), 40)
    except OSError:
        return False
    # A font without Thai draws every letter as the same "missing" box (or nothing).
    drawn = set()
    for letter in "กขฟ":
        canvas = Image.new("L", (60, 60), 0)
        ImageDraw.Draw(canvas).text((10, 5), letter, font=font, fill=255)
        drawn.add(canvas.tobytes())
    return len(drawn) == 3 and bytes(60 * 60) not in drawn


@cache
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    engine = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
    return ImageFont.truetype(path, size, layout_engine=engine)


# --- icons: simple shapes, drawn in a square box ------------------------------------


def _calendar(draw: ImageDraw.ImageDraw, x: int, y: int, s: int) -> None:
    w = max(8, s // 18)
    draw.rounded_rectangle(
        (x, y + s * 0.12, x + s, y + s), radius=s // 10, outline=ICON_INK, width=w
    )
    draw.rectangle((x, y + s * 0.12, x + s, y + s * 0.34), fill=ICON_INK)
    for ring in (0.28, 0.72):
        cx = x + s * ring
        draw.rounded_rectangle((cx - w, y, cx + w, y + s * 0.22), radius=w, fill=ICON_INK)
    # a plus: book something new
    cx, cy, arm = x + s / 2, y + s * 0.67, s * 0.2
    draw.rectangle((cx - arm, cy - w, cx + arm, cy + w), fill=ICON_INK)
    draw.rectangle((cx - w, cy - arm, cx + w, cy + arm), fill=ICON_INK)


def _clipboard(draw: ImageDraw.ImageDraw, x: int, y: int, s: int) -> None:
    w = max(8, s // 18)
    draw.rounded_rectangle(
        (x + s * 0.1, y + s * 0.08, x + s * 0.9, y + s), radius=s // 12, outline=ICON_INK, width=w
    )
    draw.rounded_rectangle(
        (x + s * 0.32, y, x + s * 0.68, y + s * 0.18), radius=s // 20, fill=ICON_INK
    )
    for row in (0.38, 0.58, 0.78):
        top = y + s * row
        draw.ellipse((x + s * 0.25 - w, top - w, x + s * 0.25 + w, top + w), fill=ICON_INK)
        draw.rounded_rectangle(
            (x + s * 0.36, top - w * 0.7, x + s * 0.76, top + w * 0.7), radius=w, fill=ICON_INK
        )


def _pin(draw: ImageDraw.ImageDraw, x: int, y: int, s: int) -> None:
    r = s * 0.34
    cx, cy = x + s / 2, y + r + s * 0.02
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=ICON_INK)
    draw.polygon(
        [(cx - r * 0.86, cy + r * 0.5), (cx + r * 0.86, cy + r * 0.5), (cx, y + s)], fill=ICON_INK
    )
    hole = r * 0.42
    draw.ellipse((cx - hole, cy - hole, cx + hole, cy + hole), fill=TILE_ACCENT)


def _question(draw: ImageDraw.ImageDraw, x: int, y: int, s: int, font_path: str) -> None:
    w = max(8, s // 18)
    draw.ellipse((x, y, x + s, y + s), outline=ICON_INK, width=w)
    mark = _font(font_path, int(s * 0.62))
    draw.text((x + s / 2, y + s / 2), "?", font=mark, fill=ICON_INK, anchor="mm")


Icon = Callable[[ImageDraw.ImageDraw, int, int, int, str], None]
ICONS: Final[dict[AreaKey, Icon]] = {
    "book": lambda d, x, y, s, _f: _calendar(d, x, y, s),
    "appointments": lambda d, x, y, s, _f: _clipboard(d, x, y, s),
    "nearby": lambda d, x, y, s, _f: _pin(d, x, y, s),
    "help": _question,
}


# --- tiles ------------------------------------------------------------------------------


def _fit(lines: Sequence[str], font_path: str, room: int) -> list[ImageFont.FreeTypeFont]:
    """The largest label sizes at which every line fits `room` pixels."""
    for size in LABEL_SIZES:
        fonts = [
            _font(font_path, size if i == 0 else int(size * SECOND_LINE_RATIO))
            for i in range(len(lines))
        ]
        if all(font.getlength(line) <= room for font, line in zip(fonts, lines, strict=True)):
            return fonts
    raise ValueError(f"label {' / '.join(lines)!r} does not fit a tile")


def _line_height(font: ImageFont.FreeTypeFont) -> int:
    ascent, descent = font.getmetrics()
    return int((ascent + descent) * 0.85)  # TLWG metrics leave room for stacked marks


def _tile(draw: ImageDraw.ImageDraw, area: Area, font_path: str) -> None:
    b: Bounds = area.bounds
    left, top = b.x + GAP // 2, b.y + GAP // 2
    right, bottom = b.x + b.width - GAP // 2, b.y + b.height - GAP // 2
    draw.rounded_rectangle((left, top, right, bottom), radius=48, fill=TILE)
    fonts = _fit(area.label, font_path, (right - left) - 120)
    label_height = sum(_line_height(font) for font in fonts)
    spacing = 36
    # The icon's disc takes what the label leaves, up to 1.45 icons; the block is centred.
    disc = min(int(ICON_SIZE * 1.45), (bottom - top) - 80 - spacing - label_height)
    icon = int(disc / 1.45)
    block_top = top + ((bottom - top) - (disc + spacing + label_height)) // 2
    centre = (left + right) // 2
    draw.ellipse(
        (centre - disc // 2, block_top, centre + disc // 2, block_top + disc), fill=TILE_ACCENT
    )
    ICONS[area.key](draw, centre - icon // 2, block_top + (disc - icon) // 2, icon, font_path)
    y = block_top + disc + spacing
    for font, line in zip(fonts, area.label, strict=True):
        draw.text((centre, y), line, font=font, fill=palette.ON_COLOR, anchor="ma")
        y += _line_height(font)


def draw_menu(lang: Lang, font_path: Path) -> Image.Image:
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    for area in areas(lang):
        _tile(draw, area, str(font_path))
    return image


def render_png(lang: Lang, font_path: Path) -> bytes:
    """The menu image as PNG bytes, within LINE's 1 MB."""
    buffer = io.BytesIO()
    draw_menu(lang, font_path).save(buffer, format="PNG", optimize=True)
    data = buffer.getvalue()
    if len(data) > MAX_IMAGE_BYTES:
        raise ValueError(f"rich menu image is {len(data)} bytes; LINE takes at most 1 MB")
    return data
