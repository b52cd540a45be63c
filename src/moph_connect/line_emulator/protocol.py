"""The standalone emulator's HTTP protocol: uvicorn's, answering sends in place.

At thousands of pushes a second, most of what an ASGI request costs the emulator is the
ASGI machinery around it rather than the push: a task per request, an event and a
`receive` coroutine to hand the body over, two writes for the answer, a keep-alive timer.
`benchmarks/emulator_push.py` measured 182-218 µs of CPU per push through it and
146-158 µs answered here (BENCHMARKS.md).

`SendAnsweringProtocol` is uvicorn's httptools protocol, and so parses and frames HTTP
exactly as uvicorn does. It takes over only the plainest sends: `POST` to exactly a send
path (no query string, no percent-escapes), HTTP/1.1 without `Expect: 100-continue`, not
pipelined behind an unfinished request, and while no fault is queued (a fault may have to
hold a request, which needs the task). Those it reads whole and answers as soon as the
body is complete, through `MessagingApi.send_received`: the same code as the ASGI
endpoints, whose answers it writes with uvicorn's default headers (`date`, `server`) in
the order uvicorn would. Everything else, including every request on other paths, takes
uvicorn's ordinary way. tests/line_emulator/test_emulator_protocol.py compares the two
byte for byte over real sockets.

It relies on uvicorn's protocol attributes (`parser`, `url`, `headers`, `cycle`,
`pipeline`, `expect_100_continue`, the keep-alive timer), which is why pyproject.toml pins
uvicorn below its next minor version; the tests above fail if those change.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from moph_connect.line_emulator.fastpath import FAST_PATHS, first_header
from moph_connect.line_emulator.messaging import Answer, MessagingApi
from moph_connect.line_emulator.state import EmulatorState, Via

logger = logging.getLogger(__name__)

_RAW_PATHS: dict[bytes, Via] = {path.encode("ascii"): via for path, via in FAST_PATHS.items()}
_SERVER_ERROR = (
    b"content-type: text/plain; charset=utf-8\r\ncontent-length: 21\r\n"
    b"connection: close\r\n\r\nInternal Server Error"
)


class SendAnsweringProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol; `for_emulator` binds it to one emulator."""

    messaging: ClassVar[MessagingApi]
    state: ClassVar[EmulatorState]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._answering: Via | None = None
        self._body = bytearray()
        self._keep_alive = True

    @classmethod
    def for_emulator(
        cls, messaging: MessagingApi, state: EmulatorState
    ) -> type[SendAnsweringProtocol]:
        # uvicorn creates the protocol itself (config, server state, app state), so the
        # emulator comes with the class.
        return type(cls.__name__, (cls,), {"messaging": messaging, "state": state})

    def _answerable(self) -> Via | None:
        parser = self.parser
        if parser.get_method() != b"POST" or self.expect_100_continue:
            return None
        if parser.get_http_version() != "1.1" or parser.should_upgrade():
            return None
        if self.pipeline or (self.cycle is not None and not self.cycle.response_complete):
            return None  # pipelined: answers must keep the requests' order
        if self.state.faults:
            return None
        return _RAW_PATHS.get(self.url)

    def on_headers_complete(self) -> None:
        self._answering = self._answerable()
        if self._answering is None:
            super().on_headers_complete()
            return
        self._body = bytearray()
        self._keep_alive = self.parser.should_keep_alive()

    def on_body(self, body: bytes) -> None:
        if self._answering is None:
            super().on_body(body)
            return
        self._body += body

    def on_message_complete(self) -> None:
        via = self._answering
        if via is None:
            super().on_message_complete()
            return
        self._answering = None
        body, self._body = bytes(self._body), bytearray()
        headers = self.headers

        def header(name: str) -> str | None:
            return first_header(headers, name)

        try:
            answer = self.messaging.send_received(header, body, via)
        except Exception:
            # As uvicorn does for an ASGI app that raises: log, 500, close.
            logger.exception("Exception answering %s", via)
            self._write_server_error()
            return
        self._write(answer)

    def _head(self, status: int) -> list[bytes]:
        content = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            content += (name, b": ", value, b"\r\n")
        return content

    def _write(self, answer: Answer) -> None:
        # As uvicorn writes the ASGI endpoints' answers: its default headers, then ours,
        # then the length and the type (the order of Starlette's `Response`), then
        # uvicorn's `connection: close` if the client asked for it.
        content = self._head(answer.status)
        for name, value in answer.headers.items():
            content += (name.encode("latin-1"), b": ", value.encode("latin-1"), b"\r\n")
        content += (b"content-length: ", str(len(answer.body)).encode("ascii"), b"\r\n")
        content.append(b"content-type: application/json\r\n")
        if not self._keep_alive:
            content.append(b"connection: close\r\n")
        content += (b"\r\n", answer.body)
        self.transport.write(b"".join(content))
        self.server_state.total_requests += 1
        if not self._keep_alive:
            self.transport.close()
        elif self.timeout_keep_alive_task is None and not self.transport.is_closing():
            # What uvicorn arms after each response; the next request's data cancels it.
            self.timeout_keep_alive_task = self.loop.call_later(
                self.timeout_keep_alive, self.timeout_keep_alive_handler
            )

    def _write_server_error(self) -> None:
        self.transport.write(b"".join([*self._head(500), _SERVER_ERROR]))
        self.transport.close()
