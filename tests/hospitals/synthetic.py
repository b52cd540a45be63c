"""A made-up national registry for scale tests: ~1,400 hospitals and ~10,600 รพ.สต.

Names are built from the words real Thai place names are made of (บ้าน, หนอง, คลอง ...),
so they share prefixes and bigrams the way the real registry does: the matcher gets no
easier ride than in production. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from moph_connect.hospitals.provinces import PROVINCES

PLACE_WORDS = (
    "บ้าน",
    "หนอง",
    "คลอง",
    "โคก",
    "ดอน",
    "นา",
    "บึง",
    "ห้วย",
    "ทุ่ง",
    "วัง",
    "สระ",
    "ท่า",
    "โพธิ์",
    "ไผ่",
    "ใหม่",
    "เก่า",
    "กลาง",
    "ใต้",
    "เหนือ",
    "ยาง",
    "แดง",
    "ขาม",
    "หลวง",
    "น้อย",
    "ใหญ่",
    "ทอง",
    "ศรี",
    "สวรรค์",
    "จันทร์",
    "แก้ว",
    "มะม่วง",
    "ตะเคียน",
    "สะแก",
    "กระเบื้อง",
    "ม่วง",
    "เจริญ",
    "สุข",
    "พัฒนา",
    "สามัคคี",
    "ชัย",
    "โนน",
    "เขา",
    "ลาด",
    "บาง",
    "แม่",
    "น้ำ",
    "ป่า",
    "สัก",
    "หิน",
)


@dataclass(frozen=True)
class SyntheticHospital:
    name: str
    province: str
    district: str
    latitude: float
    longitude: float
    phone: str


def national_registry(count: int = 12_000, seed: int = 7) -> list[SyntheticHospital]:
    rng = random.Random(seed)
    seen: set[tuple[str, str, str]] = set()
    hospitals: list[SyntheticHospital] = []
    while len(hospitals) < count:
        province = rng.choice(PROVINCES)[0]
        district = "".join(rng.sample(PLACE_WORDS, 2))
        place = "".join(rng.sample(PLACE_WORDS, rng.choice((2, 2, 3))))
        prefix = "โรงพยาบาล" if rng.random() < 0.12 else "โรงพยาบาลส่งเสริมสุขภาพตำบล"
        key = (prefix + place, province, district)
        if key in seen:
            continue
        seen.add(key)
        hospitals.append(
            SyntheticHospital(
                name=prefix + place,
                province=province,
                district=district,
                latitude=round(rng.uniform(5.7, 20.4), 6),
                longitude=round(rng.uniform(97.4, 105.6), 6),
                phone=f"0{rng.randint(2, 7)}-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
            )
        )
    return hospitals
