"""The satisfaction arithmetic, table-driven: CSAT, response rate, NPS and weekly trends."""

from __future__ import annotations

from datetime import date

import pytest

from moph_connect.satisfaction.statistics import (
    Summary,
    Tally,
    by_hospital,
    summarize,
    week_start,
    weekly,
)

DAY = date(2026, 11, 25)  # a Wednesday


def answers(*rows: tuple[int | None, int | None, bool, int]) -> list[Tally]:
    return [Tally("h1", DAY, score, recommend, sent, n) for score, recommend, sent, n in rows]


@pytest.mark.parametrize(
    ("cells", "sent", "answered", "rate", "mean", "nps"),
    [
        pytest.param([], 0, 0, None, None, None, id="nothing"),
        pytest.param(answers((None, None, False, 3)), 0, 0, None, None, None, id="none-sent"),
        pytest.param(answers((None, None, True, 4)), 4, 0, 0.0, None, None, id="sent-unanswered"),
        pytest.param(
            answers((5, 10, True, 1), (None, None, True, 3)), 4, 1, 25.0, 5.0, 100.0, id="quarter"
        ),
        # An answered survey counts as sent even where the repository could not tell.
        pytest.param(answers((4, None, False, 2)), 2, 2, 100.0, 4.0, None, id="answer-proves"),
        # 1x1 2x2 3x3 4x4 5x5 → mean 55/15; recommendations 10,9 promoters, 7,8 passive,
        # 0,6 detractors: (2 - 2) / 6 = 0.
        pytest.param(
            answers(
                (1, 0, True, 1),
                (2, 6, True, 2),
                (3, 7, True, 3),
                (4, 8, True, 4),
                (5, 9, True, 5),
            ),
            15,
            15,
            100.0,
            55 / 15,
            100.0 * (5 - 3) / 15,
            id="spread",
        ),
        pytest.param(
            answers((3, 6, True, 3), (3, 9, True, 1)), 4, 4, 100.0, 3.0, -50.0, id="detractors"
        ),
        # A score without a recommendation (she stopped after the first question).
        pytest.param(
            answers((2, None, True, 1), (4, 10, True, 1)), 2, 2, 100.0, 3.0, 100.0, id="partial"
        ),
    ],
)
def test_summary(
    cells: list[Tally],
    sent: int,
    answered: int,
    rate: float | None,
    mean: float | None,
    nps: float | None,
) -> None:
    summary = summarize(cells)
    assert (summary.sent, summary.answered) == (sent, answered)
    assert summary.response_rate == pytest.approx(rate)
    assert summary.mean == pytest.approx(mean)
    assert summary.nps == pytest.approx(nps)


def test_distribution_and_groups() -> None:
    summary = summarize(
        answers((1, 0, True, 2), (5, 9, True, 3), (5, 7, True, 1), (None, None, True, 4))
    )
    assert summary == Summary(
        sent=10,
        answered=6,
        distribution=(2, 0, 0, 0, 4),
        recommend_answers=6,
        promoters=3,
        passives=1,
        detractors=2,
    )


@pytest.mark.parametrize(("score", "recommend"), [(0, None), (6, None), (3, -1), (3, 11)], ids=str)
def test_out_of_range_answers_are_refused(score: int, recommend: int | None) -> None:
    with pytest.raises(ValueError, match="out of"):
        summarize(answers((score, recommend, True, 1)))


@pytest.mark.parametrize(
    ("day", "monday"),
    [
        (date(2026, 11, 30), date(2026, 11, 30)),  # a Monday is its own week
        (date(2026, 12, 6), date(2026, 11, 30)),  # Sunday ends it
        (date(2027, 1, 1), date(2026, 12, 28)),  # across the new year
    ],
)
def test_week_start(day: date, monday: date) -> None:
    assert week_start(day) == monday


def test_weekly_covers_every_week_and_sums_each() -> None:
    cells = [
        Tally("h1", date(2026, 11, 2), 5, 10, True, 2),  # week of 2 Nov
        Tally("h2", date(2026, 11, 8), 1, 0, True, 2),  # Sunday: same week
        Tally("h1", date(2026, 11, 23), 3, None, True, 1),  # week of 23 Nov
        Tally("h1", date(2026, 11, 24), None, None, True, 3),
    ]
    weeks = weekly(cells, date(2026, 11, 4), date(2026, 11, 25))
    assert [w.start for w in weeks] == [
        date(2026, 11, 2),
        date(2026, 11, 9),
        date(2026, 11, 16),
        date(2026, 11, 23),
    ]
    first, empty, _, last = (w.summary for w in weeks)
    assert (first.mean, first.nps, first.answered) == (3.0, 0.0, 4)
    assert (empty.sent, empty.mean, empty.nps) == (0, None, None)
    assert (last.sent, last.answered, last.response_rate) == (4, 1, 25.0)


def test_weekly_refuses_a_reversed_range() -> None:
    with pytest.raises(ValueError, match="ends before"):
        weekly([], date(2026, 11, 5), date(2026, 11, 4))


def test_by_hospital_splits_and_sorts() -> None:
    cells = [Tally("h2", DAY, 2, None, True, 1), Tally("h1", DAY, 4, None, True, 3)]
    grouped = by_hospital(cells)
    assert list(grouped) == ["h1", "h2"]
    assert (grouped["h1"].mean, grouped["h2"].mean) == (4.0, 2.0)
