"""CORS for the hospital API, so that booking pages can call it from the patient's browser.

Preflights (`OPTIONS` with `Access-Control-Request-Method`) on `/api/*` and `/test/api/*`
are answered here (204) for the origins `CorsOrigins` grants, with the exact origin
(never `*`: no origin but a hospital's own gets a grant). Other origins get a 403 problem
and no grant, so the browser never sends the call. Answers to the calls themselves carry
the grant for the same origins. No cookies are involved, so no credentials are allowed.

A call that carries an `Origin` no grant covers (and not our own) is refused with 403
before it is served: a `text/plain` POST needs no preflight, so without this a page on
any site could make a patient's browser send calls it merely could not read the answer
of. Clients that are not browsers send no `Origin` and are not affected.
"""

from __future__ import annotations

from anyio import to_thread
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from moph_connect.api.problems import problem_response
from moph_connect.hospitals.cors_origins import CorsOrigins

API_PREFIXES = ("/api/", "/test/api/")
ALLOWED_METHODS = "GET, POST, DELETE"
ALLOWED_HEADERS = "Authorization, Content-Type, Idempotency-Key"
MAX_AGE_SECONDS = "600"


class HospitalApiCors:
    def __init__(self, app: ASGIApp, origins: CorsOrigins) -> None:
        self.app = app
        self.origins = origins

    async def _granted(self, origin: str) -> bool:
        origins = self.origins.fresh()
        if origins is None:
            origins = await to_thread.run_sync(self.origins.refresh)
        return origin in origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIXES):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        granted = await self._granted(origin)
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self._preflight(origin, granted)(scope, receive, send)
            return
        if not granted:
            if _same_origin(scope, headers, origin):  # e.g. /docs' "Try it out"
                await self.app(scope, receive, send)
            else:
                await self._refused(origin)(scope, receive, send)
            return

        async def granting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer = MutableHeaders(scope=message)
                answer["Access-Control-Allow-Origin"] = origin
                answer.add_vary_header("Origin")
            await send(message)

        await self.app(scope, receive, granting_send)

    def _refused(self, origin: str) -> Response:
        response: Response = problem_response(
            403,
            "cors-origin",
            "Origin not allowed",
            f"{origin} is not the origin of a registered hospital's booking page. The "
            "ministry can add it to the hospital (hospital update --cors-origin).",
        )
        response.headers.add_vary_header("Origin")
        return response

    def _preflight(self, origin: str, granted: bool) -> Response:
        if not granted:
            return self._refused(origin)
        response = Response(
            status_code=204,
            headers={
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Methods": ALLOWED_METHODS,
                "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                "Access-Control-Max-Age": MAX_AGE_SECONDS,
            },
        )
        response.headers.add_vary_header("Origin")
        return response


def _same_origin(scope: Scope, headers: Headers, origin: str) -> bool:
    host = headers.get("host")
    return host is not None and origin == f"{scope.get('scheme', 'http')}://{host}"
