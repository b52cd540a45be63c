"""The satisfaction CSV: the same numbers as the statistics, read back with csv."""

from __future__ import annotations

import csv
import io
from datetime import date

from moph_connect.satisfaction.export import HEADER, satisfaction_csv
from moph_connect.satisfaction.statistics import Tally

FIRST, LAST = date(2026, 11, 2), date(2026, 11, 15)
CELLS = [
    Tally("h1", date(2026, 11, 3), 5, 10, True, 3),
    Tally("h1", date(2026, 11, 3), None, None, True, 1),
    Tally("h1", date(2026, 11, 10), 2, 3, True, 1),
    Tally("h2", date(2026, 11, 12), 4, 8, True, 2),
]


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_rows_per_hospital_week_and_total() -> None:
    names = {"h1": "โรงพยาบาลปทุมธานี", "h2": "=HYPERLINK(1)"}
    text = satisfaction_csv(CELLS, FIRST, LAST, names, national=True)
    assert text.splitlines()[0].split(",") == list(HEADER)
    table = rows(text)
    keyed = {(r["hospital_id"], r["period"]): r for r in table}
    assert [(r["hospital_id"], r["period"]) for r in table] == [
        ("h1", "2026-11-02"),
        ("h1", "2026-11-09"),
        ("h1", "total"),
        ("h2", "2026-11-02"),
        ("h2", "2026-11-09"),
        ("h2", "total"),
        ("all", "2026-11-02"),
        ("all", "2026-11-09"),
        ("all", "total"),
    ]
    h1 = keyed["h1", "total"]
    assert h1["hospital_name"] == "โรงพยาบาลปทุมธานี"
    assert (h1["surveys_sent"], h1["answered"], h1["response_rate_percent"]) == ("5", "4", "80.0")
    assert [h1[f"score_{s}"] for s in range(1, 6)] == ["0", "1", "0", "0", "3"]
    # (3 * 5 + 2) / 4 = 4.25; NPS (3 promoters - 1 detractor) / 4 = 50
    assert (h1["mean_score"], h1["nps"]) == ("4.2", "50.0")
    assert keyed["h2", "2026-11-02"]["surveys_sent"] == "0"
    assert keyed["h2", "2026-11-02"]["mean_score"] == ""
    # A name a spreadsheet would run as a formula is quoted.
    assert keyed["h2", "total"]["hospital_name"] == "'=HYPERLINK(1)"
    everyone = keyed["all", "total"]
    assert (everyone["surveys_sent"], everyone["answered"]) == ("7", "6")


def test_a_hospital_export_has_no_national_rows() -> None:
    table = rows(satisfaction_csv(CELLS[:3], FIRST, LAST, {}, national=False))
    assert {r["hospital_id"] for r in table} == {"h1"}
