"""Database access for hospitals and their keys."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from moph_connect.db.models import ApiKey, Hospital, HospitalCallDay, Registration

# Built once: it runs on every hospital call (see appointments/repository.py).
# Plain columns on the transaction's connection, not ORM objects: every hospital call runs
# it, and loading two entities through the ORM session cost more than the query.
_KEY_BY_HASH = (
    select(
        ApiKey.environment,
        ApiKey.revoked_at,
        ApiKey.expires_at,
        Hospital.id,
        Hospital.name,
        Hospital.active,
    )
    .join(Hospital, Hospital.id == ApiKey.hospital_id)
    .where(ApiKey.key_hash == bindparam("key_hash"))
)
_CALL_DAYS: Table = HospitalCallDay.__table__  # type: ignore[assignment]


_ISSUER_OF = (
    select(Registration.environment, Hospital)
    .join(Hospital, Hospital.id == Registration.hospital_id)
    .where(Registration.regist_id == bindparam("regist_id"))
)


@dataclass(frozen=True)
class KeyHolder:
    """An API key as authentication needs it, with the hospital it opens."""

    environment: str
    revoked_at: datetime | None
    expires_at: datetime | None
    hospital_id: str
    hospital_name: str
    hospital_active: bool


@dataclass(frozen=True)
class Issuer:
    """The hospital a MOPH Connect ID was issued for, and in which environment."""

    environment: str
    hospital: Hospital


def _count_call(make_insert: Callable[[Table], Any]) -> Any:
    # Built once per dialect, with bound parameters, on the table (not the ORM entity):
    # every hospital call runs it, and building the upsert cost more than running it.
    upsert = make_insert(_CALL_DAYS).values(
        hospital_id=bindparam("hospital_id"),
        environment=bindparam("environment"),
        day=bindparam("day"),
        keyless=bindparam("keyless"),
        calls=1,
        first_call_at=bindparam("now"),
        last_call_at=bindparam("now"),
    )
    return upsert.on_conflict_do_update(
        index_elements=["hospital_id", "environment", "day", "keyless"],
        set_={"calls": _CALL_DAYS.c.calls + 1, "last_call_at": upsert.excluded.last_call_at},
    )


_COUNT_CALL = {"postgresql": _count_call(postgresql.insert), "sqlite": _count_call(sqlite.insert)}


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

    def list_all(self) -> Sequence[Hospital]:
        return self.session.scalars(select(Hospital).order_by(Hospital.created_at)).all()

    def add_many(self, hospitals: Sequence[dict[str, Any]], keys: Sequence[dict[str, Any]]) -> None:
        """Insert many rows given as column values: one executemany per table, none of
        the ORM's per-object bookkeeping (36,000 rows for a national import)."""
        if hospitals:
            self.session.execute(insert(Hospital), hospitals)
        if keys:
            self.session.execute(insert(ApiKey), keys)

    def directory_version(self) -> tuple[Any, ...]:
        """Changes when a hospital is added or removed; answered from the primary key
        index alone (no table scan), so it is cheap to ask before every search.

        The ids are random, so a table emptied and refilled with as many hospitals still
        looks different. Renames and (de)activations do not change it: the directory
        checks `active` when it reads the hospitals it found, and reloads names every few
        minutes.
        """
        row = self.session.execute(
            select(
                select(func.count()).select_from(Hospital).scalar_subquery(),
                select(func.min(Hospital.id)).scalar_subquery(),
                select(func.max(Hospital.id)).scalar_subquery(),
            )
        ).one()
        return tuple(row)

    def directory_listings(
        self,
    ) -> list[tuple[str, str, str | None, str | None, float | None, float | None]]:
        """(id, name, province, district, latitude, longitude) of every hospital, active
        or not."""
        rows = self.session.execute(
            select(
                Hospital.id,
                Hospital.name,
                Hospital.province,
                Hospital.district,
                Hospital.latitude,
                Hospital.longitude,
            )
        )
        return [(row[0], row[1], row[2], row[3], row[4], row[5]) for row in rows]

    def active_by_ids(self, hospital_ids: Collection[str]) -> Sequence[Hospital]:
        if not hospital_ids:
            return []
        return self.session.scalars(
            select(Hospital).where(Hospital.id.in_(list(hospital_ids)), Hospital.active)
        ).all()

    def key_by_hash(self, key_hash: str) -> KeyHolder | None:
        row = self.session.connection().execute(_KEY_BY_HASH, {"key_hash": key_hash}).first()
        return None if row is None else KeyHolder(*row)

    def issuer_of(self, regist_id: str) -> Issuer | None:
        row = self.session.execute(_ISSUER_OF, {"regist_id": regist_id}).first()
        return None if row is None else Issuer(row[0], row[1])

    def count_call(
        self, hospital_id: str, environment: str, day: date, *, keyless: bool, now: datetime
    ) -> None:
        """One more call on `day` (Bangkok): one upsert, on both databases."""
        values = {
            "hospital_id": hospital_id,
            "environment": environment,
            "day": day,
            "keyless": keyless,
            "now": now,
        }
        connection = self.session.connection()
        connection.execute(_COUNT_CALL[connection.dialect.name], values)

    def keyless_calls_since(self, day: date) -> dict[str, int]:
        """Calls without a key per hospital since `day` (both environments)."""
        rows = self.session.execute(
            select(HospitalCallDay.hospital_id, func.sum(HospitalCallDay.calls))
            .where(HospitalCallDay.keyless, HospitalCallDay.day >= day)
            .group_by(HospitalCallDay.hospital_id)
        )
        return {row[0]: int(row[1]) for row in rows}

    def cors_sources(self) -> list[tuple[str, list[str] | None]]:
        """(booking URL, extra CORS origins) of every active hospital."""
        rows = self.session.execute(
            select(Hospital.booking_url, Hospital.cors_origins).where(Hospital.active)
        )
        return [(row[0], row[1]) for row in rows]

    def get_for_update(self, hospital_id: str) -> Hospital | None:
        """The hospital, its row locked until the transaction ends (PostgreSQL; SQLite
        transactions already run one at a time): two rotations of one hospital then run
        one after the other, and the second sees the first one's new key."""
        return self.session.scalars(
            select(Hospital).where(Hospital.id == hospital_id).with_for_update()
        ).first()

    def unrevoked_keys(self, hospital_id: str, environment: str) -> Sequence[ApiKey]:
        """A hospital's keys for one environment that were never revoked (some may have
        expired: `keys.is_usable` decides, in one place)."""
        return self.session.scalars(
            select(ApiKey)
            .where(
                ApiKey.hospital_id == hospital_id,
                ApiKey.environment == environment,
                ApiKey.revoked_at.is_(None),
            )
            .order_by(ApiKey.id)
        ).all()

    def add_key(self, key: ApiKey) -> None:
        self.session.add(key)
        self.session.flush()
