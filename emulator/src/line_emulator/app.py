"""The emulator as an ASGI app: LINE's Messaging API at the root, the control API below
`/control`, the phone view at `/`. Mount it where `https://api.line.me` would be
(`{base}/v2/bot/...`).

Plain Starlette, served by any ASGI server: nothing here needs FastAPI's validation or
docs, and nothing reaches into the server (the emulator's cost per push is its own work:
LINE's schema, state; see BENCHMARKS.md).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from line_emulator.config import EmulatorConfig
from line_emulator.control import ControlApi, ControlError, control_error_handler
from line_emulator.core import Emulator
from line_emulator.messaging import MessagingApi
from line_emulator.phone import PhoneApi
from line_emulator.responses import error_response
from line_emulator.richmenu_api import RichMenuApi
from line_emulator.webhooks import WebhookSpecError


async def _http_error(request: Request, exc: Exception) -> Response:
    # LINE answers unknown paths and methods in JSON too, not Starlette's plain text.
    assert isinstance(exc, HTTPException)
    message = "Not found" if exc.status_code == 404 else str(exc.detail)
    return error_response(exc.status_code, message, headers=exc.headers)


async def _webhook_spec_error(request: Request, exc: Exception) -> Response:
    return error_response(500, str(exc))


def create_emulator_app(config: EmulatorConfig) -> Starlette:
    """A fresh emulator (own state) serving `config`; its `Emulator` is `app.state.emulator`.

    When mounted inside another app, run this app's lifespan from the parent's to share
    one webhook HTTP session (without it, each webhook opens its own)::

        async with emulator_app.router.lifespan_context(emulator_app):
            yield
    """
    emulator = Emulator(config)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await emulator.webhooks.start()
        try:
            yield
        finally:
            await emulator.webhooks.close()

    messaging = MessagingApi(emulator)
    app = Starlette(
        routes=[
            *messaging.routes(),
            *RichMenuApi(emulator).routes(),
            *ControlApi(emulator).routes(),
            *PhoneApi(emulator).routes(),
        ],
        exception_handlers={
            HTTPException: _http_error,
            ControlError: control_error_handler,
            WebhookSpecError: _webhook_spec_error,
        },
        lifespan=lifespan,
    )
    app.state.emulator = emulator
    return app
