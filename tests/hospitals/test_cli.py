"""`moph-connect hospital add / import / list` as an operator runs them: real processes.

Each process costs seconds (the command imports the whole service), so the tests run
independent ones side by side and read the database directly to check what they did.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from moph_connect.db.engine import make_engine
from moph_connect.db.migrate import upgrade
from moph_connect.db.models import Hospital
from moph_connect.db.uow import Database
from moph_connect.hospitals.repository import HospitalRepository
from tests.hospitals.hospitals_data import KNOWN

COMMAND = [str(Path(sys.executable).with_name("moph-connect"))]
HEADER = "name,booking_url,province,district,latitude,longitude,phone\n"
URL = "http://pth.ddns.net/queue/que_register.php?regist={regist}"
REGISTRY = HEADER + "".join(
    f"{k.name},{URL},{k.province},{k.district},{k.latitude},{k.longitude},{k.phone}\n"
    for k in KNOWN
)


def run(*commands: tuple[list[str], Path]) -> list[subprocess.CompletedProcess[str]]:
    """Run the commands at the same time, each as (arguments, folder); the embedded
    default database of a folder is `folder`/var/moph-connect.db."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MOPH_CONNECT_")}
    processes = [
        (
            args,
            subprocess.Popen(
                COMMAND + args,
                cwd=cwd,
                env=environment,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
        for args, cwd in commands
    ]
    results = []
    for args, process in processes:
        stdout, stderr = process.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(args, process.returncode, stdout, stderr))
    return results


def database_under(folder: Path) -> Database:
    """The database the commands in `folder` use, migrated, for checking their work."""
    url = f"sqlite:///{folder / 'var' / 'moph-connect.db'}"
    upgrade(url)
    return Database(make_engine(url))


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Database]:
    database = database_under(tmp_path)
    yield database
    database.dispose()


def stored(database: Database) -> list[Hospital]:
    with database.transaction() as session:
        return list(HospitalRepository(session).list_all())


def test_import_with_a_bom_prints_each_new_hospital_and_its_keys_once(
    tmp_path: Path, registry: Database
) -> None:
    path = tmp_path / "registry.csv"
    path.write_bytes(REGISTRY.encode("utf-8-sig"))  # as Excel saves "CSV UTF-8"
    [result] = run((["hospital", "import", str(path), "--json"], tmp_path))
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    assert [c["name"] for c in created] == [k.name for k in KNOWN]
    assert all(set(c) == {"hospitalId", "name", "productionKey", "testKey"} for c in created)
    assert all(c["productionKey"].startswith("mcp_live_") for c in created)
    assert all(c["testKey"].startswith("mcp_test_") for c in created)

    hospitals = {h.id: h for h in stored(registry)}
    assert set(hospitals) == {c["hospitalId"] for c in created}
    pathum = hospitals[created[0]["hospitalId"]]
    assert (pathum.name, pathum.province, pathum.district) == (
        "โรงพยาบาลปทุมธานี",
        "ปทุมธานี",
        "เมืองปทุมธานี",
    )
    assert (pathum.latitude, pathum.longitude, pathum.phone) == (14.0208, 100.525, "02-598-8888")

    # The same file again: every row is already registered, and nothing is added.
    again, table = run(
        (["hospital", "import", str(path)], tmp_path), (["hospital", "list"], tmp_path)
    )
    assert again.returncode == 2
    assert f"line 2: name: already registered as {created[0]['hospitalId']}" in again.stderr
    assert f"error: {len(KNOWN)} problem(s); nothing was imported" in again.stderr
    assert len(stored(registry)) == len(KNOWN)
    assert table.returncode == 0, table.stderr
    assert "province" in table.stdout
    assert "กรุงเทพมหานคร" in table.stdout
    assert created[0]["productionKey"] not in table.stdout  # keys are never shown again


