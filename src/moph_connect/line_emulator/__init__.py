"""A stand-in for LINE's Messaging API and webhooks, served over real HTTP.

Tests, benchmarks and the default dev setup point our LINE client at it instead of
`https://api.line.me`; its control API (`/control/...`) plays the patients.
"""

from moph_connect.line_emulator.app import create_emulator_app
from moph_connect.line_emulator.config import EmulatorChannel, EmulatorConfig
from moph_connect.line_emulator.core import Emulator
from moph_connect.line_emulator.server import BackgroundServer, EmulatorServer, run_emulator
from moph_connect.line_emulator.webhooks import signature

__all__ = [
    "BackgroundServer",
    "Emulator",
    "EmulatorChannel",
    "EmulatorConfig",
    "EmulatorServer",
    "create_emulator_app",
    "run_emulator",
    "signature",
]
