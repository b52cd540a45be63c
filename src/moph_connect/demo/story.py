"""`moph-connect demo`: the seed's story, played on the embedded default with a simulated clock.

Everything runs for real in one process on loopback: the MOPH Connect service with its
dispatcher, the LINE emulator (with its phone view) and a sample hospital site. Kru Pensri is
a simulated LINE user; the story taps the buttons she would tap, and moves the clock to the
moments the seed names. Open the printed phone-view URL to watch her chat live.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path
from typing import Any

from rich.console import Console

from line_emulator import BackgroundServer, EmulatorConfig, create_emulator_app
from moph_connect.api.app import create_app
from moph_connect.clock import BANGKOK, SimulatedClock
from moph_connect.db.engine import make_engine
from moph_connect.db.migrate import upgrade
from moph_connect.db.uow import Database
from moph_connect.demo.hospital_site import HospitalSite, create_hospital_site
from moph_connect.demo.http import DemoHttp
from moph_connect.hospitals.service import register_hospital
from moph_connect.messages import parse_postback
from moph_connect.runtime import Runtime
from moph_connect.settings import EMBEDDED_EMULATOR_PATH, Settings

HOSPITAL_NAME = "โรงพยาบาลปทุมธานี"
SITE_PATH = "/demo-hospital"


def _actions(node: Any) -> Iterator[dict[str, Any]]:
    """Every action object in a LINE message (buttons, quick replies), in order."""
    if isinstance(node, dict):
        action = node.get("action")
        if isinstance(action, dict):
            yield action
        for value in node.values():
            yield from _actions(value)
    elif isinstance(node, list):
        for value in node:
            yield from _actions(value)


@dataclass
class Phone:
    """Kru Pensri's LINE, driven through the emulator's control API."""

    http: DemoHttp
    emulator: str
    user_id: str = ""

    def inbox(self) -> list[dict[str, Any]]:
        response = self.http.get(f"{self.emulator}/control/users/{self.user_id}/inbox")
        messages: list[dict[str, Any]] = response.json()["messages"]
        return messages

    def wait_for(self, count: int, timeout: float = 15.0) -> dict[str, Any]:
        """Wait until she has `count` messages; return the newest."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            inbox = self.inbox()
            if len(inbox) >= count:
                newest: dict[str, Any] = inbox[-1]["message"]
                return newest
            time.sleep(0.05)
        raise TimeoutError(f"message {count} did not arrive")

    def settle(self, quiet: float = 0.4) -> int:
        """Wait until no new message has come for `quiet` seconds; return the count."""
        count, since = len(self.inbox()), time.monotonic()
        while time.monotonic() - since < quiet:
            time.sleep(0.05)
            now = len(self.inbox())
            if now != count:
                count, since = now, time.monotonic()
        return count

    def tap(self, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any] | None:
        """Tap the newest button or quick reply for which `wanted(action)` holds."""
        for entry in reversed(self.inbox()):
            for action in _actions(entry["message"]):
                if action.get("type") == "postback" and wanted(action):
                    self.http.post(
                        f"{self.emulator}/control/users/{self.user_id}/postback",
                        json={"data": action["data"]},
                    )
                    return action
        return None

    def link(self, containing: str) -> str:
        for entry in reversed(self.inbox()):
            for action in _actions(entry["message"]):
                uri = action.get("uri")
                if isinstance(uri, str) and containing in uri:
                    return uri
        raise LookupError(containing)


def _kind(action: dict[str, Any]) -> str:
    return type(parse_postback(str(action.get("data", "")))).__name__


@contextmanager
def running_demo(
    port: int, workdir: Path, start: datetime
) -> Iterator[tuple[str, SimulatedClock, Database, HospitalSite]]:
    clock = SimulatedClock(start)
    url = f"sqlite:///{workdir / 'demo.db'}"
    upgrade(url)
    settings = Settings(database_url=url, host="127.0.0.1", port=port, dispatcher_poll_seconds=0.05)
    base = settings.resolved_public_base_url()
    database = Database(make_engine(url))
    emulator = create_emulator_app(EmulatorConfig.default(webhook_base=base, clock=clock))
    app = create_app(Runtime(settings, database, clock), line_emulator=emulator)
    key: list[str] = []
    site = HospitalSite(HOSPITAL_NAME, f"{base}/api", lambda: key[0], clock, base + SITE_PATH)
    app.mount(SITE_PATH, create_hospital_site(site))
    with database.transaction() as session:
        hospital = register_hospital(
            session,
            HOSPITAL_NAME,
            f"{base}{SITE_PATH}/queue/que_register.php?regist={{regist}}",
            clock.now(),
        )
    key.append(hospital.production_key)
    try:
        with BackgroundServer(app, port=port):
            yield base, clock, database, site
    finally:
        database.dispose()


def run_demo(port: int, step_delay: float, console: Console) -> None:
    today = datetime.now(BANGKOK).date()
    start = datetime.combine(today, wall_time(10, 0), tzinfo=BANGKOK)
    day = today + timedelta(days=3)  # her appointment day
    with (
        tempfile.TemporaryDirectory(prefix="moph-demo-") as workdir,
        running_demo(port, Path(workdir), start) as (base, clock, _database, site),
    ):
        emulator = base + EMBEDDED_EMULATOR_PATH
        console.rule("[bold]MOPH Connect: Kru Pensri's story")
        console.print(f"Watch her LINE chat live: [link]{emulator}/[/link]")
        console.print(f"Sample hospital site: {base}{SITE_PATH}/queue/que_register.php")
        with DemoHttp() as http:
            _Story(http, base, emulator, clock, site, day, step_delay, console).play()


