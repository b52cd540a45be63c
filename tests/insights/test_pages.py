"""The satisfaction and deliveries pages over real HTTP, for both roles, on SQLite and
PostgreSQL: the numbers, the CSV, the timeline, and that no hospital sees another's."""

from __future__ import annotations

import csv
import io
import re

import httpx
from sqlalchemy import select

from moph_connect.db.models import AuditEvent
from tests.insights.support import World, csrf_of, sign_in
from tests.satisfaction.seed import PATIENT_NAME
from tests.support.stack import Stack

MINISTRY, PTH, LLK = "ministry@moph.go.th", "it@pth.go.th", "it@llk.go.th"
# What support.seed_world gave h1, due in the default range: (score, recommend), sent.
H1_ANSWERS = [(5, 10), (4, 9), (2, 3), (None, None), (3, 7)]


def tile(page: str, name: str) -> str:
    found = re.search(rf'id="tile-{name}"><span class="value">([^<]*)<', page)
    assert found, page
    return found.group(1)


def own_numbers(answers: list[tuple[int | None, int | None]]) -> tuple[str, str, str]:
    scores = [s for s, _ in answers if s is not None]
    recs = [r for _, r in answers if r is not None]
    nps = 100 * (sum(r >= 9 for r in recs) - sum(r <= 6 for r in recs)) / len(recs)
    rate = 100 * len(scores) / len(answers)
    return f"{sum(scores) / len(scores):.1f}", f"{rate:.1f}%", f"{nps:.1f}"


def test_a_hospital_sees_her_numbers_charts_and_comments_only(stack: Stack, world: World) -> None:
    with sign_in(stack.base_url, PTH) as client:
        page = client.get("/console/satisfaction")
        assert page.status_code == 200
        assert (tile(page.text, "mean"), tile(page.text, "response"), tile(page.text, "nps")) == (
            own_numbers(H1_ANSWERS)
        )
        assert page.text.count('role="img"') == 3
        assert "พยาบาลใจดีมาก" in page.text
        assert "รอนาน &lt;b&gt;มาก&lt;/b&gt;" in page.text  # a comment is text, not markup
        assert "ความเห็นของ รพ.ลำลูกกา" not in page.text
        assert 'id="hospitals"' not in page.text  # no per-hospital table for her
        # Another hospital's numbers, page or export, are not there for her.
        for path in ("/console/satisfaction", "/console/satisfaction.csv"):
            assert client.get(path, params={"hospital": "h2"}).status_code == 404
        assert client.get("/console/satisfaction", params={"hospital": "h1"}).status_code == 200
        export = client.get("/console/satisfaction.csv")
        assert export.status_code == 200
        assert export.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(export.text.removeprefix("\ufeff"))))
        assert {row["hospital_id"] for row in rows} == {"h1"}
        total = next(row for row in rows if row["period"] == "total")
        mean, rate, nps = own_numbers(H1_ANSWERS)
        assert (total["mean_score"], total["response_rate_percent"] + "%", total["nps"]) == (
            mean,
            rate,
            nps,
        )


def test_the_ministry_sees_the_nation_and_each_hospital(stack: Stack, world: World) -> None:
    with sign_in(stack.base_url, MINISTRY) as client:
        page = client.get("/console/satisfaction").text
        everyone = [*H1_ANSWERS, (1, 0)]
        assert (tile(page, "mean"), tile(page, "response"), tile(page, "nps")) == own_numbers(
            everyone
        )
        assert 'data-hospital="h1"' in page and 'data-hospital="h2"' in page
        assert "ความเห็นของ รพ.ลำลูกกา" in page and "พยาบาลใจดีมาก" in page
        one = client.get("/console/satisfaction", params={"hospital": "h2"}).text
        assert tile(one, "mean") == "1.0"
        assert client.get("/console/satisfaction", params={"hospital": "h9"}).status_code == 404
        text = client.get("/console/satisfaction.csv").text
        assert text.startswith("\ufeff")  # so that spreadsheets read the Thai as UTF-8
        rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
        assert {row["hospital_id"] for row in rows} == {"h1", "h2", "all"}


def test_bad_ranges_are_problems_not_pages(stack: Stack, world: World) -> None:
    with sign_in(stack.base_url, PTH) as client:
        for params, field in (
            ({"from": "2026-13-01"}, "from"),
            ({"from": "2026-12-01", "to": "2026-11-01"}, "to"),
            ({"from": "2020-01-01", "to": "2026-11-01"}, "from"),
            ({"environment": "staging"}, "environment"),
        ):
            answer = client.get("/console/satisfaction.csv", params=params)
            assert answer.status_code == 422, params
            assert answer.headers["content-type"] == "application/problem+json"
            assert field in str(answer.json()["errors"]), answer.json()


