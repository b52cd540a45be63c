"""The emulator instance: configuration, state, rich menus, request validation and webhook
delivery."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from line_emulator.config import EmulatorChannel, EmulatorConfig
from line_emulator.richmenus import RichMenuStore
from line_emulator.state import EmulatorState, User
from line_emulator.validation import SEND_SCHEMAS, RequestValidator
from line_emulator.webhooks import WebhookSender


class Emulator:
    """One emulated LINE platform. Handlers of both APIs share it; see `app.py`."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.state = EmulatorState(config)
        self.rich_menus = RichMenuStore(list(config.channels))
        self.validator = RequestValidator("messaging-api", SEND_SCHEMAS)
        self.webhooks = WebhookSender(config.webhook_timeout_seconds)
        self._by_token = {channel.access_token: channel for channel in config.channels.values()}

    def authenticate(self, request: Request) -> EmulatorChannel | None:
        """The channel whose access token is in `Authorization: Bearer ...`, if any."""
        return self.channel_for_authorization(request.headers.get("authorization"))

    def channel_for_authorization(self, header: str | None) -> EmulatorChannel | None:
        """The channel an `Authorization` header value names, if any."""
        if header is None:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self._by_token.get(token.strip())

    def channel(self, name: str) -> EmulatorChannel | None:
        return self.config.channels.get(name)

    def timestamp_ms(self) -> int:
        return int(self.state.now().timestamp() * 1000)

    async def send_webhook(self, user: User, event: dict[str, Any]) -> int | None:
        return await self.webhooks.send(self.config.channels[user.channel], [event])
