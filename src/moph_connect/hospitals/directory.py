"""Finding a hospital for a patient: by what she types, by province, or near where she is.

Only active hospitals are found. Name matching (`matching`) and distances (`geo`) are pure
and work on in-memory indexes of every hospital, kept per database and rebuilt when
`HospitalRepository.directory_version` changes (a hospital added or removed; the check
reads only the primary key index) or after `INDEX_MAX_AGE_SECONDS` (renames and moves do
not change the version). Building them for 12,000 hospitals takes about half a second,
once; a search then takes a few milliseconds (measured in docs/hospitals.md). Whether a
hospital is active, and the details shown (name, phone, ...), are always read fresh.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from moph_connect.db.models import Hospital
from moph_connect.errors import ValidationFailed
from moph_connect.hospitals.geo import NearestIndex
from moph_connect.hospitals.matching import HospitalIndex, Listing
from moph_connect.hospitals.repository import HospitalRepository

INDEX_MAX_AGE_SECONDS = 300.0
MAX_CACHED_DATABASES = 8  # test suites open many; a service opens one
# Ranked ids are read again, active only: a few spare ones make up for inactive hospitals.
SPARE_RESULTS = 8
# A hospital she used before is shown first by `nearest` when it is at most this far (or
# no farther than the others shown): she travels that far to her own hospital, not 600 km.
PREFERRED_WITHIN_KM = 50.0


@dataclass(frozen=True)
class HospitalMatch:
    hospital_id: str
    name: str
    province: str | None
    district: str | None
    phone: str | None
    distance_km: float | None  # set by nearest()


@dataclass(frozen=True)
class _Indexes:
    version: tuple[Any, ...]
    built_at: float
    names: HospitalIndex
    places: NearestIndex


_cache: dict[str, _Indexes] = {}
_cache_lock = threading.Lock()


def clear_directory_cache() -> None:
    with _cache_lock:
        _cache.clear()


class HospitalDirectory:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.hospitals = HospitalRepository(session)

    def search(
        self, query: str, *, limit: int = 12, preferred_ids: Sequence[str] = ()
    ) -> list[HospitalMatch]:
        """Hospitals matching what she typed, best first; hers first among those."""
        names = self._indexes().names
        return self._active(
            lambda count: names.search(query, limit=count, preferred=preferred_ids), limit
        )

    def by_province(
        self, province: str, *, limit: int = 12, preferred_ids: Sequence[str] = ()
    ) -> list[HospitalMatch]:
        """Hospitals in `province` ("ปทุมธานี", "จ.ปทุมธานี", "Pathum Thani"): hers first,
        then hospitals before รพ.สต., by name."""
        names = self._indexes().names
        return self._active(
            lambda count: names.in_province(province, limit=count, preferred=preferred_ids),
            limit,
        )

    def nearest(
        self,
        latitude: float,
        longitude: float,
        *,
        limit: int = 12,
        preferred_ids: Sequence[str] = (),
    ) -> list[HospitalMatch]:
        """The `limit` nearest hospitals with coordinates, nearest first, distances in km
        to 100 m; hers first when within `PREFERRED_WITHIN_KM` (or no farther than the
        others). ValidationFailed for coordinates that are not on Earth."""
        if not (math.isfinite(latitude) and -90 <= latitude <= 90):
            raise ValidationFailed.field("latitude", "must be between -90 and 90")
        if not (math.isfinite(longitude) and -180 <= longitude <= 180):
            raise ValidationFailed.field("longitude", "must be between -180 and 180")
        if limit <= 0:
            return []
        places = self._indexes().places
        preferred = set(preferred_ids)
        count = limit + SPARE_RESULTS
        while True:
            near = places.nearest(latitude, longitude, count)
            own = {
                hospital_id: distance
                for hospital_id in preferred
                if (distance := places.distance_to(hospital_id, latitude, longitude)) is not None
            }
            rows = {h.id: h for h in self.hospitals.active_by_ids({i for _, i in near} | set(own))}
            nearest = [(d, i) for d, i in near if i in rows][:limit]
            if len(nearest) < limit and len(near) == count:
                count *= 4  # inactive ones took the places: look further
                continue
            reach = max([PREFERRED_WITHIN_KM, *(d for d, _ in nearest)])
            shown = {i: d for d, i in nearest} | {
                i: d for i, d in own.items() if i in rows and d <= reach
            }
            ranked = sorted(shown.items(), key=lambda item: (item[0] not in preferred, item[1]))
            return [_match(rows[i], round(d, 1)) for i, d in ranked[:limit]]

    def _indexes(self) -> _Indexes:
        """This database's indexes, rebuilt if the registry changed or they are old."""
        key = self.session.get_bind().engine.url.render_as_string(hide_password=True)
        version = self.hospitals.directory_version()
        now = time.monotonic()
        with _cache_lock:
            cached = _cache.get(key)
        if (
            cached is not None
            and cached.version == version
            and now - cached.built_at < INDEX_MAX_AGE_SECONDS
        ):
            return cached
        # Built outside the lock: two threads may build at once, and both are right.
        listings = self.hospitals.directory_listings()
        built = _Indexes(
            version,
            now,
            HospitalIndex(Listing(*listing[:4]) for listing in listings),
            NearestIndex(
                (hospital_id, latitude, longitude)
                for hospital_id, _, _, _, latitude, longitude in listings
                if latitude is not None and longitude is not None
            ),
        )
        with _cache_lock:
            _cache.pop(key, None)
            _cache[key] = built
            while len(_cache) > MAX_CACHED_DATABASES:
                del _cache[next(iter(_cache))]  # the least recently built
        return built

    def _active(self, ranked: Callable[[int], list[str]], limit: int) -> list[HospitalMatch]:
        """The first `limit` active hospitals of a ranking, read fresh from the database.

        The indexes hold inactive hospitals too (so that (de)activating one needs no
        rebuild); a few spare places usually make up for them, else ask for more.
        """
        if limit <= 0:
            return []
        count = limit + SPARE_RESULTS
        while True:
            ids = ranked(count)
            rows = {h.id: h for h in self.hospitals.active_by_ids(ids)}
            found = [_match(rows[i], None) for i in ids if i in rows]
            if len(found) >= limit or len(ids) < count:
                return found[:limit]
            count *= 4


def _match(hospital: Hospital, distance_km: float | None) -> HospitalMatch:
    return HospitalMatch(
        hospital.id,
        hospital.name,
        hospital.province,
        hospital.district,
        hospital.phone,
        distance_km,
    )
