"""Group commit (appointments/group_commit.py): concurrent single calls share transactions,
and each call is answered, counted, recorded and enqueued exactly as it would be alone.

Each scenario is played twice on the real stack over real HTTP: concurrently, held behind a
transaction of the test's own so that the calls queue up and form a chunk, and then one
call at a time with fresh hospitals and patients of the same shape. Both runs must agree.
The scheduler itself is also driven with a fake chunk runner, without a database.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, select

from moph_connect.appointments.group_commit import ALONE, GroupCommit, Work
from moph_connect.db.models import (
    Appointment,
    HospitalCallDay,
    IdempotencyRecord,
    OutboxMessage,
    SandboxCall,
)
from moph_connect.hospitals.service import NewHospital
from moph_connect.messages import NOTICE_VERSION
from moph_connect.patients.repository import PatientRepository
from tests.conftest import fresh_database_url
from tests.support.stack import Stack, running_stack

START = datetime(2018, 4, 27, 3, 0, tzinfo=UTC)
# Calls a hospital may make at once (burst) before the next ones are held for their turn,
# one more every 2 s: only hospital "r" below calls more than that.
BURST = 15
SETTINGS = {
    "api_calls_per_transaction": 50,  # whatever the environment says
    "api_rate_per_second": 0.5,
    "api_rate_burst": BURST,
    "api_rate_max_wait_seconds": 5.0,
}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    # No dispatcher: its commits would be counted with the calls'.
    url = fresh_database_url(request, request.param, tmp_path_factory.mktemp("db"))
    with running_stack(url, START, run_dispatcher=False, settings_overrides=SETTINGS) as stack:
        yield stack


@dataclass(frozen=True)
class Call:
    """One call of a scenario: `who` names its hospital's role ("bad" for a wrong key),
    `patient` its patient's number at that hospital (None: an unknown MOPH Connect ID)."""

    who: str
    patient: int | None
    queue_number: str
    fields: dict[str, str] = field(default_factory=dict)
    idempotency_key: str | None = None


@dataclass
class World:
    """Hospitals and patients for one run of a scenario."""

    hospitals: dict[str, NewHospital]
    patients: dict[tuple[str, int], str]


def _world(stack: Stack, calls: Sequence[Call]) -> World:
    roles = sorted({call.who for call in calls if call.who != "bad"})
    hospitals = {role: stack.register_hospital() for role in roles}
    patients: dict[tuple[str, int], str] = {}
    with stack.database.transaction() as session:
        repository = PatientRepository(session)
        for call in calls:
            if call.who == "bad" or call.patient is None or (call.who, call.patient) in patients:
                continue
            now = stack.clock.now()
            user = repository.follow("test", "U" + uuid.uuid4().hex, now)
            repository.record_consent(user, NOTICE_VERSION, now)
            hospital_id = hospitals[call.who].hospital_id
            registration = repository.registration_for(user, hospital_id, now)
            patients[(call.who, call.patient)] = registration.regist_id
    return World(hospitals, patients)


def _request(world: World, call: Call) -> tuple[dict[str, Any], dict[str, str]]:
    regist = world.patients.get((call.who, call.patient or 0), "0" * 24)
    if call.patient is None:
        regist = "0" * 24
    body = {
        "userId": regist,
        "patientName": "ครูเพ็ญศรี",
        "appointmentDate": "2018-04-30",
        "appointmentTime": "09:00",
        "queueNumber": call.queue_number,
        "origin": "แผนกอายุรกรรม",
        "detailsLink": f"https://pth.example/queue/{call.queue_number}",
        "currentQueueLink": "https://pth.example/queue/now",
        **call.fields,
    }
    key = "not-a-key" if call.who == "bad" else world.hospitals[call.who].test_key
    headers = {"Authorization": f"Bearer {key}"}
    if call.idempotency_key is not None:
        headers["Idempotency-Key"] = call.idempotency_key
    return body, headers


def _answer(response: httpx.Response) -> tuple[int, Any]:
    """The answer without what differs from one hospital or patient to the next."""
    body = response.json()
    if response.status_code == 202:
        return 202, {key: value for key, value in body.items() if key != "appointmentId"}
    return response.status_code, (body.get("type"), body.get("errors"))


class Commits:
    def __init__(self, stack: Stack) -> None:
        self.engine = stack.database.engine
        self.count = 0

    def _commit(self, *_: Any) -> None:
        self.count += 1

    def __enter__(self) -> Commits:
        event.listen(self.engine, "commit", self._commit)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "commit", self._commit)


