"""What the conversation can be tuned with."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Final

from moph_connect.messages import NOTICE_VERSION
from moph_connect.settings import Settings, default

BOT_NAMES: Final = {"production": "MOPH Connect", "test": "[TEST] MOPH Connect"}


@dataclass(frozen=True)
class ChatbotConfig:
    # A survey not answered this long after it was planned is closed.
    survey_expiry: timedelta = timedelta(days=default("survey_expiry_days"))
    # What the privacy notice says appointments are kept for (the retention job's days).
    retention_days: int = default("retention_days")
    # The privacy notice patients must accept before a booking link.
    notice_version: str = NOTICE_VERSION
    # How long the bot keeps waiting for an answer it asked for (a survey comment, ...):
    # text typed later is a new request, not a late answer.
    answer_window: timedelta = timedelta(hours=1)
    # "Delete my data" must be confirmed within this time.
    erase_window: timedelta = timedelta(minutes=15)
    bot_names: dict[str, str] = field(default_factory=lambda: dict(BOT_NAMES))

    @classmethod
    def from_settings(cls, settings: Settings) -> ChatbotConfig:
        return cls(
            survey_expiry=timedelta(days=settings.survey_expiry_days),
            retention_days=settings.retention_days,
        )

    def bot_name(self, environment: str) -> str:
        return self.bot_names.get(environment, BOT_NAMES["production"])
