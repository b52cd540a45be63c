"""Refuse requests whose headers are too large or too many: 431 (RFC 6585), problem+json.

Two layers, because a server cannot hand an application a head it refused to read. h11
(`serve` runs uvicorn with it) buffers an unfinished request head up to
`MOPH_CONNECT_MAX_REQUEST_HEAD_BYTES` (64 KiB by default) and past it answers its own 400
and closes the connection: a 64 MB header costs nothing. (uvicorn answers every h11
protocol error 400, though h11 hints 431, and offers no hook to change it.) A head under
that limit, or one that arrived whole in a single read, reaches the app, and this
middleware answers 431 when the request line and headers together exceed
`MOPH_CONNECT_MAX_REQUEST_HEADER_BYTES` (16 KiB) or there are more than
`MOPH_CONNECT_MAX_REQUEST_HEADERS` (100) header fields, before anything reads them.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from moph_connect.api.problems import problem_response

# ": " and CRLF in each header line; the spaces, version and CRLF of the request line.
_HEADER_OVERHEAD = len(": \r\n")
_REQUEST_LINE_OVERHEAD = len("  HTTP/1.1\r\n")


def head_size(scope: Scope) -> int:
    """The request line and headers as received (h11 has already dropped the optional
    whitespace around values, so a head may have been a few bytes longer)."""
    target = scope.get("raw_path") or scope["path"].encode()
    query = scope.get("query_string") or b""
    size = len(scope["method"]) + len(target) + (len(query) + 1 if query else 0)
    size += _REQUEST_LINE_OVERHEAD
    size += sum(len(name) + len(value) + _HEADER_OVERHEAD for name, value in scope["headers"])
    return size + 2  # the empty line that ends the head


class HeaderLimit:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        max_count: int,
        exempt_prefixes: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_count = max_count
        self.exempt_prefixes = exempt_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.exempt_prefixes):
            await self.app(scope, receive, send)
            return
        count = len(scope["headers"])
        if count > self.max_count:
            detail = f"At most {self.max_count} header fields are accepted; this had {count}."
        elif (size := head_size(scope)) > self.max_bytes:
            detail = (
                f"The request line and headers may be at most {self.max_bytes} bytes; "
                f"these were {size}."
            )
        else:
            await self.app(scope, receive, send)
            return
        response = problem_response(
            431,
            "request-header-fields-too-large",
            "Request header fields too large",
            detail,
            # The body, if any, is left unread: the connection is not reused.
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)