@dataclass
class _Story:
    http: DemoHttp
    base: str
    emulator: str
    clock: SimulatedClock
    site: HospitalSite
    day: date
    step_delay: float
    console: Console

    def say(self, text: str) -> None:
        now = self.clock.now().astimezone(BANGKOK)
        self.console.print(f"[cyan]{now:%Y-%m-%d %H:%M}[/cyan]  {text}")
        if self.step_delay:
            time.sleep(self.step_delay)

    def at(self, day: date, hour: int, minute: int = 0) -> None:
        self.clock.set(datetime.combine(day, wall_time(hour, minute), tzinfo=BANGKOK))

    def received(self, phone: Phone, before: int) -> int:
        count = phone.settle()
        for entry in phone.inbox()[before:count]:
            message = entry["message"]
            shown = message.get("altText") or message.get("text", "")
            self.console.print(f"        [green]LINE ▸[/green] {str(shown)[:90]}")
        return count

    def play(self) -> None:
        phone = Phone(self.http, self.emulator)
        created = self.http.post(
            f"{self.emulator}/control/channels/production/users",
            json={"displayName": "ครูเพ็ญศรี", "language": "th"},
        )
        phone.user_id = created.json()["userId"]
        self.say("Kru Pensri follows MOPH Connect on LINE.")
        phone.wait_for(1)
        seen = self.received(phone, 0)
        if phone.tap(lambda a: _kind(a) == "ConsentAction"):
            self.say("She reads the privacy notice and accepts it.")
            seen = self.received(phone, seen)
        self.say("She types her hospital's name the way she says it: “รพ.ปทุมธานี”.")
        self.http.post(
            f"{self.emulator}/control/users/{phone.user_id}/text", json={"text": "รพ.ปทุมธานี"}
        )
        phone.wait_for(seen + 1)
        seen = self.received(phone, seen)
        self.say(f"She picks {HOSPITAL_NAME}.")
        if not phone.tap(lambda a: _kind(a) == "PickAction"):
            raise RuntimeError("no hospital to pick")
        phone.wait_for(seen + 1)
        seen = self.received(phone, seen)
        link = phone.link("regist=")
        self.say(f"The button opens the hospital's page: {link}")
        page = self.http.get(link)
        page.raise_for_status()
        regist = link.rsplit("regist=", 1)[1]
        self.say(f"She books {self.day.isoformat()} 09:00-09:15 on the hospital's site.")
        self.http.post(
            f"{self.base}{SITE_PATH}/queue/book",
            form={
                "regist": regist,
                "date": self.day.isoformat(),
                "slot": "09:00-09:15",
                "patient_name": "นาง เพ็ญศรี ใจดี",
            },
        ).raise_for_status()
        phone.wait_for(seen + 1)
        seen = self.received(phone, seen)

        self.at(self.day - timedelta(days=1), 0, 0)
        self.say("Midnight: the hospital's nightly job schedules tomorrow's reminders.")
        self.http.post(f"{self.base}{SITE_PATH}/jobs/schedule").raise_for_status()
        self.at(self.day - timedelta(days=1), 9, 0)
        self.say("09:00, the day before.")
        phone.wait_for(seen + 1)
        seen = self.received(phone, seen)
        self.at(self.day, 6, 0)
        self.say("06:00 on the day.")
        phone.wait_for(seen + 1)
        seen = self.received(phone, seen)
        self.at(self.day, 9, 52)
        self.say("09:52: her turn is near; the queue system tells MOPH Connect.")
        self.http.post(f"{self.base}{SITE_PATH}/jobs/notify").raise_for_status()
        phone.wait_for(seen + 1)
        seen = self.received(phone, seen)
        self.say("She is seen at the hospital.")
        self.at(self.day + timedelta(days=1), 12, 0)
        self.say("12:00 the next day: the satisfaction survey.")
        phone.wait_for(seen + 1)
        seen = self.received(phone, seen)
        self._answer_survey(phone, seen)
        self.console.rule("[bold green]The story is complete")

    def _answer_survey(self, phone: Phone, seen: int) -> None:
        tapped = phone.tap(lambda a: _kind(a) == "SurveyAction" and a["data"].endswith("score=5"))
        if tapped is None:
            raise RuntimeError("no survey buttons")
        self.say("She gives 5: very satisfied.")
        phone.wait_for(seen + 1)
        seen = self.received(phone, seen)
        if phone.tap(lambda a: _kind(a) == "SkipCommentAction"):
            self.say("She skips the comment.")
            phone.wait_for(seen + 1)
            seen = self.received(phone, seen)
        if phone.tap(lambda a: _kind(a) == "RecommendAction" and a["data"].endswith("score=10")):
            self.say("She would recommend MOPH Connect: 10.")
            phone.wait_for(seen + 1)
            self.received(phone, seen)
