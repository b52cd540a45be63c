"""Reading the survey answers: counted per hospital, due day and answer, for a range.

A survey row is made when its card is planned; the card is due at 12:00 the day after
the appointment and the survey closes `survey_expiry` later (`expires_at`), so the due
time is `expires_at - survey_expiry`. Which day a survey counts in is that due time's
Bangkok date.

A survey counts as sent when it was answered (the card arrived), when its card's outbox
row is `sent`, or, for a survey no longer linked to an appointment (her data deleted,
or the retention period over: its outbox rows went with it), when it is past due. A
patient who deleted her data before her card went out therefore counts as sent and not
answered: a slight undercount of the response rate, never an overcount.

Comments come from the same rows: erasure and retention set a survey's comment to NULL,
so they are gone from here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

from sqlalchemy import (
    Date,
    Interval,
    Table,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from moph_connect.clock import BANGKOK
from moph_connect.db.models import Hospital, OutboxMessage, Survey
from moph_connect.satisfaction.statistics import Tally

_outbox: Table = OutboxMessage.__table__  # type: ignore[assignment]
# Asia/Bangkok has kept UTC+7 without daylight saving since 1920: SQLite shifts by it.
_BANGKOK_OFFSET_SECONDS: Final = 7 * 3600
COMMENTS_LIMIT: Final = 200


@dataclass(frozen=True)
class Scope:
    """Whose surveys: one hospital's, or every hospital's (`hospital_id` None)."""

    environment: str = "production"
    hospital_id: str | None = None


@dataclass(frozen=True)
class SurveyComment:
    hospital_id: str
    score: int | None
    recommend: int | None
    comment: str
    answered_at: datetime | None


def bangkok_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=BANGKOK).astimezone(UTC)


class SatisfactionRepository:
    def __init__(self, session: Session, survey_expiry: timedelta) -> None:
        self.session = session
        self.survey_expiry = survey_expiry

    def _due_day(self) -> ColumnElement[Any]:
        if self.session.get_bind().dialect.name == "sqlite":
            expiry = f"-{int(self.survey_expiry.total_seconds())} seconds"
            due = func.coalesce(func.datetime(Survey.expires_at, expiry), Survey.created_at)
            return func.date(due, f"+{_BANGKOK_OFFSET_SECONDS} seconds")
        due_local = func.timezone("Asia/Bangkok", Survey.expires_at) - literal(
            self.survey_expiry, Interval()
        )
        created_local = func.timezone("Asia/Bangkok", Survey.created_at)
        return cast(func.coalesce(due_local, created_local), Date)

    def _in_range(self, scope: Scope, first: date, last: date) -> list[ColumnElement[bool]]:
        start, end = bangkok_midnight(first), bangkok_midnight(last + timedelta(days=1))
        expiry = self.survey_expiry
        conditions = [
            Survey.environment == scope.environment,
            or_(
                and_(
                    Survey.expires_at >= start + expiry,
                    Survey.expires_at < end + expiry,
                ),
                and_(
                    Survey.expires_at.is_(None),
                    Survey.created_at >= start,
                    Survey.created_at < end,
                ),
            ),
        ]
        if scope.hospital_id is not None:
            conditions.append(Survey.hospital_id == scope.hospital_id)
        return conditions

    def tallies(self, scope: Scope, first: date, last: date, now: datetime) -> list[Tally]:
        """Surveys due from Bangkok day `first` to `last` (both included), counted."""
        card_sent = exists().where(
            _outbox.c.appointment_id == Survey.appointment_id,
            _outbox.c.kind == "survey",
            _outbox.c.status == "sent",
        )
        past_due = or_(
            Survey.expires_at <= now + self.survey_expiry,
            and_(Survey.expires_at.is_(None), Survey.created_at <= now),
        )
        sent = case(
            (Survey.score.is_not(None), true()),
            (Survey.appointment_id.is_(None), past_due),
            else_=card_sent,
        )
        # Counted over a subquery: grouping by an expression holding a correlated
        # subquery is not something both databases accept.
        rows = (
            select(
                Survey.hospital_id.label("hospital_id"),
                self._due_day().label("day"),
                Survey.score.label("score"),
                Survey.recommend.label("recommend"),
                sent.label("sent"),
            )
            .where(*self._in_range(scope, first, last))
            .subquery()
        )
        counted: Sequence[tuple[Any, ...]] = self.session.execute(
            select(
                rows.c.hospital_id,
                rows.c.day,
                rows.c.score,
                rows.c.recommend,
                rows.c.sent,
                func.count(),
            ).group_by(rows.c.hospital_id, rows.c.day, rows.c.score, rows.c.recommend, rows.c.sent)
        ).all()
        return [
            Tally(
                hospital_id=hospital,
                day=day if isinstance(day, date) else date.fromisoformat(day),
                score=score,
                recommend=recommend,
                sent=bool(was_sent),
                count=int(count),
            )
            for hospital, day, score, recommend, was_sent, count in counted
        ]

    def comments(
        self, scope: Scope, first: date, last: date, limit: int = COMMENTS_LIMIT
    ) -> list[SurveyComment]:
        """The newest comments of surveys due in the range (erased ones are NULL: gone)."""
        found = self.session.execute(
            select(
                Survey.hospital_id,
                Survey.score,
                Survey.recommend,
                Survey.comment,
                Survey.answered_at,
            )
            .where(*self._in_range(scope, first, last), Survey.comment.is_not(None))
            .order_by(Survey.answered_at.desc(), Survey.token)
            .limit(limit)
        ).all()
        return [
            SurveyComment(hospital, score, recommend, comment or "", answered_at)
            for hospital, score, recommend, comment, answered_at in found
        ]

    def hospital_names(self, ids: Sequence[str]) -> dict[str, str]:
        if not ids:
            return {}
        found = self.session.execute(
            select(Hospital.id, Hospital.name).where(Hospital.id.in_(list(ids)))
        ).all()
        return {str(hospital_id): str(name) for hospital_id, name in found}

    def hospital_exists(self, hospital_id: str) -> bool:
        found = self.session.execute(
            select(Hospital.id).where(Hospital.id == hospital_id)
        ).scalar_one_or_none()
        return found is not None
