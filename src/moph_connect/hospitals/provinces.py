"""Thailand's 77 provinces, with the English and everyday names people type. Pure data.

Provinces are stored under their official Thai name, so that "Pathum Thani", "จ.ปทุมธานี"
and "ปทุมธานี" are one province in the registry and in searches.
"""

from __future__ import annotations

import functools

from moph_connect.hospitals.thai import PLACE_MARKERS, fold, levenshtein, words

# (official Thai name, English name, other names people use)
PROVINCES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("กรุงเทพมหานคร", "Bangkok", ("กรุงเทพ", "กทม", "bkk", "krung thep")),
    ("กระบี่", "Krabi", ()),
    ("กาญจนบุรี", "Kanchanaburi", ("กาญจน์",)),
    ("กาฬสินธุ์", "Kalasin", ()),
    ("กำแพงเพชร", "Kamphaeng Phet", ()),
    ("ขอนแก่น", "Khon Kaen", ()),
    ("จันทบุรี", "Chanthaburi", ()),
    ("ฉะเชิงเทรา", "Chachoengsao", ("แปดริ้ว",)),
    ("ชลบุรี", "Chon Buri", ()),
    ("ชัยนาท", "Chai Nat", ()),
    ("ชัยภูมิ", "Chaiyaphum", ()),
    ("ชุมพร", "Chumphon", ()),
    ("เชียงราย", "Chiang Rai", ()),
    ("เชียงใหม่", "Chiang Mai", ()),
    ("ตรัง", "Trang", ()),
    ("ตราด", "Trat", ()),
    ("ตาก", "Tak", ()),
    ("นครนายก", "Nakhon Nayok", ()),
    ("นครปฐม", "Nakhon Pathom", ()),
    ("นครพนม", "Nakhon Phanom", ()),
    ("นครราชสีมา", "Nakhon Ratchasima", ("โคราช", "korat")),
    ("นครศรีธรรมราช", "Nakhon Si Thammarat", ("นครศรี",)),
    ("นครสวรรค์", "Nakhon Sawan", ()),
    ("นนทบุรี", "Nonthaburi", ()),
    ("นราธิวาส", "Narathiwat", ()),
    ("น่าน", "Nan", ()),
    ("บึงกาฬ", "Bueng Kan", ()),
    ("บุรีรัมย์", "Buri Ram", ()),
    ("ปทุมธานี", "Pathum Thani", ()),
    ("ประจวบคีรีขันธ์", "Prachuap Khiri Khan", ("ประจวบ",)),
    ("ปราจีนบุรี", "Prachin Buri", ()),
    ("ปัตตานี", "Pattani", ()),
    ("พระนครศรีอยุธยา", "Phra Nakhon Si Ayutthaya", ("อยุธยา", "ayutthaya", "ayuthaya")),
    ("พะเยา", "Phayao", ()),
    ("พังงา", "Phang Nga", ()),
    ("พัทลุง", "Phatthalung", ()),
    ("พิจิตร", "Phichit", ()),
    ("พิษณุโลก", "Phitsanulok", ()),
    ("เพชรบุรี", "Phetchaburi", ()),
    ("เพชรบูรณ์", "Phetchabun", ()),
    ("แพร่", "Phrae", ()),
    ("ภูเก็ต", "Phuket", ()),
    ("มหาสารคาม", "Maha Sarakham", ()),
    ("มุกดาหาร", "Mukdahan", ()),
    ("แม่ฮ่องสอน", "Mae Hong Son", ()),
    ("ยโสธร", "Yasothon", ()),
    ("ยะลา", "Yala", ()),
    ("ร้อยเอ็ด", "Roi Et", ()),
    ("ระนอง", "Ranong", ()),
    ("ระยอง", "Rayong", ()),
    ("ราชบุรี", "Ratchaburi", ()),
    ("ลพบุรี", "Lop Buri", ()),
    ("ลำปาง", "Lampang", ()),
    ("ลำพูน", "Lamphun", ()),
    ("เลย", "Loei", ()),
    ("ศรีสะเกษ", "Si Sa Ket", ()),
    ("สกลนคร", "Sakon Nakhon", ()),
    ("สงขลา", "Songkhla", ()),
    ("สตูล", "Satun", ()),
    ("สมุทรปราการ", "Samut Prakan", ()),
    ("สมุทรสงคราม", "Samut Songkhram", ()),
    ("สมุทรสาคร", "Samut Sakhon", ()),
    ("สระแก้ว", "Sa Kaeo", ()),
    ("สระบุรี", "Saraburi", ()),
    ("สิงห์บุรี", "Sing Buri", ()),
    ("สุโขทัย", "Sukhothai", ()),
    ("สุพรรณบุรี", "Suphan Buri", ()),
    ("สุราษฎร์ธานี", "Surat Thani", ("สุราษฎร์",)),
    ("สุรินทร์", "Surin", ()),
    ("หนองคาย", "Nong Khai", ()),
    ("หนองบัวลำภู", "Nong Bua Lam Phu", ()),
    ("อ่างทอง", "Ang Thong", ()),
    ("อำนาจเจริญ", "Amnat Charoen", ()),
    ("อุดรธานี", "Udon Thani", ("อุดร",)),
    ("อุตรดิตถ์", "Uttaradit", ()),
    ("อุทัยธานี", "Uthai Thani", ()),
    ("อุบลราชธานี", "Ubon Ratchathani", ("อุบล",)),
)

# Districts are written with or without these (อำเภอเมืองปทุมธานี, เขตบางกอกน้อย).
_DISTRICT_PREFIXES = ("กิ่งอำเภอ", "อำเภอ", "เขต", "amphoe", "khet")


@functools.lru_cache(maxsize=4096)  # registries repeat the same ~1,000 places
def place_text(text: str) -> str:
    """`text` as a place key: normalised, no spaces, no leading จังหวัด / อำเภอ / เขต."""
    kept = [w for w in words(text) if w not in PLACE_MARKERS]
    compact = "".join(kept)
    for prefix in ("จังหวัด", *_DISTRICT_PREFIXES):
        if compact.startswith(prefix) and len(compact) > len(prefix):
            return compact[len(prefix) :]
    return compact


_BY_KEY: dict[str, str] = {}
for _thai, _english, _others in PROVINCES:
    for _spelling in (_thai, _english, *_others):
        _BY_KEY[place_text(_spelling)] = _thai

PROVINCE_NAMES: frozenset[str] = frozenset(thai for thai, _, _ in PROVINCES)


def official_province(text: str) -> str | None:
    """The official Thai name of the province `text` names ("จ.ปทุมธานี", "Pathum Thani")."""
    return _BY_KEY.get(place_text(text))


def province_key(text: str) -> str:
    """A key equal for every way of writing one province (unknown names: their place text)."""
    key = place_text(text)
    return _BY_KEY.get(key, key)


def province_spellings() -> dict[str, str]:
    """Every known spelling's place text -> official Thai name (for fuzzy matching)."""
    return dict(_BY_KEY)


def closest_province(text: str) -> str | None:
    """The official name of the province `text` most likely misspells, if any is close."""
    folded = fold(place_text(text))
    slips = 1 if len(folded) <= 6 else 2
    best: tuple[int, str] | None = None
    for spelling, official in _BY_KEY.items():
        distance = levenshtein(folded, fold(spelling), slips)
        if distance <= slips and (best is None or (distance, official) < best):
            best = (distance, official)
    return None if best is None else best[1]
