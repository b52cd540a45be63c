"""The overview: today's messages by kind and status, the last hour's sends, the due
backlog, retries and 429s, failures with LINE's reason, and a banner when a LINE channel
is paused. National for the ministry, her hospital's for a hospital user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from moph_connect.console.deps import ConsoleLang, CurrentOperator
from moph_connect.console.hospital_repository import ConsoleHospitalRepository
from moph_connect.console.overview_repository import (
    FailedMessage,
    OverviewRepository,
    PausedChannel,
)
from moph_connect.console.pages import PREFIX, page
from moph_connect.console.scoping import scope_of
from moph_connect.deps import RuntimeDep
from moph_connect.environments import Environment
from moph_connect.scheduling.rules import bangkok_date, bangkok_time

router = APIRouter(prefix=PREFIX, include_in_schema=False)
STATUS_ORDER = ("pending", "sending", "sent", "failed", "cancelled")


@dataclass(frozen=True)
class KindRow:
    kind: str
    counts: dict[str, int]  # status → messages
    total: int


@dataclass(frozen=True)
class Overview:
    environment: Environment
    as_of: datetime
    kinds: list[KindRow]
    statuses: list[str]
    total_today: int
    sent_last_hour: int
    backlog: int
    retrying: int
    rate_limited: int
    failure_reasons: list[tuple[str, int]]
    failures: list[FailedMessage]
    paused: list[PausedChannel]

    @property
    def per_minute(self) -> float:
        return round(self.sent_last_hour / 60, 1)


def _kind_rows(counts: dict[tuple[str, str], int]) -> tuple[list[KindRow], list[str]]:
    seen = {status for _, status in counts}
    statuses = [s for s in STATUS_ORDER if s in seen] + sorted(seen - set(STATUS_ORDER))
    kinds: dict[str, dict[str, int]] = {}
    for (kind, status), n in counts.items():
        kinds.setdefault(kind, {})[status] = n
    rows = [KindRow(kind, by, sum(by.values())) for kind, by in sorted(kinds.items())]
    return rows, statuses


@router.get("/overview", response_class=HTMLResponse)
def overview_page(
    request: Request,
    runtime: RuntimeDep,
    operator: CurrentOperator,
    lang: ConsoleLang,
    environment: Environment = "production",
) -> HTMLResponse:
    now = runtime.clock.now()
    start = bangkok_time(bangkok_date(now), time(0))
    end = start + timedelta(days=1)
    scope = scope_of(operator)
    with runtime.database.transaction() as session:
        hospital = (
            None
            if scope.hospital_id is None
            else ConsoleHospitalRepository(session).get(scope.hospital_id)
        )
        found = OverviewRepository(session, scope, environment)
        counts = found.by_kind_and_status(start, end)
        kinds, statuses = _kind_rows(counts)
        data = Overview(
            environment=environment,
            as_of=now,
            kinds=kinds,
            statuses=statuses,
            total_today=sum(counts.values()),
            sent_last_hour=found.sent_since(now - timedelta(hours=1), now),
            backlog=found.due_backlog(now),
            retrying=found.retrying(now),
            rate_limited=found.rate_limited(now),
            failure_reasons=found.failure_reasons(start, end),
            failures=found.latest_failures(start, end),
            paused=found.paused_channels(now),
        )
    return page(
        request,
        "overview.html",
        lang=lang,
        operator=operator,
        data=data,
        hospital_name=None if hospital is None else hospital.name,
    )
