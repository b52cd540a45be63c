"""Survey answers read per hospital and nationally, on SQLite and PostgreSQL: a seeded
set whose CSAT, response rate and NPS this test computes on its own."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from moph_connect.db.models import LineUser
from moph_connect.db.uow import Database
from moph_connect.patients.erasure import ErasureRepository
from moph_connect.satisfaction.repository import SatisfactionRepository, Scope
from moph_connect.satisfaction.statistics import Tally, summarize, weekly
from tests.satisfaction.seed import EXPIRY, add_hospital, add_survey, bangkok

FIRST, LAST = date(2026, 11, 2), date(2026, 11, 29)  # four weeks, Monday to Sunday
NOW = bangkok(LAST + timedelta(days=10), 12)


def read(database: Database, scope: Scope, first: date = FIRST, last: date = LAST) -> list[Tally]:
    with database.transaction() as session:
        return SatisfactionRepository(session, EXPIRY).tallies(scope, first, last, NOW)


def test_seeded_answers_give_the_numbers_computed_here(database: Database) -> None:
    rng = random.Random(20261203)
    expected: dict[str, list[tuple[int | None, int | None, str]]] = {"h1": [], "h2": []}
    with database.transaction() as session:
        add_hospital(session, "h1", "โรงพยาบาลปทุมธานี")
        add_hospital(session, "h2", "โรงพยาบาลลำลูกกา")
        for hospital, answers in expected.items():
            for _ in range(60):
                # The appointment is on a day in the range minus one: the survey is due
                # the day after, so every one of these is due inside it.
                day = FIRST - timedelta(days=1) + timedelta(days=rng.randrange(28))
                card = rng.choice(["sent", "sent", "sent", "pending", "failed"])
                score = rng.choice([None, 1, 2, 3, 4, 5]) if card == "sent" else None
                recommend = rng.choice([None, *range(11)]) if score else None
                add_survey(session, hospital, day, score=score, recommend=recommend, card=card)
                answers.append((score, recommend, card))
        # Outside the range, and the test environment's: never counted.
        add_survey(session, "h1", FIRST - timedelta(days=2), score=1, recommend=0)
        add_survey(session, "h1", LAST, score=1, recommend=0)
        add_survey(session, "h1", FIRST + timedelta(days=3), score=1, environment="test")

    def own(rows: list[tuple[int | None, int | None, str]]) -> tuple[float, float, float]:
        sent = [r for r in rows if r[2] == "sent"]
        scores = [s for s, _, _ in rows if s is not None]
        recs = [r for _, r, _ in rows if r is not None]
        nps = 100 * (sum(r >= 9 for r in recs) - sum(r <= 6 for r in recs)) / len(recs)
        return 100 * len(scores) / len(sent), sum(scores) / len(scores), nps

    for hospital in ("h1", "h2"):
        summary = summarize(read(database, Scope(hospital_id=hospital)))
        rate, mean, nps = own(expected[hospital])
        assert summary.sent == sum(1 for r in expected[hospital] if r[2] == "sent")
        assert summary.response_rate == pytest.approx(rate)
        assert summary.mean == pytest.approx(mean)
        assert summary.nps == pytest.approx(nps)
    national = summarize(read(database, Scope()))
    rate, mean, nps = own(expected["h1"] + expected["h2"])
    assert national.response_rate == pytest.approx(rate)
    assert national.mean == pytest.approx(mean)
    assert national.nps == pytest.approx(nps)
    assert {cell.hospital_id for cell in read(database, Scope())} == {"h1", "h2"}
    assert summarize(read(database, Scope("test"))).answered == 1


def test_a_survey_counts_on_its_bangkok_due_day(database: Database) -> None:
    with database.transaction() as session:
        add_hospital(session, "h1", "h")
        # Appointment Sunday 29 Nov: due Monday 30 Nov 12:00 Bangkok (05:00 UTC).
        add_survey(session, "h1", date(2026, 11, 29), score=5)
        # Appointment Saturday 28 Nov: due Sunday 29 Nov, the range's last day.
        add_survey(session, "h1", date(2026, 11, 28), score=3)
    cells = read(database, Scope(hospital_id="h1"), FIRST, date(2026, 11, 30))
    assert sorted((c.day, c.score) for c in cells) == [
        (date(2026, 11, 29), 3),
        (date(2026, 11, 30), 5),
    ]
    weeks = weekly(cells, FIRST, date(2026, 11, 30))
    assert [w.summary.mean for w in weeks[-2:]] == [3.0, 5.0]
    assert summarize(read(database, Scope(hospital_id="h1"))).answered == 1


def test_erased_patients_comments_go_their_scores_stay(database: Database) -> None:
    with database.transaction() as session:
        add_hospital(session, "h1", "h")
        kept = add_survey(session, "h1", FIRST, score=4, recommend=9, comment="ห้องน้ำสะอาด")
        gone = add_survey(session, "h1", FIRST, score=2, recommend=3, comment="รอนานมาก")
        # Never sent, then unlinked by her erasure: past due, so counted as sent.
        unsent = add_survey(session, "h1", FIRST + timedelta(days=1), score=None, card="pending")
    with database.transaction() as session:
        repository = SatisfactionRepository(session, EXPIRY)
        assert {c.comment for c in repository.comments(Scope(), FIRST, LAST)} == {
            "ห้องน้ำสะอาด",
            "รอนานมาก",
        }
    for seeded in (gone, unsent):
        with database.transaction() as session:
            user = session.scalars(
                select(LineUser).where(LineUser.line_user_id == seeded.line_user_id)
            ).one()
            ErasureRepository(session).erase(user, NOW, current_event_id="e")
    with database.transaction() as session:
        comments = SatisfactionRepository(session, EXPIRY).comments(
            Scope(hospital_id="h1"), FIRST, LAST
        )
    assert [(c.comment, c.score, c.recommend) for c in comments] == [("ห้องน้ำสะอาด", 4, 9)]
    assert kept.survey_token  # the kept one is still linked
    summary = summarize(read(database, Scope()))
    assert (summary.sent, summary.answered, summary.distribution) == (3, 2, (0, 1, 0, 1, 0))


def test_a_survey_not_yet_due_is_not_sent(database: Database) -> None:
    with database.transaction() as session:
        add_hospital(session, "h1", "h")
        add_survey(session, "h1", FIRST, score=None, card="pending")
    with database.transaction() as session:
        before = SatisfactionRepository(session, EXPIRY).tallies(
            Scope(), FIRST, LAST, bangkok(FIRST, 8)
        )
    assert summarize(before).sent == 0
    assert summarize(read(database, Scope())).sent == 0  # linked: its card is still pending


def test_another_hospitals_scope_sees_nothing(database: Database) -> None:
    with database.transaction() as session:
        add_hospital(session, "h1", "h")
        add_hospital(session, "h2", "h")
        add_survey(session, "h1", FIRST, score=5, comment="ดีมาก")
    assert read(database, Scope(hospital_id="h2")) == []
    with database.transaction() as session:
        repository = SatisfactionRepository(session, EXPIRY)
        assert repository.comments(Scope(hospital_id="h2"), FIRST, LAST) == []
        assert repository.hospital_names(["h1", "h2", "nope"]) == {"h1": "h", "h2": "h"}
        assert repository.hospital_exists("h2") and not repository.hospital_exists("h3")
