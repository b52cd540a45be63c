"""Text hygiene, safe cutting, links and the palette: the ground every builder stands on."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moph_connect.messages import normalize_link, palette
from moph_connect.messages._text import ELLIPSIS, PLACEHOLDER, clean, clip, field, utf16_len


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("โรงพยาบาลปทุมธานี", "โรงพยาบาลปทุมธานี"),
        ("  นาย   ประโยชน์\n\tรุจิรา  ", "นาย ประโยชน์ รุจิรา"),
        ("\x00โรง\x1bพยาบาล\x7f", "โรงพยาบาล"),
        ("abc\u202edef\u200bghi\ufeff", "abcdefghi"),  # bidi override, zero-width space, BOM
        ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),  # ZWJ kept: it makes the family
        ("\ud800x", "x"),  # lone surrogate
        ("", ""),
        (" \u3000 ", ""),
    ],
)
def test_clean(raw: str, expected: str) -> None:
    assert clean(raw) == expected


def _clean_char_by_char(text: str) -> str:
    """`clean` as first written, one character at a time: its fast path for printable
    text must answer the same."""
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch.isspace():
            kept.append(" ")
        elif category in ("Cc", "Cs") or (category == "Cf" and ch not in "\u200d"):
            if category == "Cf" and 0xE0020 <= ord(ch) < 0xE0080:
                kept.append(ch)
            continue
        else:
            kept.append(ch)
    return " ".join("".join(kept).split())


@given(st.text(alphabet=st.characters(codec=None), max_size=40))
def test_clean_fast_path_answers_as_the_slow_one(text: str) -> None:
    assert clean(text) == _clean_char_by_char(text)


@pytest.mark.parametrize(
    ("value", "units"), [("", 0), ("ก", 1), ("กี่", 3), ("😷", 2), ("🇹🇭", 4), ("a😷b", 4)]
)
def test_utf16_len(value: str, units: int) -> None:
    assert utf16_len(value) == units


CLIP_CASES = [
    # (text, limit, expected)
    ("สวัสดี", 6, "สวัสดี"),
    ("สวัสดีค่ะ", 6, "สวัส…"),  # never "สวัสด…": the vowel ี stays with ด
    ("ดูคิวปัจจุบันของคุณได้ที่นี่", 10, "ดูคิวปัจ…"),
    ("กี่ที่", 3, "…"),  # "กี่" is one cluster of three units: it cannot be halved
    ("เมษายน", 2, "…"),  # never "เ…": a leading vowel without its consonant
    ("abc😷😷", 5, "abc…"),
    ("👨\u200d👩\u200d👧 ok", 6, "…"),
    ("ab🇹🇭🇹🇭", 8, "ab🇹🇭…"),
    ("คำ" * 10, 4, "คำ…"),  # SARA AM stays with its consonant
]


@pytest.mark.parametrize(("value", "limit", "expected"), CLIP_CASES)
def test_clip(value: str, limit: int, expected: str) -> None:
    assert clip(value, limit) == expected
    assert utf16_len(clip(value, limit)) <= limit


@pytest.mark.parametrize(
    "value",
    [
        "ผู้ป่วยที่นัดหมายไว้ " * 30,
        "👍🏽" * 50,
        "👨‍👩‍👧‍👦" * 30,
        "🇹🇭🇯🇵" * 40,
        "เแโใไ" * 40,
        "ก่" * 300,
    ],
)
@pytest.mark.parametrize("limit", [1, 2, 3, 7, 20, 60, 200])
def test_clip_never_breaks_a_cluster(value: str, limit: int) -> None:
    cut = clip(value, limit)
    assert utf16_len(cut) <= limit
    if utf16_len(value) <= limit:
        assert cut == value
        return
    assert cut.endswith(ELLIPSIS)
    kept = cut.removesuffix(ELLIPSIS)
    assert value.startswith(kept)
    if kept:
        following = value[len(kept)]
        assert unicodedata.category(following) not in ("Mn", "Mc", "Me")
        assert following not in "\u200d\u0e33"
        assert not 0x1F3FB <= ord(following) <= 0x1F3FF
        assert kept[-1] != "\u200d"
        assert kept[-1] not in "เแโใไ"
        flags = len(kept) - len(kept.rstrip("🇹🇭🇯🇵"))
        assert flags % 2 == 0


def test_clip_rejects_a_useless_limit() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        clip("x", 0)


@pytest.mark.parametrize(("raw", "expected"), [("", PLACEHOLDER), ("  ", PLACEHOLDER), ("ก", "ก")])
def test_field_is_never_empty(raw: str, expected: str) -> None:
    assert field(raw, 10) == expected


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("http://pth.ddns.net/", "http://pth.ddns.net/"),
        (" https://pth.ddns.net/q?a=1&b=2#top ", "https://pth.ddns.net/q?a=1&b=2#top"),
        ("HTTPS://PTH.ddns.net:8443/a%20b", "https://pth.ddns.net:8443/a%20b"),
        (
            "https://pth.ddns.net/คิว?ชื่อ=ก",
            "https://pth.ddns.net/%E0%B8%84%E0%B8%B4%E0%B8%A7"
            "?%E0%B8%8A%E0%B8%B7%E0%B9%88%E0%B8%AD=%E0%B8%81",
        ),
        ("http://[::1]:8080/x", "http://[::1]:8080/x"),
        ("https://a.th/100%", "https://a.th/100%25"),
        ("https://a.th/x?q=%zz&r=%E0%B8%81", "https://a.th/x?q=%25zz&r=%E0%B8%81"),
        ("https://a.th/x#a#b", "https://a.th/x#a%23b"),
        ("https://a.th/<script>", "https://a.th/%3Cscript%3E"),
        ("https://a.th/" + "a" * 987, "https://a.th/" + "a" * 987),  # exactly 1000
        ("https://a.th/" + "a" * 988, None),  # 1001
        ("https://a.th/คิว" + "a" * 980, None),  # fits only before encoding
        ("javascript:alert(1)", None),
        ("ftp://pth.ddns.net/", None),
        ("line://nv/chat", None),
        ("//pth.ddns.net/", None),
        ("http:///path", None),
        ("pth.ddns.net", None),
        ("", None),
        ("https://pth.ddns.net/a b", None),
        ("https://pth.ddns.net/\n", "https://pth.ddns.net/"),
        ("https://pth.ddns.net/a\nb", None),
        ("https://user:secret@pth.ddns.net/", None),
        ("https://pth.ddns.net:99999/", None),
        ("http://[::1/", None),
    ],
)
def test_normalize_link(link: str, expected: str | None) -> None:
    assert normalize_link(link) == expected


def test_normalize_link_encodes_a_thai_domain_name() -> None:
    link = normalize_link("https://โรงพยาบาล.ไทย/")
    assert link is not None
    assert link.startswith("https://xn--")
    assert link.endswith(".xn--o3cw4h/")  # .ไทย
    host = link.removeprefix("https://").removesuffix("/")
    assert host.encode("ascii").decode("idna") == "โรงพยาบาล.ไทย"


@pytest.mark.parametrize(
    ("background", "minimum"),
    [
        (palette.BRAND, 4.5),
        (palette.URGENT, 4.5),
        (palette.DANGER, 4.5),
    ],
)
def test_headers_carry_white_text_at_wcag_aa(background: str, minimum: float) -> None:
    assert palette.text_color_on(background) == palette.ON_COLOR
    assert palette.contrast_ratio(palette.ON_COLOR, background) >= minimum


@pytest.mark.parametrize(
    ("ink", "background"),
    [
        (palette.TEXT, "#FFFFFF"),
        (palette.MUTED, "#FFFFFF"),
        (palette.MUTED, palette.BRAND_TINT),
        (palette.BRAND, "#FFFFFF"),
        (palette.BRAND, palette.BRAND_TINT),
        (palette.URGENT, palette.URGENT_TINT),
        (palette.DANGER, "#FFFFFF"),
    ],
)
def test_body_colours_are_readable(ink: str, background: str) -> None:
    assert palette.contrast_ratio(ink, background) >= 4.5


@pytest.mark.parametrize(
    ("background", "ink"),
    [
        ("#FFFF00", palette.TEXT),
        ("#FFFFFF", palette.TEXT),
        ("#000000", palette.ON_COLOR),
        ("#1565C0", palette.ON_COLOR),
    ],
)
def test_text_color_on_a_hospital_colour(background: str, ink: str) -> None:
    assert palette.text_color_on(background) == ink


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("#06c755", "#06C755"),
        (" #00796B ", "#00796B"),
        ("#FFF", None),
        ("00796B", None),
        ("#00796B80", None),
        ("red", None),
        ("#GGGGGG", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_hex_color(value: str | None, expected: str | None) -> None:
    assert palette.parse_hex_color(value) == expected
