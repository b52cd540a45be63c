"""The satisfaction page (`/console/satisfaction`) and its CSV (`/console/satisfaction.csv`).

National for the ministry (with a table per hospital, and `?hospital=` for one of them),
her own hospital's for a hospital user: any other `?hospital=` is 404 to her. The range
is of Bangkok days on which the surveys were due (`from`, `to`; by default the last 12
weeks), at most `MAX_DAYS` long.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from moph_connect.console.deps import ConsoleLang, CurrentOperator
from moph_connect.console.errors import ConsoleNotFound
from moph_connect.console.i18n import Translate, translator
from moph_connect.console.pages import PREFIX, page
from moph_connect.console.scoping import require_hospital, scope_of
from moph_connect.deps import RuntimeDep
from moph_connect.environments import Environment
from moph_connect.errors import ValidationFailed
from moph_connect.operators.service import SignedIn
from moph_connect.satisfaction.charts import Series, bar_chart, line_chart
from moph_connect.satisfaction.export import satisfaction_csv
from moph_connect.satisfaction.repository import (
    SatisfactionRepository,
    Scope,
    SurveyComment,
)
from moph_connect.satisfaction.statistics import (
    SCORES,
    Summary,
    Tally,
    Week,
    by_hospital,
    summarize,
    week_start,
    weekly,
)
from moph_connect.scheduling.rules import bangkok_date

router = APIRouter(prefix=PREFIX, include_in_schema=False)
DEFAULT_WEEKS: Final = 12
MAX_DAYS: Final = 731
COMMENTS_SHOWN: Final = 50


@dataclass(frozen=True)
class Asked:
    """What the page was asked for, checked."""

    scope: Scope
    first: date
    last: date


@dataclass(frozen=True)
class HospitalLine:
    hospital_id: str
    name: str
    summary: Summary


@dataclass(frozen=True)
class SatisfactionView:
    asked: Asked
    hospital_name: str | None
    summary: Summary
    weeks: list[Week]
    hospitals: list[HospitalLine]
    comments: list[SurveyComment]
    names: dict[str, str]
    distribution_svg: str
    mean_svg: str
    nps_svg: str
    csv_query: str


def _day(field: str, value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed.field(field, "must be a date, YYYY-MM-DD") from None


def _asked(
    operator: SignedIn,
    today: date,
    environment: Environment,
    hospital: str | None,
    first_text: str | None,
    last_text: str | None,
) -> Asked:
    mine = scope_of(operator).hospital_id
    hospital_id = require_hospital(operator, hospital) if hospital else mine
    last = _day("to", last_text) or today
    first = _day("from", first_text) or week_start(last) - timedelta(weeks=DEFAULT_WEEKS - 1)
    if last < first:
        raise ValidationFailed.field("to", "must not be before from")
    if (last - first).days >= MAX_DAYS:
        raise ValidationFailed.field("from", f"a range is at most {MAX_DAYS} days")
    return Asked(Scope(environment, hospital_id), first, last)


def _read(
    runtime: RuntimeDep, asked: Asked
) -> tuple[list[Tally], list[SurveyComment], dict[str, str]]:
    expiry = timedelta(days=runtime.settings.survey_expiry_days)
    with runtime.database.transaction() as session:
        repository = SatisfactionRepository(session, expiry)
        if asked.scope.hospital_id is not None and not repository.hospital_exists(
            asked.scope.hospital_id
        ):
            raise ConsoleNotFound
        cells = repository.tallies(asked.scope, asked.first, asked.last, runtime.clock.now())
        comments = repository.comments(asked.scope, asked.first, asked.last, COMMENTS_SHOWN)
        ids = {cell.hospital_id for cell in cells} | {c.hospital_id for c in comments}
        if asked.scope.hospital_id is not None:
            ids.add(asked.scope.hospital_id)
        names = repository.hospital_names(sorted(ids))
    return cells, comments, names


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _charts(t: Translate, summary: Summary, weeks: list[Week]) -> tuple[str, str, str]:
    counts = ", ".join(f"{s}: {n}" for s, n in zip(SCORES, summary.distribution, strict=True))
    distribution = bar_chart(
        "chart-distribution",
        t("sat.distribution"),
        t("sat.distribution_desc", counts=counts),
        [(str(score), n) for score, n in zip(SCORES, summary.distribution, strict=True)],
    )
    labels = [week.start.strftime("%d/%m") for week in weeks]
    span = {"first": weeks[0].start.isoformat(), "last": weeks[-1].start.isoformat()}
    mean = line_chart(
        "chart-mean",
        t("sat.mean"),
        t("sat.trend_mean_desc", **span),
        labels,
        [Series(t("sat.mean"), [week.summary.mean for week in weeks])],
        y_min=1,
        y_max=5,
        ticks=[1, 2, 3, 4, 5],
    )
    nps = line_chart(
        "chart-nps",
        t("sat.nps"),
        t("sat.trend_nps_desc", **span),
        labels,
        [Series("NPS", [week.summary.nps for week in weeks])],
        y_min=-100,
        y_max=100,
        ticks=[-100, -50, 0, 50, 100],
    )
    return distribution, mean, nps


def _query(asked: Asked) -> str:
    parts = [f"environment={asked.scope.environment}"]
    if asked.scope.hospital_id is not None:
        parts.append(f"hospital={asked.scope.hospital_id}")
    parts += [f"from={asked.first.isoformat()}", f"to={asked.last.isoformat()}"]
    return "&".join(parts)


@router.get("/satisfaction", response_class=HTMLResponse)
def satisfaction_page(
    request: Request,
    runtime: RuntimeDep,
    operator: CurrentOperator,
    lang: ConsoleLang,
    environment: Environment = "production",
    hospital: str | None = Query(None, max_length=32),
    first: str | None = Query(None, alias="from", max_length=10),
    last: str | None = Query(None, alias="to", max_length=10),
) -> HTMLResponse:
    today = bangkok_date(runtime.clock.now())
    asked = _asked(operator, today, environment, hospital, first, last)
    cells, comments, names = _read(runtime, asked)
    summary = summarize(cells)
    weeks = weekly(cells, asked.first, asked.last)
    hospitals = [
        HospitalLine(hospital_id, names.get(hospital_id, hospital_id), line)
        for hospital_id, line in by_hospital(cells).items()
    ]
    distribution, mean, nps = _charts(translator(lang), summary, weeks)
    view = SatisfactionView(
        asked=asked,
        hospital_name=names.get(asked.scope.hospital_id) if asked.scope.hospital_id else None,
        summary=summary,
        weeks=weeks,
        hospitals=hospitals if asked.scope.hospital_id is None else [],
        comments=comments,
        names=names,
        distribution_svg=distribution,
        mean_svg=mean,
        nps_svg=nps,
        csv_query=_query(asked),
    )
    return page(
        request,
        "satisfaction.html",
        lang=lang,
        operator=operator,
        view=view,
        number=_number,
        national=scope_of(operator).national,
    )


@router.get("/satisfaction.csv")
def satisfaction_export(
    runtime: RuntimeDep,
    operator: CurrentOperator,
    environment: Environment = "production",
    hospital: str | None = Query(None, max_length=32),
    first: str | None = Query(None, alias="from", max_length=10),
    last: str | None = Query(None, alias="to", max_length=10),
) -> Response:
    today = bangkok_date(runtime.clock.now())
    asked = _asked(operator, today, environment, hospital, first, last)
    cells, _, names = _read(runtime, asked)
    national = asked.scope.hospital_id is None
    text = satisfaction_csv(cells, asked.first, asked.last, names, national=national)
    name = asked.scope.hospital_id or "national"
    filename = f"satisfaction-{name}-{asked.first.isoformat()}-{asked.last.isoformat()}.csv"
    # A byte-order mark, so that spreadsheets read the Thai names as UTF-8.
    return Response(
        "\ufeff" + text,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
