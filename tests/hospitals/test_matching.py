"""Finding hospitals by what patients type: the pure matcher, over real hospital names."""

from __future__ import annotations

import statistics
import time

import pytest

from moph_connect.hospitals.matching import HospitalIndex, Listing
from tests.hospitals.hospitals_data import KNOWN
from tests.hospitals.synthetic import national_registry

ENGLISH = Listing("english", "Siriraj Piyamaharajkarun Hospital", "กรุงเทพมหานคร", "บางกอกน้อย")


@pytest.fixture(scope="module")
def index() -> HospitalIndex:
    listings = [Listing(k.key, k.name, k.province, k.district) for k in KNOWN]
    return HospitalIndex([*listings, ENGLISH])


# (what she types, the hospitals that must come first in this order, others that must be
# found somewhere after them)
CASES = [
    ("รพ.ปทุมธานี", ["pathum"], ["thanyaburi", "lamlukka", "bankhlong"]),
    ("ร.พ.ปทุมธานี", ["pathum"], []),
    ("รพ ปทุม", ["pathum"], []),
    ("รพปทุม", ["pathum"], []),
    ("โรงพยาบาล ปทุมธานี", ["pathum"], []),
    ("ปทุมธานี", ["pathum"], ["thanyaburi", "lamlukka", "bankhlong"]),
    ("จ.ปทุมธานี", ["pathum"], ["thanyaburi", "lamlukka", "bankhlong"]),
    ("Pathum Thani", [], ["bankhlong", "thanyaburi", "pathum", "lamlukka"]),
    ("โรงพยาบาลปทุมทานี", ["pathum"], ["thanyaburi", "lamlukka"]),  # ท for ธ
    ("ปทุมทานี", ["pathum"], ["thanyaburi"]),
    ("ศิริราช", ["siriraj"], []),
    ("ศิรราช", ["siriraj"], []),  # a vowel left out
    ("สิริราช", ["siriraj"], []),  # ส for ศ
    ("โรงพยบาลศิริราช", ["siriraj"], []),  # a slip in โรงพยาบาล itself
    ("ศิริราช กรุงเทพ", ["siriraj"], []),
    ("รามา", ["ramathibodi", "chakri"], []),  # prefix; the shorter name first
    ("รามาธิบดี", ["ramathibodi", "chakri"], []),
    ("อยุธยา", ["ayutthaya"], ["bankhlong_ayutthaya"]),
    ("เชียงใหม่", ["maharaj"], ["nakornping"]),
    ("มหาราช เชียงใหม่", ["maharaj"], []),
    ("เชียงไหม่", ["maharaj"], ["nakornping"]),  # ไ for ใ
    ("รพ.สต.บ้านคลอง", [], ["bankhlong", "bankhlong_ayutthaya"]),
    ("รพ.สต. บ้านคลอง อยุธยา", ["bankhlong_ayutthaya"], []),
    ("บ้านคลอง ลำลูกกา", ["bankhlong"], []),
    ("ลำลูกกา", ["lamlukka", "bankhlong"], []),
    ("สรรพสิทธิ์", ["sappasit"], []),
    ("siriraj", ["english"], []),
    ("SIRIRAJ hosp", ["english"], []),
]


@pytest.mark.parametrize(("typed", "first", "also"), CASES)
def test_search_finds_what_patients_type(
    index: HospitalIndex, typed: str, first: list[str], also: list[str]
) -> None:
    found = index.search(typed, limit=12)
    assert found[: len(first)] == first, found
    assert set(also) <= set(found[len(first) :]), found


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "\u200b", "😷🏥", "...", "รพ.ปทุมธานี" * 40, "ก" * 100_000, "zzzzzz", "จังหวัด"],
)
def test_search_for_nothing_finds_nothing_without_failing(index: HospitalIndex, typed: str) -> None:
    assert index.search(typed, limit=12) == []


