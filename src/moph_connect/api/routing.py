"""405 answers whose `Allow` names every method of the path.

Starlette answers a method no route serves from the first route whose path matched, so
for a path served by two routes (GET and DELETE of `/api/queue/{id}`) its `Allow` names
one of them. `allow_every_method` adds, after a router's routes, one route per such path
taking every other standard method and answering 405 with the whole list (rendered as
problem+json like every other error).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

# RFC 9110's methods and PATCH (RFC 5789): what a client or a fuzzer tries.
STANDARD_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH")


def _not_allowed(allow: str) -> Callable[[], Coroutine[Any, Any, None]]:
    async def not_allowed() -> None:
        raise HTTPException(405, headers={"Allow": allow})

    return not_allowed


def allow_every_method(router: APIRouter) -> None:
    """Call once the router has all its routes."""
    served: dict[str, list[APIRoute]] = {}
    for route in router.routes:
        if isinstance(route, APIRoute):
            served.setdefault(route.path, []).append(route)
    for path, routes in served.items():
        if len(routes) < 2:
            continue  # Starlette's own Allow is right
        methods: set[str] = set()
        for route in routes:
            methods |= route.methods or set()
        router.add_api_route(
            path.removeprefix(router.prefix),  # add_api_route adds it again
            _not_allowed(", ".join(sorted(methods))),
            methods=[method for method in STANDARD_METHODS if method not in methods],
            include_in_schema=False,
        )
