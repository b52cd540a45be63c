"""Satisfaction numbers from counted survey answers: pure arithmetic, no I/O.

The repository hands over `Tally` cells (how many surveys of one hospital, due on one
Bangkok day, had this score, this recommendation and were or were not sent), not one
row per survey: a national month is tens of millions of surveys but only a few cells
per hospital and day, so the database counts and this module does the rest.

- CSAT: the 1-5 distribution and its mean.
- Response rate: surveys answered (a score given) out of surveys sent.
- Net Promoter Score from the 0-10 answers: % promoters (9-10) minus % detractors (0-6),
  so from -100 to 100.
- Trends: the same per week, weeks starting on Monday in Asia/Bangkok.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

SCORES: Final = (1, 2, 3, 4, 5)
PROMOTER_MIN: Final = 9
DETRACTOR_MAX: Final = 6


@dataclass(frozen=True)
class Tally:
    """`count` surveys of `hospital_id` due on Bangkok day `day` with these answers."""

    hospital_id: str
    day: date
    score: int | None
    recommend: int | None
    sent: bool
    count: int


@dataclass(frozen=True)
class Summary:
    sent: int
    answered: int
    distribution: tuple[int, int, int, int, int]  # how many answered 1, 2, 3, 4, 5
    recommend_answers: int
    promoters: int
    passives: int
    detractors: int

    @property
    def response_rate(self) -> float | None:
        """Answered out of sent, in percent; None when none was sent."""
        return 100.0 * self.answered / self.sent if self.sent else None

    @property
    def mean(self) -> float | None:
        scored = sum(self.distribution)
        if not scored:
            return None
        return sum(s * n for s, n in zip(SCORES, self.distribution, strict=True)) / scored

    @property
    def nps(self) -> float | None:
        if not self.recommend_answers:
            return None
        return 100.0 * (self.promoters - self.detractors) / self.recommend_answers


@dataclass(frozen=True)
class Week:
    start: date  # the Monday
    summary: Summary


def week_start(day: date) -> date:
    """The Monday of `day`'s week (`day` is already a Bangkok calendar date)."""
    return day - timedelta(days=day.weekday())


def summarize(tallies: Iterable[Tally]) -> Summary:
    sent = answered = recommend_answers = promoters = detractors = 0
    distribution = [0, 0, 0, 0, 0]
    for cell in tallies:
        # An answer proves the card arrived, whatever the repository could tell.
        if cell.sent or cell.score is not None:
            sent += cell.count
        if cell.score is not None:
            if cell.score not in SCORES:
                raise ValueError(f"score out of 1-5: {cell.score}")
            answered += cell.count
            distribution[cell.score - 1] += cell.count
        if cell.recommend is not None:
            if not 0 <= cell.recommend <= 10:
                raise ValueError(f"recommendation out of 0-10: {cell.recommend}")
            recommend_answers += cell.count
            if cell.recommend >= PROMOTER_MIN:
                promoters += cell.count
            elif cell.recommend <= DETRACTOR_MAX:
                detractors += cell.count
    d1, d2, d3, d4, d5 = distribution
    return Summary(
        sent=sent,
        answered=answered,
        distribution=(d1, d2, d3, d4, d5),
        recommend_answers=recommend_answers,
        promoters=promoters,
        passives=recommend_answers - promoters - detractors,
        detractors=detractors,
    )


def weekly(tallies: Iterable[Tally], first: date, last: date) -> list[Week]:
    """One `Week` for every week from `first`'s to `last`'s, empty weeks included (a
    chart's gaps must show), each summing the cells due in it."""
    if last < first:
        raise ValueError("the range ends before it starts")
    by_week: dict[date, list[Tally]] = defaultdict(list)
    for cell in tallies:
        by_week[week_start(cell.day)].append(cell)
    weeks: list[Week] = []
    start = week_start(first)
    while start <= last:
        weeks.append(Week(start, summarize(by_week.get(start, ()))))
        start += timedelta(days=7)
    return weeks


def by_hospital(tallies: Iterable[Tally]) -> dict[str, Summary]:
    """Each hospital's summary, for the national table."""
    grouped: dict[str, list[Tally]] = defaultdict(list)
    for cell in tallies:
        grouped[cell.hospital_id].append(cell)
    return {hospital: summarize(cells) for hospital, cells in sorted(grouped.items())}