def test_without_a_session_every_page_sends_to_sign_in(stack: Stack, world: World) -> None:
    with httpx.Client(base_url=stack.base_url) as anonymous:
        for path in (
            "/console/satisfaction",
            "/console/satisfaction.csv",
            "/console/deliveries",
            f"/console/deliveries/{world.card}",
        ):
            answer = anonymous.get(path)
            assert answer.status_code == 303, path
            assert answer.headers["location"].startswith("/console/login")
        assert anonymous.post(f"/console/deliveries/{world.card}/patient").status_code == 303


def test_deliveries_are_scoped_and_carry_no_names(stack: Stack, world: World) -> None:
    with sign_in(stack.base_url, PTH) as mine, sign_in(stack.base_url, MINISTRY) as ministry:
        listed = mine.get("/console/deliveries").text
        assert f'data-message="{world.card}"' in listed
        assert f'data-message="{world.theirs}"' not in listed
        assert f'data-message="{world.chat_free}"' not in listed
        assert PATIENT_NAME not in listed
        everything = ministry.get("/console/deliveries").text
        for message in (world.card, world.theirs, world.chat_free):
            assert f'data-message="{message}"' in everything
        assert PATIENT_NAME not in everything
        found = mine.get("/console/deliveries", params={"queue": "1221", "status": "sent"}).text
        assert f'data-message="{world.card}"' in found
        assert (
            mine.get("/console/deliveries", params={"queue": "B 1221"}).text.count("data-message=")
            == 0
        )
        # Another hospital's message, or one of no hospital, is 404 to her, by id.
        for wrong in (str(world.theirs), str(world.chat_free), "999999", "abc"):
            assert mine.get(f"/console/deliveries/{wrong}").status_code == 404
        assert ministry.get(f"/console/deliveries/{world.chat_free}").status_code == 200
        for params, field in (({"kind": "spam"}, "kind"), ({"date": "tomorrow"}, "date")):
            answer = mine.get("/console/deliveries", params=params)
            assert answer.status_code == 422
            assert field in str(answer.json()["errors"])


def test_the_timeline_and_the_audited_patient_name(stack: Stack, world: World) -> None:
    with (
        sign_in(stack.base_url, PTH) as mine,
        sign_in(stack.base_url, LLK) as other,
        sign_in(stack.base_url, MINISTRY) as ministry,
    ):
        detail = mine.get(f"/console/deliveries/{world.card}")
        assert detail.status_code == 200
        events = re.findall(r'data-event="(\w+)"', detail.text)
        assert events == ["planned", "due", "retry", "sent", "sent"]
        assert "req-0001" in detail.text and "HTTP 500: Internal Server Error" in detail.text
        assert PATIENT_NAME not in detail.text
        token = csrf_of(detail.text)
        path = f"/console/deliveries/{world.card}/patient"
        assert mine.post(path, data={}).status_code == 403  # no anti-forgery token
        assert (
            mine.post(
                path,
                data={
                    "csrf_token": csrf_of(ministry.get(f"/console/deliveries/{world.card}").text)
                },
            ).status_code
            == 403
        )
        shown = mine.post(path, data={"csrf_token": token})
        assert shown.status_code == 200
        assert PATIENT_NAME in shown.text
        # Not the ministry's to see, and not another hospital's (404 even with a token).
        ministry_page = ministry.get(f"/console/deliveries/{world.card}").text
        assert 'id="reveal"' not in ministry_page
        assert ministry.post(path, data={"csrf_token": csrf_of(ministry_page)}).status_code == 404
        other_token = csrf_of(other.get("/console/deliveries").text)
        assert other.post(path, data={"csrf_token": other_token}).status_code == 404
    with stack.database.transaction() as session:
        views = session.scalars(
            select(AuditEvent).where(AuditEvent.kind == "console.patient_viewed")
        ).all()
        assert [(v.actor, v.detail["messageId"], v.detail["hospitalId"]) for v in views] == [
            (PTH, world.card, "h1")
        ]
        assert PATIENT_NAME not in str(views[0].detail)


def test_english_on_request(stack: Stack, world: World) -> None:
    with sign_in(stack.base_url, PTH) as client:
        assert "ความพึงพอใจของผู้ป่วย" in client.get("/console/satisfaction").text
        client.cookies.set("moph_console_lang", "en", path="/console")
        assert "Patient satisfaction" in client.get("/console/satisfaction").text
        assert "Timeline" in client.get(f"/console/deliveries/{world.card}").text
