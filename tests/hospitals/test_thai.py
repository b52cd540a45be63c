"""Thai text as patients type it: normalisation, abbreviations, folding, edit distances."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moph_connect.hospitals.thai import (
    Kind,
    fold,
    levenshtein,
    normalize,
    sort_key,
    split_generic,
    substring_distance,
    tidy,
    words,
)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("รพ.ปทุมธานี", ["โรงพยาบาล", "ปทุมธานี"]),
        ("รพ ปทุม", ["โรงพยาบาล", "ปทุม"]),
        ("ร.พ.ศิริราช", ["โรงพยาบาล", "ศิริราช"]),
        ("รพปทุมธานี", ["โรงพยาบาล", "ปทุมธานี"]),
        ("รพ.สต.บ้านคลอง", ["โรงพยาบาลส่งเสริมสุขภาพตำบล", "บ้านคลอง"]),
        ("รพสต บ้านคลอง", ["โรงพยาบาลส่งเสริมสุขภาพตำบล", "บ้านคลอง"]),
        ("รพ. สต. บ้านคลอง", ["โรงพยาบาลส่งเสริมสุขภาพตำบล", "บ้านคลอง"]),
        ("จ.ปทุมธานี", ["จังหวัด", "ปทุมธานี"]),
        ("อ.ลำลูกกา", ["อำเภอ", "ลำลูกกา"]),
        # Not abbreviations: รพ inside a word, or followed by a vowel (รพี).
        ("สรรพสิทธิประสงค์", ["สรรพสิทธิประสงค์"]),
        ("รพีพัฒน์", ["รพีพัฒน์"]),
        ("กรุงเทพฯ", ["กรุงเทพ"]),
        ("Siriraj Hosp.", ["siriraj", "hospital"]),
        ("  ศิริราช \u200b\u00a0 กรุงเทพ ", ["ศิริราช", "กรุงเทพ"]),
        ("😷🏥", []),
        ("", []),
    ],
)
def test_words_expand_abbreviations_and_drop_punctuation(typed: str, expected: list[str]) -> None:
    assert words(typed) == expected


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ก\u0e48\u0e34ง", "กิ่ง"),  # tone mark typed before the vowel
        ("ก\u0e34\u0e48\u0e48ง", "กิ่ง"),  # tone mark typed twice
        ("น\u0e4d\u0e49\u0e32", "น้ำ"),  # ำ typed as nikhahit + sara aa
        ("เเพร่", "แพร่"),  # แ typed as two เ
        ("ศิริ\u200bราช", "ศิริราช"),  # zero-width space from a web page
        ("SIRIRAJ  Hospital", "siriraj hospital"),
    ],
)
def test_normalize_makes_typing_slips_invisible(typed: str, stored: str) -> None:
    assert normalize(typed) == normalize(stored)


def test_tidy_keeps_case_and_drops_invisible_characters() -> None:
    assert tidy(" Siriraj\u200b  Hospital\ufeff ") == "Siriraj Hospital"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("ปทุมทานี", "ปทุมธานี"),  # ท / ธ sound alike
        ("สิริราช", "ศิริราช"),  # ส / ศ
        ("พระนั่งเกล้า", "พระนังเกล้า"),  # a missing tone mark
        ("สุรินทร", "สุรินทร์"),  # a missing thanthakhat
        ("ไหม่", "ใหม่"),  # ใ / ไ
        ("ศรีสะเกษ", "ศรีสะเกส"),
    ],
)
def test_fold_merges_sound_alike_spellings(one: str, other: str) -> None:
    assert fold(normalize(one)) == fold(normalize(other))


def test_split_generic_forgives_a_mistyped_generic_word_in_queries_only() -> None:
    assert split_generic("โรงพยาบาลศิริราช") == (Kind.HOSPITAL, "ศิริราช")
    assert split_generic("โรงพยาบาลส่งเสริมสุขภาพตำบลบ้านคลอง") == (
        Kind.HEALTH_PROMOTING,
        "บ้านคลอง",
    )
    assert split_generic("โรงพยบาลศิริราช") == (None, "โรงพยบาลศิริราช")
    assert split_generic("โรงพยบาลศิริราช", forgiving=True) == (Kind.HOSPITAL, "ศิริราช")
    assert split_generic("ศิริราช", forgiving=True) == (None, "ศิริราช")


def test_sort_key_orders_leading_vowels_as_a_dictionary_does() -> None:
    names = ["เชียงใหม่", "ชลบุรี", "ตาก", "แพร่", "พะเยา"]
    assert sorted(names, key=sort_key) == ["ชลบุรี", "เชียงใหม่", "ตาก", "พะเยา", "แพร่"]


def _edit_distance(a: str, b: str, *, anywhere_in_b: bool) -> int:
    """The textbook dynamic programme, to check the fast versions against."""
    previous = [0 if anywhere_in_b else j for j in range(len(b) + 1)]
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return min(previous) if anywhere_in_b else previous[-1]


THAI_ISH = st.text(alphabet="กขคงรา\u0e34\u0e48ab", max_size=12)


@given(THAI_ISH, THAI_ISH)
def test_substring_distance_is_the_edit_distance_to_the_best_substring(a: str, b: str) -> None:
    assert substring_distance(a, b) == _edit_distance(a, b, anywhere_in_b=True)


@given(THAI_ISH, THAI_ISH, st.integers(min_value=0, max_value=4))
def test_levenshtein_is_exact_up_to_its_limit(a: str, b: str, limit: int) -> None:
    assert levenshtein(a, b, limit) == min(_edit_distance(a, b, anywhere_in_b=False), limit + 1)
