"""The hospital directory on SQLite and PostgreSQL: search, provinces, nearest, freshness."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from moph_connect.db.uow import Database
from moph_connect.errors import ValidationFailed
from moph_connect.hospitals.directory import HospitalDirectory, HospitalMatch
from moph_connect.hospitals.importing import ImportRejected, import_hospitals, read_rows
from moph_connect.hospitals.repository import HospitalRepository
from moph_connect.hospitals.service import register_hospital
from tests.hospitals.hospitals_data import KNOWN, Known

NOW = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)
URL = "https://queue.example.go.th/register?regist={regist}"


def register(database: Database, hospitals: tuple[Known, ...] = KNOWN) -> dict[str, str]:
    """Register `hospitals`; their ids by test key."""
    ids: dict[str, str] = {}
    with database.transaction() as session:
        for known in hospitals:
            ids[known.key] = register_hospital(
                session,
                known.name,
                URL,
                NOW,
                province=known.province,
                district=known.district,
                latitude=known.latitude,
                longitude=known.longitude,
                phone=known.phone,
            ).hospital_id
    return ids


def keys_of(matches: list[HospitalMatch], ids: dict[str, str]) -> list[str]:
    by_id = {hospital_id: key for key, hospital_id in ids.items()}
    return [by_id.get(m.hospital_id, m.hospital_id) for m in matches]


def test_search_by_name_province_and_typo(database: Database) -> None:
    ids = register(database)
    with database.transaction() as session:
        directory = HospitalDirectory(session)
        [first, *others] = directory.search("รพ.ปทุมธานี")
        assert first == HospitalMatch(
            ids["pathum"], "โรงพยาบาลปทุมธานี", "ปทุมธานี", "เมืองปทุมธานี", "02-598-8888", None
        )
        assert {"thanyaburi", "lamlukka", "bankhlong"} <= set(keys_of(others, ids))
        assert keys_of(directory.search("ศิรราช"), ids) == ["siriraj"]
        assert keys_of(directory.search("รามา"), ids) == ["ramathibodi", "chakri"]
        assert keys_of(directory.search("โรงพยาบาลปทุมทานี", limit=1), ids) == ["pathum"]
        assert directory.search("😷") == []
        assert directory.search("ปทุมธานี", limit=0) == []


def test_her_hospitals_come_first(database: Database) -> None:
    ids = register(database)
    with database.transaction() as session:
        directory = HospitalDirectory(session)
        found = directory.search("ปทุมธานี", preferred_ids=[ids["bankhlong"], "h-unknown"])
        assert keys_of(found, ids)[:2] == ["bankhlong", "pathum"]
        in_province = directory.by_province("Pathum Thani", preferred_ids=[ids["lamlukka"]])
        assert keys_of(in_province, ids) == ["lamlukka", "thanyaburi", "pathum", "bankhlong"]


def test_by_province_accepts_any_spelling(database: Database) -> None:
    ids = register(database)
    with database.transaction() as session:
        directory = HospitalDirectory(session)
        for spelling in ("เชียงใหม่", "จ.เชียงใหม่", "Chiang Mai"):
            assert set(keys_of(directory.by_province(spelling), ids)) == {"maharaj", "nakornping"}
        assert len(directory.by_province("ปทุมธานี", limit=2)) == 2
        assert directory.by_province("สตูล") == []


def test_nearest_uses_real_distances(database: Database) -> None:
    ids = register(database)
    with database.transaction() as session:
        directory = HospitalDirectory(session)
        # At Pathum Thani Hospital's door.
        found = directory.nearest(14.0208, 100.5250, limit=3)
        assert keys_of(found, ids)[0] == "pathum"
        assert found[0].distance_km == 0.0
        assert [m.distance_km for m in found] == sorted(m.distance_km or 0 for m in found)
        # At Siriraj: Ramathibodi is ~4.5 km away; Pathum Thani ~29 km.
        near_siriraj = directory.nearest(13.7594, 100.4850, limit=12)
        assert keys_of(near_siriraj, ids)[:2] == ["siriraj", "ramathibodi"]
        assert near_siriraj[1].distance_km == pytest.approx(4.5, abs=0.3)
        distances = {
            k: m.distance_km for k, m in zip(keys_of(near_siriraj, ids), near_siriraj, strict=True)
        }
        assert distances["pathum"] == pytest.approx(29.3, abs=0.5)
        # In Chiang Mai, her hospital in Bangkok is too far to put first; one in town is not.
        in_chiang_mai = directory.nearest(18.7897, 98.9740, limit=2, preferred_ids=[ids["siriraj"]])
        assert keys_of(in_chiang_mai, ids) == ["maharaj", "nakornping"]
        nearby = directory.nearest(14.0208, 100.5250, limit=2, preferred_ids=[ids["lamlukka"]])
        assert keys_of(nearby, ids)[0] == "lamlukka"
        with pytest.raises(ValidationFailed):
            directory.nearest(91, 100)


def test_a_new_hospital_is_found_at_once_and_an_inactive_one_never(database: Database) -> None:
    ids = register(database)
    with database.transaction() as session:
        assert keys_of(HospitalDirectory(session).search("ธัญบุรี"), ids)[0] == "thanyaburi"
    with database.transaction() as session:
        hospital = HospitalRepository(session).get(ids["thanyaburi"])
        assert hospital is not None
        hospital.active = False
    added = register(
        database, (Known("new", "โรงพยาบาลประชาธิปัตย์", "ปทุมธานี", "ธัญบุรี", 14.0, 100.7, "1669"),)
    )
    with database.transaction() as session:
        directory = HospitalDirectory(session)
        assert "thanyaburi" not in keys_of(directory.search("ธัญบุรี"), ids)
        assert directory.search("ประชาธิปัตย์")[0].hospital_id == added["new"]
        assert ids["thanyaburi"] not in {m.hospital_id for m in directory.by_province("ปทุมธานี")}
        assert ids["thanyaburi"] not in {m.hospital_id for m in directory.nearest(14.0261, 100.733)}


def test_imported_registry_is_searchable_and_repeated_import_is_refused(
    database: Database,
) -> None:
    text = "name,booking_url,province,district,latitude,longitude,phone\n" + "".join(
        f"{k.name},{URL},{k.province},{k.district},{k.latitude},{k.longitude},{k.phone}\n"
        for k in KNOWN
    )
    rows = read_rows(text)
    with database.transaction() as session:
        created = import_hospitals(session, rows, NOW)
    assert len({new.hospital_id for new in created}) == len(KNOWN)
    with database.transaction() as session:
        assert HospitalDirectory(session).search("ศิริราช")[0].name == "โรงพยาบาลศิริราช"
        assert len(HospitalRepository(session).list_all()) == len(KNOWN)
    with pytest.raises(ImportRejected) as caught, database.transaction() as session:
        import_hospitals(session, rows, NOW)
    assert len(caught.value.problems) == len(KNOWN)
    assert str(caught.value.problems[0]).startswith("line 2: name: already registered as h")