@contextmanager
def _held(stack: Stack, world: World, leader: str) -> Iterator[None]:
    """The server's transactions held back: on SQLite by this one (its one writer); on
    PostgreSQL, those that count a call of `leader`, by a lock on its row of the day."""
    with stack.database.transaction() as session:
        session.execute(
            select(HospitalCallDay)
            .where(HospitalCallDay.hospital_id == world.hospitals[leader].hospital_id)
            .with_for_update()
        )
        yield


async def _concurrently(stack: Stack, world: World, calls: Sequence[Call]) -> list[httpx.Response]:
    leader = calls[0]
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as client:
        # The leader's first call of the day writes its row, which `_held` then locks.
        body, headers = _request(world, Call(leader.who, leader.patient, "LEAD"))
        lead = await client.post("/test/api/queue", json=body, headers=headers)
        assert lead.is_success, lead.text
        with _held(stack, world, leader.who):
            sent = []
            for call in calls:
                body, headers = _request(world, call)
                post = client.post("/test/api/queue", json=body, headers=headers)
                sent.append(asyncio.ensure_future(post))
            await asyncio.sleep(0.5)  # they reach the server and queue up behind the hold
        return list(await asyncio.gather(*sent))


def _alone(stack: Stack, world: World, calls: Sequence[Call]) -> list[httpx.Response]:
    leader = calls[0]
    body, headers = _request(world, Call(leader.who, leader.patient, "LEAD"))
    assert stack.api.post("/test/api/queue", json=body, headers=headers).is_success
    answers = []
    for call in calls:
        body, headers = _request(world, call)
        answers.append(stack.api.post("/test/api/queue", json=body, headers=headers))
    return answers


def _traces(stack: Stack, world: World) -> dict[str, tuple[int, int, int, int]]:
    """Per hospital role: calls counted, outbox rows, sandbox records, idempotency keys."""
    traces = {}
    with stack.database.transaction() as session:
        for role, hospital in world.hospitals.items():
            hid = hospital.hospital_id
            counted = session.scalar(
                select(func.sum(HospitalCallDay.calls)).where(HospitalCallDay.hospital_id == hid)
            )
            outbox = session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .join(Appointment, Appointment.id == OutboxMessage.appointment_id)
                .where(Appointment.hospital_id == hid)
            )
            rows = [outbox] + [
                session.scalar(select(func.count()).select_from(model).where(column == hid))
                for model, column in (
                    (SandboxCall, SandboxCall.hospital_id),
                    (IdempotencyRecord, IdempotencyRecord.hospital_id),
                )
            ]
            traces[role] = (int(counted or 0), *(int(row or 0) for row in rows))
    return traces


def _both_ways(stack: Stack, calls: Sequence[Call]) -> tuple[int, list[Any], dict[str, Any]]:
    """Commits of the concurrent run; the answers and traces of both, checked equal."""
    together = _world(stack, calls)
    with Commits(stack) as commits:
        concurrent = asyncio.run(_concurrently(stack, together, calls))
    separate = _world(stack, calls)
    alone = _alone(stack, separate, calls)
    answers = [_answer(response) for response in concurrent]
    assert answers == [_answer(response) for response in alone]
    traces = _traces(stack, together)
    assert traces == _traces(stack, separate)
    # The leader's call before the hold, and the hold's own commit, are not the chunk's.
    return commits.count - 2, answers, traces


def test_concurrent_calls_share_commits_and_answer_as_alone(stack: Stack) -> None:
    calls = [Call("a", n, f"A{n:03d}") for n in range(12)]
    commits, answers, traces = _both_ways(stack, calls)
    assert [status for status, _ in answers] == [202] * 12
    assert commits < len(calls)
    counted, outbox, recorded, _keys = traces["a"]
    assert counted == recorded == 13  # the leader's first call too
    assert outbox > 0


def test_a_chunk_with_refusals_commits_the_rest_once(stack: Stack) -> None:
    calls = [
        *(Call("a", n, f"A{n:03d}") for n in range(6)),
        Call("a", 0, "A100", {"appointmentDate": "31 Feb"}),  # 422
        Call("a", None, "A101"),  # an unknown patient: 404
        *(Call("a", n, f"A2{n:02d}") for n in range(6, 9)),
    ]
    commits, answers, traces = _both_ways(stack, calls)
    assert [status for status, _ in answers] == [202] * 6 + [422, 404] + [202] * 3
    assert commits < len(calls)
    assert traces["a"][0] == traces["a"][2] == len(calls) + 1