def test_exact_beats_prefix_beats_contains_beats_fuzzy() -> None:
    index = HospitalIndex(
        [
            Listing("contains", "โรงพยาบาลสมเด็จพระยุพราชบ้านแพ้ว", None, None),
            Listing("fuzzy", "โรงพยาบาลบ้านแพว", None, None),
            Listing("prefix", "โรงพยาบาลบ้านแพ้วใหม่", None, None),
            Listing("exact", "โรงพยาบาลบ้านแพ้ว", None, None),
        ]
    )
    assert index.search("บ้านแพ้ว", limit=12) == ["exact", "prefix", "contains", "fuzzy"]


def test_her_hospitals_come_first_whenever_they_match(index: HospitalIndex) -> None:
    # Lam Luk Ka only matches as "in Pathum Thani", below the exact match; still first.
    assert index.search("ปทุมธานี", limit=12, preferred=["lamlukka"])[:2] == [
        "lamlukka",
        "pathum",
    ]
    # ... even when it only matches with a slip.
    found = index.search("ปทุมทานี", limit=2, preferred=["bankhlong"])
    assert found == ["bankhlong", "pathum"]
    # A hospital that does not match at all is not shown.
    assert "siriraj" not in index.search("ปทุมธานี", limit=12, preferred=["siriraj"])


def test_the_kind_asked_for_comes_first() -> None:
    index = HospitalIndex(
        [
            Listing("hospital", "โรงพยาบาลบ้านนา", "นครนายก", "บ้านนา"),
            Listing("rpst", "โรงพยาบาลส่งเสริมสุขภาพตำบลบ้านนา", "นครนายก", "บ้านนา"),
        ]
    )
    assert index.search("รพ.สต.บ้านนา", limit=12) == ["rpst", "hospital"]
    assert index.search("รพ.บ้านนา", limit=12) == ["hospital", "rpst"]
    assert index.search("บ้านนา", limit=12) == ["hospital", "rpst"]
    assert index.search("รพ.สต.", limit=12) == ["rpst", "hospital"]


def test_limit_is_respected(index: HospitalIndex) -> None:
    assert len(index.search("ปทุมธานี", limit=2)) == 2
    assert index.search("ปทุมธานี", limit=0) == []


def test_in_province_lists_hers_then_hospitals_then_health_promoting_by_name(
    index: HospitalIndex,
) -> None:
    expected = ["thanyaburi", "pathum", "lamlukka", "bankhlong"]
    for spelling in ("ปทุมธานี", "จ.ปทุมธานี", "จังหวัดปทุมธานี", "Pathum Thani", "pathumthani"):
        assert index.in_province(spelling, limit=12) == expected
    assert index.in_province("ปทุมธานี", limit=12, preferred=["bankhlong"])[0] == "bankhlong"
    assert index.in_province("อยุธยา", limit=12) == ["ayutthaya", "bankhlong_ayutthaya"]
    assert index.in_province("ไม่มีจังหวัดนี้", limit=12) == []


def test_search_stays_fast_with_a_national_registry() -> None:
    registry = national_registry()
    listings = [Listing(f"h{i}", h.name, h.province, h.district) for i, h in enumerate(registry)]
    index = HospitalIndex(
        [*listings, *(Listing(k.key, k.name, k.province, k.district) for k in KNOWN)]
    )
    assert len(index) == 12_000 + len(KNOWN)
    queries = [typed for typed, _, _ in CASES] + ["บ้าน", "หนองบัว", "รพ.สต.", "คลองหนองหิน"]
    timings = []
    for typed in queries:
        started = time.perf_counter()
        index.search(typed, limit=12)
        timings.append(time.perf_counter() - started)
    assert index.search("ศิรราช", limit=12)[0] == "siriraj"
    # Measured at ~1 ms median; the bound leaves room for a busy CI machine.
    assert statistics.median(timings) < 0.05, timings
    assert max(timings) < 0.25, timings
