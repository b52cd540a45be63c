"""The application factory: the hospital API, the LINE webhooks, and what runs beside them."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI
from starlette.applications import Starlette

from moph_connect import __version__
from moph_connect.api import openapi, problems
from moph_connect.api.body_limit import BodySizeLimit
from moph_connect.api.cors import HospitalApiCors
from moph_connect.api.edge import EdgeHeaders
from moph_connect.api.header_limit import HeaderLimit
from moph_connect.appointments import batch, group_commit
from moph_connect.appointments import documentation as appointment_documentation
from moph_connect.appointments import endpoints as appointment_endpoints
from moph_connect.chatbot import endpoints as chatbot_endpoints
from moph_connect.chatbot.config import ChatbotConfig
from moph_connect.chatbot.followers import PROFILE_TIMEOUT_SECONDS, LineFollowerLookup
from moph_connect.chatbot.processor import WebhookProcessor
from moph_connect.console import routes as console_routes
from moph_connect.environments import ENVIRONMENTS
from moph_connect.hospitals.cors_origins import CorsOrigins
from moph_connect.line.api import LineApi
from moph_connect.metrics import endpoints as metrics_endpoints
from moph_connect.outbox.worker import DispatcherThread
from moph_connect.ratelimits.line import RateLimitedApi
from moph_connect.runtime import Runtime
from moph_connect.settings import EMBEDDED_EMULATOR_PATH

log = logging.getLogger(__name__)

DESCRIPTION = """
MOPH Connect sends hospital queue messages to patients on LINE.

**The hospital developer's guide** (the calls and when to make them, keys, every error, and
examples in PHP, Python, curl, Node, C# and browser JavaScript): `docs/hospital-guide.en.md`,
in Thai `docs/hospital-guide.th.md`, in the moph-connect repository.

Your queue system calls these endpoints with the patient's MOPH Connect ID (`userId`, from
`?regist=` on your booking page). Develop against `/test/api/...` with your **test** key
(messages go to the "[TEST] MOPH Connect" LINE account), then switch to `/api/...` with
your **production** key. Authenticate with `Authorization: Bearer <key>`. Hospitals the
ministry has put in **legacy mode** may send no Authorization header (the `userId` then
names the hospital); a wrong key is refused all the same, and they should move to keys.

The body is the seed's JSON, read whatever the Content-Type says, or a form with the same
field names. `appointmentDate` is `YYYY-MM-DD` (Asia/Bangkok); also read are
`YYYY-MM-DD HH:MM[:SS]`, ISO 8601 date-times (`T`, optional offset: the Bangkok date counts)
and Buddhist-era years (`2561-04-30` is 2018-04-30). The answer's `warnings` say what was
read differently or ignored. Errors are `application/problem+json` and name the field and
the reason. Times are Asia/Bangkok.
"""


def webhook_processor(runtime: Runtime) -> WebhookProcessor:
    """The chatbot's processor, with what it needs of LINE injected: the LINE adapter
    under the channel's shared rate limit (the chatbot itself imports no HTTP client)."""
    settings = runtime.settings
    timeout = min(PROFILE_TIMEOUT_SECONDS, settings.line_request_timeout_seconds)
    api = RateLimitedApi(
        LineApi.from_settings(settings, timeout_seconds=timeout),
        runtime.database,
        settings.line_rate_per_second,
    )
    return WebhookProcessor(
        runtime.database,
        runtime.clock,
        runtime.wake_dispatcher,
        config=ChatbotConfig.from_settings(settings),
        followers=LineFollowerLookup(api),
    )


def create_app(
    runtime: Runtime,
    *,
    run_dispatcher: bool = True,
    line_emulator: Starlette | None = None,
) -> FastAPI:
    """`line_emulator`, when given, is mounted at /line-emulator (the embedded default)."""
    problem = runtime.settings.line_configuration_problem()
    if problem is not None:  # the CLI says so in one line before it gets here
        raise RuntimeError(problem)
    dispatcher = (
        DispatcherThread(runtime.settings, runtime.database, runtime.clock)
        if run_dispatcher
        else None
    )
    if dispatcher is not None:
        runtime.wake_dispatcher = dispatcher.wake
    processor = webhook_processor(runtime)
    if runtime.settings.api_calls_per_transaction > 1:
        runtime.group_commit = group_commit.for_runtime(runtime)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # For this event loop: the threads that run the synchronous endpoints.
        to_thread.current_default_thread_limiter().total_tokens = runtime.settings.api_threads
        async with AsyncExitStack() as stack:
            if line_emulator is not None:  # a mounted app's lifespan is not run for it
                await stack.enter_async_context(
                    line_emulator.router.lifespan_context(line_emulator)
                )
            if dispatcher is not None:
                dispatcher.start()
                stack.callback(dispatcher.stop)
            stack.push_async_callback(processor.close)
            await processor.process_pending()  # events a crash left unprocessed
            if runtime.group_commit is not None:  # first out: its chunks wake the dispatcher
                stack.push_async_callback(runtime.group_commit.aclose)
            yield

    docs = runtime.settings.api_docs
    app = FastAPI(
        title="MOPH Connect API",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
        # Never a redirect that echoes the Host header (EdgeHeaders strips the slash).
        redirect_slashes=False,
    )
    app.state.runtime = runtime
    app.state.webhook_processor = processor
    app.state.dispatcher = dispatcher
    problems.install(app)
    openapi.install(app, appointment_documentation.openapi_components)
    # The embedded emulator plays LINE, whose own limits it enforces.
    app.add_middleware(
        BodySizeLimit,
        max_bytes=runtime.settings.max_request_body_bytes,
        exempt_prefixes=(EMBEDDED_EMULATOR_PATH + "/",),
        path_limits={
            **{
                chatbot_endpoints.webhook_path(env): runtime.settings.max_webhook_body_bytes
                for env in ENVIRONMENTS
            },
            **{
                batch.batch_path(env): runtime.settings.max_batch_body_bytes for env in ENVIRONMENTS
            },
        },
        timeout_seconds=runtime.settings.request_body_timeout_seconds,
    )
    app.add_middleware(
        HospitalApiCors,
        origins=CorsOrigins(runtime.database, runtime.settings.extra_cors_origins()),
    )
    # Inside EdgeHeaders, so that a 431 carries the security headers too.
    app.add_middleware(
        HeaderLimit,
        max_bytes=runtime.settings.max_request_header_bytes,
        max_count=runtime.settings.max_request_headers,
        exempt_prefixes=(EMBEDDED_EMULATOR_PATH + "/",),
    )
    app.add_middleware(EdgeHeaders, exempt_prefixes=(EMBEDDED_EMULATOR_PATH + "/",))
    for environment in ENVIRONMENTS:
        app.include_router(appointment_endpoints.build_router(environment))
        app.include_router(chatbot_endpoints.build_router(environment))
    console_routes.install(app)
    metrics_endpoints.install(app, runtime)  # /metrics, /healthz; last: counts all answers

    if line_emulator is not None:
        app.mount(EMBEDDED_EMULATOR_PATH, line_emulator)
    return app
