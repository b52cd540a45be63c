"""The satisfaction numbers as CSV (stdlib `csv`): the same figures the page shows.

One row per hospital and week, then each hospital's total for the range, then (for the
national view) every hospital together. Percentages and the mean carry one decimal,
blank when there is nothing to divide by. No comment is exported: comments are patient
text, shown on the page to those allowed to see it but not copied out in bulk.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Final

from moph_connect.satisfaction.statistics import Summary, Tally, by_hospital, summarize, weekly

HEADER: Final = (
    "hospital_id",
    "hospital_name",
    "period",
    "surveys_sent",
    "answered",
    "response_rate_percent",
    "score_1",
    "score_2",
    "score_3",
    "score_4",
    "score_5",
    "mean_score",
    "recommend_answers",
    "promoters",
    "passives",
    "detractors",
    "nps",
)
NATIONAL: Final = "all"
TOTAL: Final = "total"


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _row(hospital_id: str, name: str, period: str, summary: Summary) -> list[str]:
    return [
        hospital_id,
        name,
        period,
        str(summary.sent),
        str(summary.answered),
        _number(summary.response_rate),
        *(str(count) for count in summary.distribution),
        _number(summary.mean),
        str(summary.recommend_answers),
        str(summary.promoters),
        str(summary.passives),
        str(summary.detractors),
        _number(summary.nps),
    ]


def _safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (hospital names are typed by people)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def satisfaction_csv(
    tallies: Iterable[Tally],
    first: date,
    last: date,
    names: Mapping[str, str],
    *,
    national: bool,
) -> str:
    cells = list(tallies)
    grouped: dict[str, list[Tally]] = defaultdict(list)
    for cell in cells:
        grouped[cell.hospital_id].append(cell)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for hospital_id, summary in by_hospital(cells).items():
        name = _safe(names.get(hospital_id, ""))
        for week in weekly(grouped[hospital_id], first, last):
            writer.writerow(_row(hospital_id, name, week.start.isoformat(), week.summary))
        writer.writerow(_row(hospital_id, name, TOTAL, summary))
    if national:
        for week in weekly(cells, first, last):
            writer.writerow(_row(NATIONAL, "", week.start.isoformat(), week.summary))
        writer.writerow(_row(NATIONAL, "", TOTAL, summarize(cells)))
    return out.getvalue()
