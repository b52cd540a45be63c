"""The whole system on loopback for a test: our service and the LINE emulator, each a real
uvicorn server in a thread, sharing a simulated clock the test moves."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

from line_emulator import BackgroundServer, EmulatorConfig, EmulatorServer
from moph_connect.api.app import create_app
from moph_connect.clock import SimulatedClock
from moph_connect.db.engine import make_engine
from moph_connect.db.uow import Database
from moph_connect.hospitals.service import NewHospital, register_hospital
from moph_connect.messages import NOTICE_VERSION
from moph_connect.patients.repository import PatientRepository
from moph_connect.runtime import Runtime
from moph_connect.settings import Settings
from tests.support.net import free_port


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@dataclass
class Stack:
    base_url: str
    emulator_url: str
    clock: SimulatedClock
    database: Database
    api: httpx.Client
    emulator: httpx.Client

    def register_hospital(
        self, name: str = "โรงพยาบาลปทุมธานี", booking_url: str | None = None
    ) -> NewHospital:
        url = booking_url or "http://pth.ddns.net/queue/que_register.php?regist={regist}"
        with self.database.transaction() as session:
            return register_hospital(session, name, url, self.clock.now())

    def follow(
        self, channel: str = "production", name: str = "ครูเพ็ญศรี", *, consent: bool = True
    ) -> str:
        """A new follower (who accepted the privacy notice, unless `consent=False`)."""
        response = self.emulator.post(
            f"/control/channels/{channel}/users", json={"displayName": name}
        )
        assert response.status_code == 201, response.text
        user_id: str = response.json()["userId"]
        self.wait_inbox(user_id, 1)  # the greeting: the privacy notice
        if consent:
            self.consent(user_id, channel)
        return user_id

    def consent(self, user_id: str, channel: str = "production") -> None:
        """Record that she accepted the privacy notice, as tapping "accept" does (without
        its reply, so that tests count only the messages they are about)."""
        with self.database.transaction() as session:
            patients = PatientRepository(session)
            user = patients.line_user(channel, user_id)
            assert user is not None, "she must follow first"
            patients.record_consent(user, NOTICE_VERSION, self.clock.now())

    def inbox(self, user_id: str) -> list[dict[str, Any]]:
        response = self.emulator.get(f"/control/users/{user_id}/inbox")
        assert response.status_code == 200, response.text
        messages: list[dict[str, Any]] = response.json()["messages"]
        return messages

    def wait_inbox(self, user_id: str, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        def enough() -> list[dict[str, Any]] | None:
            messages = self.inbox(user_id)
            return messages if len(messages) >= count else None

        found: list[dict[str, Any]] = wait_for(enough, timeout, f"{count} message(s) for {user_id}")
        return found

    def postback(self, user_id: str, data: str) -> None:
        response = self.emulator.post(f"/control/users/{user_id}/postback", json={"data": data})
        assert response.status_code == 200, response.text
        assert response.json()["webhookStatus"] == 200, response.text

    def pick_hospital(self, user_id: str, hospital_id: str) -> str:
        """Tap "book" for a hospital; return the MOPH Connect ID from the booking link."""
        before = len(self.inbox(user_id))
        self.postback(user_id, f"action=pick&hospital={hospital_id}")
        message = self.wait_inbox(user_id, before + 1)[before]["message"]
        uri = find_uri(message, "regist=")
        return parse_qs(urlparse(uri).query)["regist"][0]

    def call(self, path: str, key: str, body: dict[str, Any], **headers: str) -> httpx.Response:
        return self.api.post(path, json=body, headers={"Authorization": f"Bearer {key}", **headers})


def find_uri(node: Any, containing: str) -> str:
    """The first `uri` in a LINE message object that contains `containing`."""
    if isinstance(node, dict):
        uri = node.get("uri")
        if isinstance(uri, str) and containing in uri:
            return uri
        children: Any = node.values()
    elif isinstance(node, list):
        children = node
    else:
        raise LookupError(containing)
    for child in children:
        try:
            return find_uri(child, containing)
        except LookupError:
            continue
    raise LookupError(containing)


# Every test calls from 127.0.0.1, many of them fail authentication on purpose, and some
# plan dozens of messages for one patient: the rate limits are off unless a test sets them
# (tests/security/test_rate_limits.py does).
UNLIMITED: dict[str, Any] = {
    "api_rate_per_second": 0,
    "auth_failures_per_minute": 0,
    "patient_messages_per_day": 0,
}


@contextmanager
def running_stack(
    database_url: str,
    start: datetime,
    *,
    rate_limit: float | None = 2000.0,
    settings_overrides: dict[str, Any] | None = None,
    run_dispatcher: bool = True,
) -> Iterator[Stack]:
    """`run_dispatcher=False`: a second service on the same database whose outbox rows the
    first one's dispatcher sends (to the first one's emulator, where the users are)."""
    clock = SimulatedClock(start)
    service_port = free_port()
    service_base = f"http://127.0.0.1:{service_port}"
    emulator_config = EmulatorConfig.default(
        webhook_base=service_base, rate_limit_per_second=rate_limit, clock=clock
    )
    emulator = EmulatorServer(emulator_config).start()
    service: BackgroundServer | None = None
    database: Database | None = None
    try:
        settings = Settings(
            database_url=database_url,
            host="127.0.0.1",
            port=service_port,
            line_api_base_url=emulator.base_url,
            **{**UNLIMITED, "dispatcher_poll_seconds": 0.05, **(settings_overrides or {})},
        )
        database = Database(make_engine(database_url))
        runtime = Runtime(settings=settings, database=database, clock=clock)
        app = create_app(runtime, run_dispatcher=run_dispatcher)
        service = BackgroundServer(app, port=service_port).start()
        with (
            httpx.Client(base_url=service.base_url, timeout=30) as api,
            httpx.Client(base_url=emulator.base_url, timeout=30) as control,
        ):
            yield Stack(service.base_url, emulator.base_url, clock, database, api, control)
    finally:
        _stop_together(service, emulator)
        if database is not None:
            database.dispose()


def _stop_together(*servers: BackgroundServer | None) -> None:
    """Stop the servers side by side: uvicorn takes 0.1-0.3 s to stop one (it looks at its
    exit flag every 0.1 s, then waits 0.1 s for its connections), mostly asleep, and the
    per-test stacks stop hundreds of times a run. Once the test is done, no order is
    needed: a send the dispatcher starts meanwhile may fail, and nothing reads it."""
    stopping = [
        threading.Thread(target=server.stop, name=f"stop:{server.port}")
        for server in servers
        if server is not None
    ]
    for thread in stopping:
        thread.start()
    for thread in stopping:
        thread.join()
