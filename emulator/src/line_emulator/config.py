"""What an emulator instance serves: its LINE channels, limits and clock."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from line_contract.credentials import (
    CHANNEL_NAMES,
    EMULATOR_CREDENTIALS,
    ChannelCredentials,
    ChannelName,
)
from line_emulator.clock import Clock, SystemClock

BOT_DISPLAY_NAMES: dict[ChannelName, str] = {
    "production": "MOPH Connect",
    "test": "[TEST] MOPH Connect",
}

# Where each channel's webhook lives on our service, relative to the service's base URL.
WEBHOOK_PATHS: dict[ChannelName, str] = {
    "production": "/line/webhook",
    "test": "/test/line/webhook",
}


@dataclass(frozen=True)
class EmulatorChannel:
    """One LINE Official Account: its credentials and where LINE would send its webhooks."""

    name: str
    access_token: str
    secret: str
    webhook_url: str | None
    bot_display_name: str

    @property
    def bot_user_id(self) -> str:
        """The bot's own user ID (webhook `destination`), stable across emulator restarts."""
        return "U" + hashlib.sha256(f"moph-connect-bot:{self.name}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class EmulatorConfig:
    """Everything that shapes an emulator; the defaults mirror LINE's published limits."""

    channels: Mapping[str, EmulatorChannel]
    # LINE allows 2,000 push requests/s per channel; None switches limiting off (benchmarks).
    rate_limit_per_second: float | None = 2000.0
    # LINE accepts a reply token once, within a minute of the webhook that carried it.
    reply_token_ttl_seconds: float = 60.0
    webhook_timeout_seconds: float = 10.0
    # Timestamps (webhook events, inbox) and reply-token expiry follow this clock, so a
    # simulated clock moves them too; rate limiting always uses real monotonic time.
    clock: Clock = field(default_factory=SystemClock)

    def __post_init__(self) -> None:
        if not self.channels:
            raise ValueError("an emulator needs at least one channel")
        for key, channel in self.channels.items():
            if key != channel.name:
                raise ValueError(f"channel {channel.name!r} is registered as {key!r}")
        tokens = [channel.access_token for channel in self.channels.values()]
        if len(set(tokens)) != len(tokens):
            raise ValueError("two channels share an access token")
        if self.rate_limit_per_second is not None and self.rate_limit_per_second <= 0:
            raise ValueError("rate_limit_per_second must be positive (or None for no limit)")
        if self.reply_token_ttl_seconds <= 0 or self.webhook_timeout_seconds <= 0:
            raise ValueError("reply_token_ttl_seconds and webhook_timeout_seconds must be positive")

    @classmethod
    def default(
        cls,
        webhook_base: str | None,
        *,
        rate_limit_per_second: float | None = 2000.0,
        clock: Clock | None = None,
        credentials: Mapping[ChannelName, ChannelCredentials] | None = None,
    ) -> EmulatorConfig:
        """The project's two channels, with the built-in emulator credentials unless
        `credentials` gives a channel's own (the service's configured ones, so that both
        sides sign and check webhooks with the same secret).

        `webhook_base` is our service's base URL (e.g. `http://127.0.0.1:8000`); None leaves
        the channels without a webhook, so user actions are recorded but not delivered.
        """
        base = webhook_base.rstrip("/") if webhook_base else None
        chosen = {**EMULATOR_CREDENTIALS, **(credentials or {})}
        channels: dict[str, EmulatorChannel] = {
            env: EmulatorChannel(
                name=env,
                access_token=chosen[env].access_token,
                secret=chosen[env].secret,
                webhook_url=f"{base}{WEBHOOK_PATHS[env]}" if base else None,
                bot_display_name=BOT_DISPLAY_NAMES[env],
            )
            for env in CHANNEL_NAMES
        }
        return cls(
            channels=channels,
            rate_limit_per_second=rate_limit_per_second,
            clock=clock or SystemClock(),
        )
