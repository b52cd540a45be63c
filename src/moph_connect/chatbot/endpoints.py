"""The LINE webhook endpoints: `/line/webhook` (production) and `/test/line/webhook`."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request

from moph_connect.chatbot.documentation import SIGNATURE_HEADER, WEBHOOK_ERRORS, WEBHOOK_OPENAPI
from moph_connect.chatbot.intake import take_in
from moph_connect.chatbot.processor import WebhookProcessor
from moph_connect.deps import RuntimeDep
from moph_connect.environments import Environment


def webhook_path(environment: Environment) -> str:
    return "/line/webhook" if environment == "production" else "/test/line/webhook"


def build_router(environment: Environment) -> APIRouter:
    router = APIRouter(tags=["LINE webhook"])

    @router.post(
        webhook_path(environment),
        summary=f"LINE webhook of the {environment} channel (signed by LINE).",
        operation_id=f"{environment}_line_webhook",
        responses=WEBHOOK_ERRORS,
        openapi_extra=WEBHOOK_OPENAPI,
    )
    async def line_webhook(
        request: Request,
        runtime: RuntimeDep,
        background: BackgroundTasks,
    ) -> dict[str, str]:
        body = await request.body()
        secret = runtime.settings.channel_credentials(environment).secret
        signature = request.headers.get(SIGNATURE_HEADER)
        new = take_in(runtime.database, environment, secret, body, signature, runtime.clock.now())
        if new:
            processor: WebhookProcessor = request.app.state.webhook_processor
            background.add_task(processor.process_pending)
        return {}

    return router
