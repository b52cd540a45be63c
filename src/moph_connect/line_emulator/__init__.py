"""A stand-in for LINE's Messaging API and webhooks, served over real HTTP.

Tests, benchmarks and the default dev setup point our LINE client at it instead of
`https://api.line.me`; its control API plays the patients. Under the app's base URL:

Messaging API (Bearer token = channel): POST /v2/bot/message/push | reply | multicast,
GET /v2/bot/profile/{userId}.

Control API (JSON; errors `{"message"}` with 4xx):
  POST /control/channels/{channel}/users  {"displayName", "language"?} -> 201, follows
  GET  /control/channels/{channel}/users
  POST /control/users/{userId}/text | location | postback | unfollow | follow
  GET  /control/users/{userId}/inbox
  POST /control/faults {"channel"?, "count", "kind": "500"|"timeout"|"429",
       "timeoutSeconds"?};  GET | DELETE /control/faults
  GET  /control/stats;  POST /control/reset;  GET /control/health
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