def test_bad_files_load_nothing_and_good_ones_print_their_keys(tmp_path: Path) -> None:
    folders = {name: tmp_path / name for name in ("bad", "utf16", "one")}
    databases = {name: database_under(folder) for name, folder in folders.items()}
    good = REGISTRY.splitlines(keepends=True)
    (folders["bad"] / "registry.csv").write_text(
        "".join(
            [
                *good[:4],  # the header, then lines 2-4: good
                "โรงพยาบาลก,http://a.example/,,,95,100.5,\n",  # line 5
                "โรงพยาบาลข,not a url,Pathum Thani,,,,02-1\n",  # line 6
                *good[5:7],  # lines 7-8: good
                good[1],  # line 9: line 2 again
            ]
        ),
        encoding="utf-8",
    )
    # As older Excel saves "Unicode Text".
    (folders["utf16"] / "registry.csv").write_bytes(REGISTRY.encode("utf-16"))
    (folders["one"] / "registry.csv").write_text(HEADER + f"โรงพยาบาลหนึ่ง,{URL},,,,,\n")
    bad, utf16, one = run(
        *((["hospital", "import", "registry.csv"], folder) for folder in folders.values())
    )

    assert bad.returncode == 2
    assert bad.stdout == ""  # no keys: nothing was created
    assert bad.stderr.splitlines() == [
        "line 5: latitude: must be between -90 and 90",
        "line 6: booking_url: must be an http:// or https:// URL with a host that LINE can open",
        "line 6: phone: must be a Thai phone number of digits and dashes, e.g. 02-581-2345 or 1669",
        "line 9: name: same hospital as line 2",
        "error: 4 problem(s); nothing was imported",
    ]
    assert stored(databases["bad"]) == []

    assert utf16.returncode == 2
    assert "registry.csv is not UTF-8 text" in utf16.stderr
    assert stored(databases["utf16"]) == []

    assert one.returncode == 0, one.stderr
    header, row = one.stdout.splitlines()  # tab-separated, to keep with `> keys.tsv`
    assert header.split("\t") == ["hospitalId", "name", "productionKey", "testKey"]
    hospital_id, name, production, test = row.split("\t")
    assert name == "โรงพยาบาลหนึ่ง"
    assert production.startswith("mcp_live_")
    assert test.startswith("mcp_test_")
    assert [h.id for h in stored(databases["one"])] == [hospital_id]
    assert "Imported 1 hospitals" in one.stderr
    for database in databases.values():
        database.dispose()


def test_add_takes_the_registry_fields_and_checks_them(tmp_path: Path, registry: Database) -> None:
    added, refused = run(
        (
            [
                *("hospital", "add", "--name", "โรงพยาบาลศิริราช", "--booking-url", URL),
                *("--province", "Bangkok", "--district", "บางกอกน้อย", "--phone", "02-419-7000"),
                *("--latitude", "13.7594", "--longitude", "100.4850", "--json"),
            ],
            tmp_path,
        ),
        (
            [
                *("hospital", "add", "--name", "x", "--booking-url", URL, "--province", "ปทุมทานี"),
                *("--latitude", "-91", "--longitude", "-180.5", "--phone", "02 419"),
            ],
            tmp_path,
        ),
    )
    assert added.returncode == 0, added.stderr
    [hospital] = stored(registry)
    assert hospital.id == json.loads(added.stdout)["hospitalId"]
    assert (hospital.province, hospital.district, hospital.phone) == (
        "กรุงเทพมหานคร",
        "บางกอกน้อย",
        "02-419-7000",
    )
    assert (hospital.latitude, hospital.longitude) == (13.7594, 100.485)

    assert refused.returncode == 2
    for reason in (
        "province: 'ปทุมทานี' is not a Thai province; did you mean ปทุมธานี?",
        "latitude: must be between -90 and 90",
        "longitude: must be between -180 and 180",
        "phone: must be a Thai phone number",
    ):
        assert reason in refused.stderr
    assert len(stored(registry)) == 1
