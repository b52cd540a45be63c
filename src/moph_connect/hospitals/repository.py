"""Database access for hospitals and their keys."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from moph_connect.db.models import ApiKey, Hospital


class HospitalRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, hospital: Hospital, keys: Sequence[ApiKey]) -> None:
        self.session.add(hospital)
        self.session.flush()
        self.session.add_all(keys)
        self.session.flush()

    def get(self, hospital_id: str) -> Hospital | None:
        return self.session.get(Hospital, hospital_id)

    def list_active(self, limit: int | None = None) -> Sequence[Hospital]:
        query = select(Hospital).where(Hospital.active).order_by(Hospital.name, Hospital.id)
        if limit is not None:
            query = query.limit(limit)
        return self.session.scalars(query).all()

    def list_all(self) -> Sequence[Hospital]:
        return self.session.scalars(select(Hospital).order_by(Hospital.created_at)).all()

    def key_by_hash(self, key_hash: str) -> tuple[ApiKey, Hospital] | None:
        row = self.session.execute(
            select(ApiKey, Hospital)
            .join(Hospital, Hospital.id == ApiKey.hospital_id)
            .where(ApiKey.key_hash == key_hash)
        ).first()
        return None if row is None else (row[0], row[1])
