"""Configuration and the server helpers the rest of the test suite builds on."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from line_contract.credentials import EMULATOR_CREDENTIALS
from line_emulator import (
    BackgroundServer,
    EmulatorChannel,
    EmulatorConfig,
    EmulatorServer,
    create_emulator_app,
)
from tests.line_emulator.conftest import PRODUCTION_TOKEN, WebhookReceiver


def test_default_config_uses_the_emulator_credentials_and_our_webhook_paths() -> None:
    config = EmulatorConfig.default("http://127.0.0.1:8000/")
    production, test = config.channels["production"], config.channels["test"]
    assert production.access_token == EMULATOR_CREDENTIALS["production"].access_token
    assert test.secret == EMULATOR_CREDENTIALS["test"].secret
    assert production.webhook_url == "http://127.0.0.1:8000/line/webhook"
    assert test.webhook_url == "http://127.0.0.1:8000/test/line/webhook"
    assert (production.bot_display_name, test.bot_display_name) == (
        "MOPH Connect",
        "[TEST] MOPH Connect",
    )
    assert production.bot_user_id != test.bot_user_id
    assert config.rate_limit_per_second == 2000.0
    assert EmulatorConfig.default(None).channels["production"].webhook_url is None


def channel(name: str, token: str) -> EmulatorChannel:
    return EmulatorChannel(name, token, "secret", None, name)


@pytest.mark.parametrize(
    "channels",
    [
        {},
        {"a": channel("b", "t")},
        {"a": channel("a", "t"), "b": channel("b", "t")},
    ],
)
def test_inconsistent_configs_are_refused(channels: dict[str, EmulatorChannel]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 (the messages vary by case)
        EmulatorConfig(channels=channels)


def test_a_rate_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="rate_limit"):
        EmulatorConfig.default(None, rate_limit_per_second=0)


def test_background_server_starts_answers_and_stops() -> None:
    server = BackgroundServer(Starlette())
    with pytest.raises(RuntimeError):
        _ = server.base_url
    with server:
        assert httpx.get(server.base_url + "/anything").status_code == 404
        url = server.base_url
    with pytest.raises(httpx.ConnectError):
        httpx.get(url)


def test_emulator_server_exposes_its_state() -> None:
    with EmulatorServer(EmulatorConfig.default(None)) as server:
        user = server.emulator.state.create_user("production", "ก", "th")
        inbox = httpx.get(f"{server.base_url}/control/users/{user.user_id}/inbox")
        assert inbox.json()["messages"] == []


def test_each_app_has_its_own_state() -> None:
    first = create_emulator_app(EmulatorConfig.default(None))
    second = create_emulator_app(EmulatorConfig.default(None))
    first.state.emulator.state.create_user("production", "ก", "th")
    assert second.state.emulator.state.users == {}


def test_mounted_inside_another_app_without_its_lifespan(
    receiver_server: tuple[WebhookReceiver, str], receiver: WebhookReceiver
) -> None:
    # The default dev setup mounts the emulator in our FastAPI app; the webhook session
    # then opens on first use.
    _, receiver_base = receiver_server
    emulator = create_emulator_app(EmulatorConfig.default(receiver_base))
    parent = Starlette(routes=[Mount("/line-emulator", app=emulator)])
    with (
        BackgroundServer(parent) as server,
        httpx.Client(base_url=f"{server.base_url}/line-emulator") as http,
    ):
        created = http.post("/control/channels/production/users", json={"displayName": "ก"})
        assert created.json()["webhookStatus"] == 200
        user = created.json()["userId"]
        pushed = http.post(
            "/v2/bot/message/push",
            json={"to": user, "messages": [{"type": "text", "text": "สวัสดี"}]},
            headers={"Authorization": f"Bearer {PRODUCTION_TOKEN}"},
        )
        assert pushed.status_code == 200
        assert http.get(f"/control/users/{user}/inbox").json()["deliveries"] == 1
        assert http.get("/nowhere").json() == {"message": "Not found"}
    assert len(receiver.take()) == 1
