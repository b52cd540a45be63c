"""A stand-in for LINE's Messaging API and webhooks, served over real HTTP.

Tests, benchmarks and the default dev setup point our LINE client at it instead of
`https://api.line.me`; its control API plays the patients, and its phone view (a web page
at the base URL) lets a person do the same. Under the app's base URL:

Messaging API (Bearer token = channel): POST /v2/bot/message/push | reply | multicast,
GET /v2/bot/profile/{userId}; rich menus (`richmenu_api.py`; LINE serves the two
`/content` paths on api-data.line.me, the emulator on this same base):
  POST /v2/bot/richmenu | /v2/bot/richmenu/validate;  GET /v2/bot/richmenu/list
  GET | DELETE /v2/bot/richmenu/{richMenuId};  POST | GET /v2/bot/richmenu/{richMenuId}/content
  POST /v2/bot/user/all/richmenu/{richMenuId};  GET | DELETE /v2/bot/user/all/richmenu
  POST /v2/bot/user/{userId}/richmenu/{richMenuId};  GET | DELETE /v2/bot/user/{userId}/richmenu

Control API (JSON; errors `{"message"}` with 4xx):
  POST /control/channels/{channel}/users  {"displayName", "language"?} -> 201, follows
  GET  /control/channels/{channel}/users;  GET /control/channels (names, bot names)
  POST /control/users/{userId}/text | location | postback | unfollow | follow
       (postback takes {"data", "params"?, "displayText"?}; displayText shows as hers)
  GET  /control/users/{userId}/inbox
  GET  /control/users/{userId}/chat?after=N&generation=G&wait=S  both sides of the chat,
       long-polling up to S (<= 30) seconds for news
  GET  /control/users/{userId}/richmenu  the menu she sees (linked, else the default) and
       its imageUrl;  GET /control/richmenus/{richMenuId}/content
  POST /control/faults {"channel"?, "count", "kind": "500"|"timeout"|"429",
       "timeoutSeconds"?};  GET | DELETE /control/faults
  GET  /control/stats;  POST /control/reset (keeps users and rich menus);  GET /control/health

Phone view: GET / (the page), GET /phone/{asset}; see `phone.py`.
"""

from line_emulator.app import create_emulator_app
from line_emulator.config import EmulatorChannel, EmulatorConfig
from line_emulator.core import Emulator
from line_emulator.server import (
    BackgroundServer,
    EmulatorServer,
    ShutdownNotifyingServer,
    run_emulator,
)
from line_emulator.webhooks import signature

__all__ = [
    "BackgroundServer",
    "Emulator",
    "EmulatorChannel",
    "EmulatorConfig",
    "EmulatorServer",
    "ShutdownNotifyingServer",
    "create_emulator_app",
    "run_emulator",
    "signature",
]
