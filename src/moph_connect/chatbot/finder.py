"""Finding hospitals, as the conversation needs it: by what she types, by where she is.

`HospitalFinder` is the port the flows use; `DirectoryFinder` adapts the hospital
directory (`moph_connect.hospitals.directory`), which owns matching and distances.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy.orm import Session

from moph_connect.hospitals.directory import HospitalDirectory, HospitalMatch
from moph_connect.messages import HospitalChoice


class HospitalFinder(Protocol):
    def search(
        self, query: str, *, limit: int, preferred_ids: Sequence[str]
    ) -> Sequence[HospitalChoice]: ...

    def nearest(
        self, latitude: float, longitude: float, *, limit: int, preferred_ids: Sequence[str]
    ) -> Sequence[HospitalChoice]: ...


def _choice(match: HospitalMatch) -> HospitalChoice:
    return HospitalChoice(
        hospital_id=match.hospital_id,
        name=match.name,
        province=match.province,
        district=match.district,
        phone=match.phone,
        distance_km=match.distance_km,
    )


class DirectoryFinder:
    """`HospitalFinder` over the hospital directory, in the turn's session."""

    def __init__(self, session: Session) -> None:
        self.directory = HospitalDirectory(session)

    def search(
        self, query: str, *, limit: int, preferred_ids: Sequence[str]
    ) -> list[HospitalChoice]:
        found = self.directory.search(query, limit=limit, preferred_ids=preferred_ids)
        return [_choice(m) for m in found]

    def nearest(
        self, latitude: float, longitude: float, *, limit: int, preferred_ids: Sequence[str]
    ) -> list[HospitalChoice]:
        found = self.directory.nearest(
            latitude, longitude, limit=limit, preferred_ids=preferred_ids
        )
        return [_choice(m) for m in found]
