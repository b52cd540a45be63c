"""What every answer carries, and the one path normalisation the hospital API allows.

Security headers on every answer: `nosniff`, no referrer, no framing; `no-store` on the
hospital API (answers name patients' appointments); a strict Content-Security-Policy on
HTML pages (the API docs need their CDN and one inline script); HSTS when served over
HTTPS. The embedded LINE emulator (a development stand-in with its own page) is left as
it is.

Trailing slashes: `/api/queue/` is served as `/api/queue` (never redirected: a 307 would
echo the Host header, and clients in the field rarely follow redirects on POST).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_PREFIXES = ("/api/", "/test/api/")
DOCS_PATHS = ("/docs", "/redoc", "/docs/oauth2-redirect")
STRICT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
# The console (src/moph_connect/console/): its own stylesheet, nothing inline, no script.
CONSOLE_PREFIX = "/console"
CONSOLE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)
# FastAPI's Swagger UI and ReDoc load from jsDelivr and start with an inline script.
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com "
    "https://cdn.redoc.ly; connect-src 'self'; worker-src blob:; frame-ancestors 'none'"
)


def _html_csp(path: str) -> str:
    if path in DOCS_PATHS:
        return DOCS_CSP
    if path == CONSOLE_PREFIX or path.startswith(CONSOLE_PREFIX + "/"):
        return CONSOLE_CSP
    return STRICT_CSP


class EdgeHeaders:
    def __init__(self, app: ASGIApp, *, exempt_prefixes: tuple[str, ...] = ()) -> None:
        self.app = app
        self.exempt_prefixes = exempt_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.exempt_prefixes):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith(API_PREFIXES) and len(path) > 1 and path.endswith("/"):
            scope = {**scope, "path": path.rstrip("/"), "raw_path": None}
            path = scope["path"]
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                headers.setdefault("X-Frame-Options", "DENY")
                if path.startswith(API_PREFIXES):
                    headers["Cache-Control"] = "no-store"
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", _html_csp(path))
                if https:
                    headers.setdefault(
                        "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
                    )
            await send(message)

        await self.app(scope, receive, send_with_headers)
