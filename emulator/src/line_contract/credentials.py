"""The emulator's published channel credentials: the service uses them when it has none of
its own, and the emulator accepts them. They open nothing but an emulator, so they are not
secrets (the service refuses them for a LINE API base URL off this machine's loopback)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

# The two LINE Official Accounts: "MOPH Connect" and "[TEST] MOPH Connect". The service's
# environments carry the same names.
ChannelName = Literal["production", "test"]
CHANNEL_NAMES: tuple[ChannelName, ...] = get_args(ChannelName)


@dataclass(frozen=True)
class ChannelCredentials:
    access_token: str
    secret: str


EMULATOR_CREDENTIALS: dict[ChannelName, ChannelCredentials] = {
    "production": ChannelCredentials("emulator-production-access-token", "emulator-prod-secret"),
    "test": ChannelCredentials("emulator-test-access-token", "emulator-test-secret"),
}
