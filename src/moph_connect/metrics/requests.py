"""`moph_connect_api_requests_total`: every hospital API call and LINE webhook delivery.

A pure ASGI middleware, outside the others, so that the answers they give themselves
(413 from the body limit, 403 from CORS, 408 for a stalled body) are counted too. The
`endpoint` label is the route's template with the test environment's `/test` prefix
taken off (`/api/queue/{appointment_id}`, `/line/webhook`), or `unmatched` for a path no
route serves: never a raw path or an id, so the series stay few.

The templates come from the routers' own factories (`build_router`), matched here by
path and method, rather than from the app's route tree after routing: answers made
before routing have no route, and FastAPI keeps included routers in a private structure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from prometheus_client import Counter, disable_created_metrics
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from moph_connect.environments import Environment

# (prefix, environment): the test environment's first, as "/test/..." also starts with "/".
COUNTED_PREFIXES: tuple[tuple[str, Environment], ...] = (
    ("/test/api/", "test"),
    ("/test/line/webhook", "test"),
    ("/api/", "production"),
    ("/line/webhook", "production"),
)
TEST_PREFIX = "/test"
UNMATCHED = "unmatched"

# No `_created` series beside each counter: it doubles the series for a start time that
# Prometheus does not read (it sees resets by itself). Process-wide, before any counter.
disable_created_metrics()  # type: ignore[no-untyped-call]  # the library leaves it untyped

API_REQUESTS = Counter(
    "moph_connect_api_requests",
    "Hospital API calls and LINE webhook deliveries answered by this process, by route "
    "template (without /test), environment and HTTP status.",
    ["endpoint", "environment", "status"],
)


@dataclass(frozen=True)
class _Template:
    pattern: re.Pattern[str]
    methods: frozenset[str]
    endpoint: str


class RequestMetrics:
    def __init__(self, app: ASGIApp, *, routes: Callable[[], Iterable[BaseRoute]]) -> None:
        self.app = app
        self._routes = routes
        self._templates: list[_Template] | None = None  # built at the first counted call

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        environment = _environment(path)
        if environment is None:
            await self.app(scope, receive, send)
            return
        status: int | None = None

        async def send_counted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_counted)
        except BaseException:
            if status is None:
                status = 500  # what the server answers for an exception before an answer
            raise
        finally:
            # No answer and no error: the client went away first, nothing was answered.
            if status is not None:
                endpoint = self._endpoint(path, scope["method"])
                API_REQUESTS.labels(endpoint, environment, str(status)).inc()

    def _endpoint(self, path: str, method: str) -> str:
        if self._templates is None:
            self._templates = _templates(self._routes())
        # Served without its trailing slash (api/edge.py), so matched without it too.
        path = path.rstrip("/") or "/"
        partial = None
        for template in self._templates:
            if template.pattern.match(path):
                if method in template.methods:
                    return template.endpoint
                partial = partial or template.endpoint  # 405, or a CORS preflight
        return partial or UNMATCHED


def _environment(path: str) -> Environment | None:
    """Which environment a counted path belongs to; None: not counted (docs, /metrics,
    /healthz, the embedded emulator)."""
    for prefix, environment in COUNTED_PREFIXES:
        if path.startswith(prefix):
            return environment
    return None


def _templates(routes: Iterable[BaseRoute]) -> list[_Template]:
    found = []
    for route in routes:
        if not isinstance(route, Route):
            continue
        if not any(route.path.startswith(prefix) for prefix, _ in COUNTED_PREFIXES):
            continue
        template = route.path_format
        if template.startswith(TEST_PREFIX + "/"):
            template = template[len(TEST_PREFIX) :]
        found.append(_Template(route.path_regex, frozenset(route.methods or ()), template))
    return found