def test_every_kind_of_refusal_in_one_chunk(stack: Stack) -> None:
    # Hospital "r" calls more than its burst: the last ones are held for their turn.
    calls = [
        Call("a", 0, "A001"),
        Call("bad", 0, "X001"),  # a wrong key: 401, counted nowhere
        Call("a", 1, "A002", {"appointmentDate": "31 Feb"}),  # 422
        Call("a", None, "A003"),  # 404
        *(Call("r", n, f"R{n:03d}") for n in range(BURST + 1)),
        Call("a", 2, "A004", idempotency_key="once-only"),
        Call("a", 2, "A004", idempotency_key="once-only"),
        Call("a", 3, "A005"),
    ]
    _commits, answers, traces = _both_ways(stack, calls)
    statuses = [status for status, _ in answers]
    assert statuses == [202, 401, 422, 404, *[202] * (BURST + 1), 202, 202, 202]
    assert answers[-3] == answers[-2]  # the repeated call gets the first one's answer
    counted, _outbox, recorded, keys = traces["a"]
    assert counted == recorded == 6 + 1  # each call of "a" once, and its leader call
    assert keys == 1
    assert traces["r"][0] == traces["r"][2] == BURST + 1  # its leader's call is "a"'s


# The scheduler alone, with a fake chunk runner.


class FakeRunner:
    """Serves each call by its name (or sends it its own way); with `hold`, its first
    chunk waits until the test lets it go."""

    def __init__(self, alone_for: frozenset[str] = frozenset(), *, hold: bool = False) -> None:
        self.chunks: list[list[str]] = []
        self.alone_for = alone_for
        self.started = threading.Event()
        self.go = threading.Event()
        if not hold:
            self.go.set()

    def __call__(self, works: Sequence[Work]) -> list[object]:
        names = [str(work(None, START)) for work in works]  # type: ignore[arg-type]
        self.chunks.append(names)
        self.started.set()
        self.go.wait(10)
        return [ALONE if name in self.alone_for else f"{name} served" for name in names]


def _served(commits: GroupCommit, name: str) -> asyncio.Future[str]:
    async def alone() -> str:
        return f"{name} alone"

    def work(_session: object, _now: datetime) -> str:
        return name

    return asyncio.ensure_future(commits.served(work, alone))


def test_calls_arriving_meanwhile_form_the_next_chunk() -> None:
    runner = FakeRunner(frozenset({"c3"}), hold=True)
    commits = GroupCommit(runner, size=4)

    async def scenario() -> list[str]:
        first = _served(commits, "c0")
        await asyncio.to_thread(runner.started.wait, 10)  # c0 is being served, alone
        later = [_served(commits, f"c{n}") for n in range(1, 9)]
        await asyncio.sleep(0)  # queued
        runner.go.set()
        return [await first, *await asyncio.gather(*later)]

    answers = asyncio.run(scenario())
    assert answers == [f"c{n} served" if n != 3 else "c3 alone" for n in range(9)]
    # No call waits to be grouped: c0 ran at once, those that came meanwhile 4 at a time.
    assert runner.chunks == [["c0"], ["c1", "c2", "c3", "c4"], ["c5", "c6", "c7", "c8"]]


def test_a_runner_that_fails_sends_each_call_its_own_way() -> None:
    def failing(_works: Sequence[Work]) -> list[object]:
        raise RuntimeError("the database went away")

    commits = GroupCommit(failing, size=10)

    async def scenario() -> list[str]:
        return list(await asyncio.gather(*(_served(commits, f"c{n}") for n in range(3))))

    assert asyncio.run(scenario()) == ["c0 alone", "c1 alone", "c2 alone"]


def test_shutdown_waits_for_the_calls_in_flight() -> None:
    runner = FakeRunner()
    commits = GroupCommit(runner, size=2)

    async def scenario() -> list[str]:
        calls = [_served(commits, f"c{n}") for n in range(5)]
        await asyncio.sleep(0)  # queued, and a chunk started
        await commits.aclose()
        assert sum(len(chunk) for chunk in runner.chunks) == 5  # every one run
        return list(await asyncio.gather(*calls))

    assert asyncio.run(scenario()) == [f"c{n} served" for n in range(5)]


def test_one_call_per_transaction_is_the_old_path() -> None:
    runner = FakeRunner()
    commits = GroupCommit(runner, size=1)

    async def scenario() -> str:
        return await _served(commits, "c0")

    assert asyncio.run(scenario()) == "c0 alone"
    assert runner.chunks == []
