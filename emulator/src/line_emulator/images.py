"""The format and pixel size of a PNG or JPEG, read from its header alone.

LINE checks a rich menu image's real dimensions, not what the client claims; so do we,
without an imaging library: PNG keeps them in its IHDR chunk, JPEG in its SOFn segment.
"""

from __future__ import annotations

import struct
from typing import Final, Literal, NamedTuple

ImageType = Literal["image/png", "image/jpeg"]

_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
# Start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) share the range.
_SOF_MARKERS: Final = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers that stand alone, without a length field.
_STANDALONE: Final = frozenset({0x01, *range(0xD0, 0xD8)})


class ImageInfo(NamedTuple):
    media_type: ImageType
    width: int
    height: int


def image_info(data: bytes) -> ImageInfo | None:
    """The image's type and size, or None if it is neither a PNG nor a JPEG we can read."""
    if data.startswith(_PNG_SIGNATURE):
        return _png(data)
    if data.startswith(b"\xff\xd8"):
        return _jpeg(data)
    return None


def _png(data: bytes) -> ImageInfo | None:
    # signature (8) | length (4) | "IHDR" (4) | width (4) | height (4) | ...
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    if width == 0 or height == 0:
        return None
    return ImageInfo("image/png", width, height)


def _jpeg(data: bytes) -> ImageInfo | None:
    index = 2
    size = len(data)
    while index + 4 <= size:
        if data[index] != 0xFF:
            return None  # not at a marker: a corrupt stream
        marker = data[index + 1]
        if marker == 0xFF:  # fill byte before a marker
            index += 1
            continue
        if marker in _STANDALONE:
            index += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image, or scan data before any frame header
            return None
        (length,) = struct.unpack(">H", data[index + 2 : index + 4])
        if length < 2:
            return None
        if marker in _SOF_MARKERS:
            # length (2) | precision (1) | height (2) | width (2) | ...
            if index + 9 > size:
                return None
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            if width == 0 or height == 0:
                return None
            return ImageInfo("image/jpeg", width, height)
        index += 2 + length
    return None
