"""Schemathesis against our own OpenAPI, with every check it has, on SQLite and PostgreSQL.

Every operation gets the examples, coverage and fuzzing phases, positive and negative
cases, seeded and derandomized (the same cases on every run). Calls go to a running stack
with real keys, MOPH Connect IDs and appointments (tests/fuzz/conftest.py), so that most
of them get past authentication and reach validation and the service. A case is aimed
at the world only where its values are valid: what a negative case breaks stays broken.

The document is built from the app at import (schemathesis parametrizes at collection,
before any stack runs; its lazy `from_fixture` loader does not run on pytest 9.2) and
checked against the running stack's /openapi.json.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import random
import re
import zlib
from collections import Counter
from datetime import timedelta
from typing import Any

import orjson
import pytest
import schemathesis
from schemathesis import Case
from schemathesis.core import NotSet
from schemathesis.openapi.checks import RejectedPositiveData

from moph_connect.db.models import OutboxMessage, WebhookEvent
from moph_connect.settings import Settings
from tests.fuzz.conftest import Environment, World, app_openapi
from tests.support.stack import Stack, wait_for

SEED = 20180430
# Fuzzing-phase cases per operation (17 operations), on top of the examples and the
# coverage phase's boundary and negative cases (about 300 per hospital call).
MAX_EXAMPLES = 60


# Schemathesis' defaults and two refusals of ours: 410 (the patient had her data deleted,
# found before the fields are read) and 413 (too large). 5xx is never expected.
REJECTIONS = [str(status) for status in (400, 401, 403, 404, 405, 406, 409, 410, 413, 415, 422)]
REJECTIONS += ["428", "429"]
# Values a database may refuse (NUL: PostgreSQL text cannot hold it; "%00" as clients
# escape it; long and padded ids), drawn for these fields now and then.
NASTY = [
    "\u0000",
    "5bedb40574d0504752f2173f\u0000",
    "\u00005bedb40574d0504752f2173f",
    "%00",
    " 5bedb40574d0504752f2173f ",
    "5bedb40574d0504752f2173f" * 20,
    "นาย ประโยชน์ รุจิรา\u0000",
]
NASTY_FIELDS = (
    "body.userId",
    "body.queueNumber",
    "body.patientName",
    "body.appointmentTime",
    "body.appointmentDate",
    "body.events.[*].webhookEventId",
)
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "dictionaries": {"nasty": {"values": NASTY}},
        "parameters": {name: {"dictionary": "nasty", "probability": 0.2} for name in NASTY_FIELDS},
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        # Nothing learnt from answers (ids, error texts) steers generation: the same cases
        # on every run, whatever the stack's random keys and ids.
        "analysis": {"constants": {"enabled": False}},
        "phases": {
            "examples": {"extra-data-sources": {"responses": False}},
            "coverage": {"extra-data-sources": {"responses": False}},
            "fuzzing": {
                "extra-data-sources": {"responses": False},
                "error-feedback": {"enabled": False},
            },
        },
        "checks": {
            "negative_data_rejection": {"expected-statuses": REJECTIONS},
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "410", "429"]
            },
        },
    }
)
schema = schemathesis.openapi.from_dict(app_openapi(), config=CONFIG)

# (database, operation, positive or negative case, status) of every answer, and the fuzz
# tests that started, by database: for the summary test at the end of each database's half.
ANSWERS: Counter[tuple[str, str, str, int]] = Counter()
STARTED: dict[str, set[str]] = {"sqlite": set(), "postgresql": set()}
FUZZ_TEST = "test_the_api_keeps_to_its_openapi"


def _database_of(item: pytest.Item) -> str:
    database: str = item.callspec.params["fuzz_stack"]  # type: ignore[attr-defined]
    return database


def _sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


class Choices:
    """Where a case is aimed, drawn from a generator seeded by the case's own content: the
    same case always goes to the same place (explicit examples and the coverage phase's
    cases cannot draw from Hypothesis, and shrinking keeps working)."""

    def __init__(self, case: Any) -> None:
        body = None if isinstance(case.body, NotSet) else case.body
        canonical = json.dumps(
            [case.method, case.path, case.path_parameters, dict(case.headers or {}), body],
            sort_keys=True,
            default=repr,
        )
        self.digest = zlib.crc32(canonical.encode("utf-8", "surrogatepass"))
        self.random = random.Random(self.digest)

    def pick(self, *weighted: tuple[int, str]) -> str:
        values = [value for _, value in weighted]
        return self.random.choices(values, weights=[weight for weight, _ in weighted])[0]

    def number(self, upper: int) -> int:
        return self.random.randrange(upper)


def _authorization(environment: Environment, choice: str, generated: str) -> str | None:
    return {
        "key": f"Bearer {environment.key}",
        "none": None,
        "other-environment": f"Bearer {environment.other_key}",
        "other-hospital": f"Bearer {environment.other_hospital_key}",
        "spaced": f"bearer   {environment.key}  ",
        "basic": "Basic dXNlcjpwYXNz",
        "generated": generated,
    }[choice]


def _date(world: World, choice: str, days: int) -> str | None:
    day = world.today + timedelta(days=days)
    return {
        "iso": day.isoformat(),
        "buddhist": f"{day.year + 543}-{day:%m-%d}",
        "datetime": f"{day.isoformat()}T09:00:00+07:00",
        "past": (world.today - timedelta(days=1)).isoformat(),
        "far": (world.today + timedelta(days=401)).isoformat(),
        "generated": None,
    }[choice]


LINK = re.compile(r"^https?://[^\s]+$")
REGIST = re.compile(r"^[0-9a-f]{24}$")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _is_link(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= 1000 and LINK.match(value) is not None


def _under_test(case: Any) -> str | None:
    """The parameter a coverage-phase case is about (left as generated), if any."""
    meta = case.meta
    return getattr(meta.phase.data, "parameter", None) if meta is not None else None


def aim(case: Any, world: World) -> str | None:
    """Point a generated case at the world: real keys, MOPH Connect IDs and appointment
    ids, mostly. Only a valid value is swapped, and only for another valid one (or the
    key for none or a wrong one): what a negative case breaks stays as it made it.
    For a webhook, returns the channel whose secret should sign the body, if any."""
    choose = Choices(case)
    environment = world.environment_of(case.path)
    if environment is None:  # the LINE webhooks
        signature = choose.pick((2, "valid"), (1, "none"), (1, "generated"))
        if signature == "none":
            case.headers.pop("x-line-signature", None)
        if signature != "valid":
            return None
        return "test" if case.path.startswith("/test/") else "production"
    if _under_test(case) != "Authorization":
        if "Authorization" in case.headers:
            auth = choose.pick(
                (16, "key"),
                (2, "none"),
                (1, "other-environment"),
                (1, "other-hospital"),
                (1, "spaced"),
                (1, "basic"),
                (2, "generated"),
            )
            generated = case.headers["Authorization"]
        else:  # keyless calls are valid too (hospitals in legacy mode)
            auth, generated = choose.pick((2, "key"), (1, "none")), ""
        value = _authorization(environment, auth, generated)
        if value is None:
            case.headers.pop("Authorization", None)
        else:
            case.headers["Authorization"] = value
    # The coverage phase sends one Idempotency-Key with many bodies: mostly a key of the
    # case's own (the same case replays its first answer), sometimes the one generated.
    key = case.headers.get("Idempotency-Key")
    if (
        isinstance(key, str)
        and 1 <= len(key) <= 200
        and _under_test(case) != "Idempotency-Key"
        and choose.pick((3, "own"), (1, "generated")) == "own"
    ):
        case.headers["Idempotency-Key"] = f"fuzz-{choose.digest:08x}"
    if isinstance((case.path_parameters or {}).get("appointment_id"), str):
        appointment = choose.pick((6, "own"), (1, "foreign"), (1, "generated"))
        if appointment == "own":
            ids = environment.appointment_ids
            case.path_parameters["appointment_id"] = ids[choose.number(len(ids))]
        elif appointment == "foreign":
            case.path_parameters["appointment_id"] = environment.foreign_appointment_ids[0]
    body = case.body
    if isinstance(body, dict):
        _aim_body(body, case, environment, world, choose)
    return None


def _aim_body(
    body: dict[str, Any], case: Any, environment: Environment, world: World, choose: Choices
) -> None:
    if isinstance(body.get("userId"), str) and REGIST.match(body["userId"]):
        keyless = "Authorization" not in case.headers
        who = choose.pick(
            (2 if keyless else 12, "own"),
            (8 if keyless else 1, "legacy"),
            (1, "foreign"),
            (1, "erased"),
            (1, "generated"),
        )
        regists = {
            "own": environment.regists,
            "legacy": environment.legacy_regists,
            "foreign": environment.foreign_regists,
            "erased": environment.erased_regists,
        }.get(who)
        if regists is not None:
            body["userId"] = regists[choose.number(len(regists))]
    if isinstance(body.get("appointmentDate"), str):
        form = choose.pick(
            (6, "iso"), (1, "buddhist"), (1, "datetime"), (1, "past"), (1, "far"), (2, "generated")
        )
        date = _date(world, form, choose.number(11))
        if date is not None:
            body["appointmentDate"] = date
    if choose.pick((1, "real"), (1, "generated")) == "real":
        for name, link in (
            ("detailsLink", "http://pth.ddns.net/"),
            ("currentQueueLink", "http://pth.ddns.net/queue?id=1221"),
        ):
            if _is_link(body.get(name)):
                body[name] = link
    if case.media_type in FORM_TYPES:
        # A form field cannot be null: schemathesis would send the text "null".
        for name in [name for name, value in body.items() if value is None]:
            del body[name]


# What a 422 may say to a schema-valid call: rules the schema cannot express (dates
# relative to today and in the forms queue daemons write, links LINE can open, control
# characters removed before the length and pattern checks, an Idempotency-Key's first body).
BUSINESS_RULES = re.compile(
    r"^(appointmentDate: (must not be in the past|is more than 400 days ahead|has the wrong "
    r"format)"
    r"|(detailsLink|currentQueueLink): (is not a link LINE can open|has the wrong format)"
    r"|\w+: must not be empty"
    r"|This Idempotency-Key was used with a different call or body\.)"
)


TOO_LONG = re.compile(r"^must be at most \d+ characters$")


def _business_rejection(case: Any, response: Any) -> bool:
    if response.status_code != 422:
        return False
    try:
        problem = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return False
    body = case.body if isinstance(case.body, dict) else {}

    def business(field: str, reason: str) -> bool:
        if BUSINESS_RULES.match(f"{field}: {reason}"):
            return True
        # A number is read as its text, which the schema's maxLength does not measure.
        number = isinstance(body.get(field), int | float) and not isinstance(body[field], bool)
        return number and TOO_LONG.match(reason) is not None

    errors = problem.get("errors")
    if not errors:
        return BUSINESS_RULES.match(problem.get("detail", "")) is not None
    return all(business(e["field"], e["reason"]) for e in errors)


@schema.hook
def filter_failure(_context: Any, failure: Any, case: Any, response: Any) -> bool:
    """False drops a failure: a schema-valid call refused by one of our business rules."""
    return not (isinstance(failure, RejectedPositiveData) and _business_rejection(case, response))


def own_copy(case: Case) -> Case:
    """A copy to aim. Explicit examples (the coverage phase's, the schema's) are one object
    for every run of the test, here once per database, and share their containers and
    metadata with each other: aiming one in place would change what the next run gets."""
    return Case(
        case.operation,
        case.method,
        case.path,
        path_parameters=copy.deepcopy(case.path_parameters),
        headers=case.headers.copy(),
        cookies=copy.deepcopy(case.cookies),
        query=copy.deepcopy(case.query),
        body=copy.deepcopy(case.body),
        media_type=case.media_type,
        multipart_content_types=case.multipart_content_types,
        meta=copy.deepcopy(case.meta),
    )


def _signed(case: Any, base_url: str, channel: str) -> dict[str, Any]:
    """The case's body as it goes out, and its signature: the call's extra arguments."""
    sent = case.as_transport_kwargs(base_url=base_url)
    if "json" in sent:
        raw = json.dumps(sent["json"]).encode()
    else:
        data = sent.get("data", b"")
        raw = data.encode() if isinstance(data, str) else bytes(data or b"")
    secret = Settings().channel_credentials(channel).secret  # the emulator's
    return {"data": raw, "headers": {"x-line-signature": _sign(secret, raw)}}


@pytest.mark.slow
@schema.parametrize()
def test_the_api_keeps_to_its_openapi(
    case: Case, fuzz_world: World, request: pytest.FixtureRequest
) -> None:
    database = _database_of(request.node)
    STARTED[database].add(request.node.nodeid)
    base_url = fuzz_world.stack.base_url
    case = own_copy(case)
    channel = aim(case, fuzz_world)
    extra: dict[str, Any] = {"headers": {}}
    if channel is not None:
        extra = _signed(case, base_url, channel)
    if "Authorization" in case.headers:
        # Given explicitly, so that `ignored_auth` tries the call without it and with a
        # wrong one too.
        extra["headers"]["Authorization"] = case.headers["Authorization"]
    extra["headers"] = extra["headers"] or None
    mode = case.meta.generation.mode.value if case.meta is not None else "positive"
    # 60 s: a thousand-item batch on PostgreSQL took over 30 s on a busy machine.
    response = case.call_and_validate(base_url=base_url, timeout=60, **extra)
    ANSWERS[(database, case.operation.label, mode, response.status_code)] += 1


def test_the_fuzzed_document_is_the_one_served(fuzz_stack: Stack) -> None:
    served = fuzz_stack.api.get("/openapi.json")
    assert served.status_code == 200
    assert served.json() == schema.raw_schema


@pytest.mark.slow
def test_the_fuzzing_reached_the_service_and_nothing_failed_behind_it(
    fuzz_world: World, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> None:
    """Run after the fuzzing (same module, same stack): most calls got past
    authentication, and nothing the API accepted failed later (a message LINE refused, a
    webhook event that could not be processed)."""
    database = _database_of(request.node)
    selected = {
        item.nodeid
        for item in request.session.items
        if item.name.split("[", 1)[0] == FUZZ_TEST and _database_of(item) == database
    }
    if not selected:
        pytest.skip("the fuzz test is not selected in this session (-k, -m)")
    # The shares below are of every selected case: a part of them (the operations that
    # ran in this process, should a scheduler split the module) has other shares.
    elsewhere = sorted(selected - STARTED[database])
    assert not elsewhere, f"fuzz tests that did not run in this process before: {elsewhere}"
    base_url = fuzz_world.stack.base_url
    answers = {key[1:]: count for key, count in ANSWERS.items() if key[0] == database}
    statuses: dict[str, Counter[int]] = {"positive": Counter(), "negative": Counter()}
    for (label, mode, status), count in answers.items():
        if "/line/webhook" not in label:
            statuses[mode][status] += count
    with capsys.disabled():
        for mode, counts in statuses.items():
            print(f"\n[fuzz {base_url}] hospital API, {mode} cases: {dict(sorted(counts.items()))}")
    valid = statuses["positive"]
    assert valid[401] + valid[403] < valid.total() / 4, valid
    assert valid[202] + valid[200] > valid.total() / 3, valid
    stack_database = fuzz_world.stack.database

    def settled() -> bool:
        with stack_database.transaction() as session:
            unprocessed = session.query(WebhookEvent).filter(WebhookEvent.processed_at.is_(None))
            sending = session.query(OutboxMessage).filter(
                OutboxMessage.status == "sending",
            )
            return unprocessed.count() == 0 and sending.count() == 0

    wait_for(settled, timeout=60, what="webhook events processed and sends finished")
    with stack_database.transaction() as session:
        failed_events = [
            (e.webhook_event_id, e.error)
            for e in session.query(WebhookEvent).filter(WebhookEvent.error.is_not(None))
        ]
        failed_messages = [
            (m.kind, m.last_error)
            for m in session.query(OutboxMessage).filter(OutboxMessage.status == "failed")
        ]
    assert failed_events == []
    assert failed_messages == []
