"""`serve`'s /metrics after a patient's journey, on SQLite and PostgreSQL: the request
counter, what LINE answered, the send delays and the database gauges all move as the
journey says, and no label names anyone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from moph_connect.appointments.schemas import SEED_EXAMPLE
from moph_connect.metrics.database import DATABASE_GAUGE_SECONDS
from moph_connect.outbox.repository import ChannelStateRepository
from tests.delivery.harness import seed, status_counts
from tests.metrics.exposition import Scrape, scrape
from tests.support.stack import running_stack, wait_for

# 2018-04-27 10:00 in Bangkok: three days before the seed's appointment (2018-04-30), so
# the reminders `schedule` plans are not due yet.
START = datetime(2018, 4, 27, 3, 0, tzinfo=UTC)
GAUGE_WAIT = DATABASE_GAUGE_SECONDS * 3


def total(scrape: Scrape, name: str, label: str, value: str) -> float:
    """The sum of `name`'s samples whose `label` is `value`."""
    return sum(v for labels, v in scrape.labelled(name).items() if (label, value) in labels)


def test_a_journey_moves_the_counters_and_the_gauges(database_url: str) -> None:
    with running_stack(database_url, START) as stack:
        before = scrape(stack.api)
        assert before.types["moph_connect_api_requests"] == "counter"
        assert before.types["moph_connect_line_responses"] == "counter"
        assert before.types["moph_connect_send_delay_seconds"] == "histogram"
        assert before.types["moph_connect_outbox_messages"] == "gauge"
        assert before.value("moph_connect_outbox_messages", kind="queue_card", status="sent") == 0
        assert before.value("moph_connect_outbox_due_backlog", channel="production") == 0
        assert before.value("moph_connect_channel_paused", channel="test") == 0

        hospital = stack.register_hospital()
        user = stack.follow()  # greeting (a reply)
        regist = stack.pick_hospital(user, hospital.hospital_id)  # booking link (a reply)
        body = {**SEED_EXAMPLE, "userId": regist}
        key = hospital.production_key
        queued = stack.call("/api/queue", key, body)
        assert queued.status_code == 202, queued.text
        assert stack.call("/api/queue/schedule", key, body).status_code == 202
        assert stack.call("/test/api/queue", key, body).status_code == 401  # wrong environment
        appointment_id = queued.json()["appointmentId"]
        assert (
            stack.api.get(
                f"/api/queue/{appointment_id}", headers={"Authorization": f"Bearer {key}"}
            ).status_code
            == 200
        )
        assert stack.api.post("/api/no-such-call", json={}).status_code == 404
        inbox = stack.wait_inbox(user, 3)
        assert inbox[-1]["via"] == "push"  # the queue card
        line_requests = len({message["requestId"] for message in inbox})
        assert line_requests == 3

        # Due and paused: a test-channel message waits while that channel is paused.
        now = stack.clock.now()
        with stack.database.transaction() as session:
            ChannelStateRepository(session).pause("test", now + timedelta(hours=1), "paused", now)
        seed(stack.database, ["U" + "0" * 32], 1, now, kind="alert", label="p", environment="test")

        def all_recorded() -> Scrape | None:
            found = scrape(stack.api)
            sent = found.value("moph_connect_send_delay_seconds_count")
            return (
                found if sent - before.value("moph_connect_send_delay_seconds_count") >= 3 else None
            )

        after: Scrape = wait_for(all_recorded, 10, "three sends recorded")

        def delta(name: str, **labels: str) -> float:
            return after.value(name, **labels) - before.value(name, **labels)

        calls = {
            ("/api/queue", "production", 202): 1,
            ("/api/queue/schedule", "production", 202): 1,
            ("/api/queue", "test", 401): 1,  # the route's template, without /test
            ("/api/queue/{appointment_id}", "production", 200): 1,  # never the id itself
            ("unmatched", "production", 404): 1,
            ("/line/webhook", "production", 200): 2,  # the follow and the pick
        }
        for (endpoint, environment, status), count in calls.items():
            moved = delta(
                "moph_connect_api_requests_total",
                endpoint=endpoint,
                environment=environment,
                status=str(status),
            )
            assert moved == count, (endpoint, environment, status, moved)
        assert delta("moph_connect_line_responses_total", channel="production", status="200") == 3
        assert delta("moph_connect_send_delay_seconds_count") == 3
        # The simulated clock stood still: each went out at its due time.
        assert delta("moph_connect_send_delay_seconds_bucket", le="0.05") == 3
        # /metrics and /healthz are not hospital calls.
        endpoints = {
            dict(labels)["endpoint"] for labels in after.labelled("moph_connect_api_requests_total")
        }
        assert not {"/metrics", "/healthz"} & endpoints
        assert all(not endpoint.startswith("/test") for endpoint in endpoints)

        def gauges_moved() -> Scrape | None:
            found = scrape(stack.api)
            moved = (
                found.value("moph_connect_outbox_messages", kind="queue_card", status="sent") == 1
                and found.value("moph_connect_outbox_due_backlog", channel="test") == 1
                and found.value("moph_connect_channel_paused", channel="test") == 1
            )
            return found if moved else None

        # Cached for a few seconds: the first scrape's zeros may still be shown a while.
        gauges: Scrape = wait_for(gauges_moved, GAUGE_WAIT, "the database gauges to move")
        counts = status_counts(stack.database)
        by_status = {
            status: total(gauges, "moph_connect_outbox_messages", "status", status)
            for status in ("pending", "sending", "sent", "failed", "cancelled")
        }
        assert {status: n for status, n in by_status.items() if n} == counts
        assert gauges.value("moph_connect_outbox_messages", kind="alert", status="pending") == 1
        assert gauges.value("moph_connect_outbox_messages", kind="chat", status="sent") == 2
        assert (
            gauges.value(
                "moph_connect_outbox_messages", kind="reminder_day_before", status="pending"
            )
            == 1
        )
        assert gauges.value("moph_connect_outbox_due_backlog", channel="production") == 0
        assert gauges.value("moph_connect_channel_paused", channel="production") == 0

        # Nobody is named in a label: no LINE user id, MOPH Connect ID, appointment or
        # hospital id, nor the patient's name.
        for secret in (user, regist, appointment_id, hospital.hospital_id, "ประโยชน์"):
            assert secret not in gauges.text


def test_metrics_and_healthz_stay_out_of_the_api_schema_and_gauges_can_be_off(
    database_url: str,
) -> None:
    overrides = {"metrics_database_gauges": False}
    with running_stack(database_url, START, settings_overrides=overrides) as stack:
        paths = stack.api.get("/openapi.json").json()["paths"]
        assert "/metrics" not in paths
        assert "/healthz" not in paths
        assert any(path.startswith("/api/") for path in paths)
        found = scrape(stack.api)
        # Another `serve` exports the database's gauges; this one only its own counts.
        for name in (
            "moph_connect_outbox_messages",
            "moph_connect_outbox_due_backlog",
            "moph_connect_channel_paused",
        ):
            assert name not in found.types
        assert "moph_connect_line_responses" in found.types
        assert "moph_connect_api_requests" in found.types
