"""The hospitals pages' queries: a page of the registry, each hospital's activity (from
`hospital_call_days`) and its keys. Searching reuses `hospitals.directory`."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from moph_connect.db.models import ApiKey, Hospital, HospitalCallDay


@dataclass(frozen=True)
class Activity:
    first_test_call: datetime | None = None
    first_production_call: datetime | None = None
    last_call: datetime | None = None
    calls_7_days: int = 0


class ConsoleHospitalRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def count(self) -> int:
        return int(self.session.scalar(select(func.count(Hospital.id))) or 0)

    def page(self, *, limit: int, offset: int) -> Sequence[Hospital]:
        return self.session.scalars(
            select(Hospital).order_by(Hospital.name, Hospital.id).limit(limit).offset(offset)
        ).all()

    def by_ids(self, hospital_ids: Sequence[str]) -> list[Hospital]:
        """In the order given (a search's ranking)."""
        if not hospital_ids:
            return []
        found = {
            h.id: h
            for h in self.session.scalars(
                select(Hospital).where(Hospital.id.in_(list(hospital_ids)))
            )
        }
        return [found[i] for i in hospital_ids if i in found]

    def get(self, hospital_id: str) -> Hospital | None:
        return self.session.get(Hospital, hospital_id)

    def activity(self, hospital_ids: Collection[str], since: date) -> dict[str, Activity]:
        """First call per environment and last call ever; calls on Bangkok days >= since."""
        if not hospital_ids:
            return {}
        ids = list(hospital_ids)
        firsts: Sequence[Any] = self.session.execute(
            select(
                HospitalCallDay.hospital_id,
                HospitalCallDay.environment,
                func.min(HospitalCallDay.first_call_at),
                func.max(HospitalCallDay.last_call_at),
            )
            .where(HospitalCallDay.hospital_id.in_(ids))
            .group_by(HospitalCallDay.hospital_id, HospitalCallDay.environment)
        ).all()
        recent: Sequence[Any] = self.session.execute(
            select(HospitalCallDay.hospital_id, func.sum(HospitalCallDay.calls))
            .where(HospitalCallDay.hospital_id.in_(ids), HospitalCallDay.day >= since)
            .group_by(HospitalCallDay.hospital_id)
        ).all()
        values: dict[str, dict[str, Any]] = {}
        for hospital_id, environment, first, last in firsts:
            entry = values.setdefault(hospital_id, {})
            entry[f"first_{environment}_call"] = first
            if entry.get("last_call") is None or last > entry["last_call"]:
                entry["last_call"] = last
        for hospital_id, calls in recent:
            values.setdefault(hospital_id, {})["calls_7_days"] = int(calls or 0)
        return {hospital_id: Activity(**entry) for hospital_id, entry in values.items()}

    def keys(self, hospital_id: str) -> Sequence[ApiKey]:
        return self.session.scalars(
            select(ApiKey)
            .where(ApiKey.hospital_id == hospital_id)
            .order_by(ApiKey.environment, ApiKey.id.desc())
        ).all()
