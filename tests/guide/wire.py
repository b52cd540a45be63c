"""A tap on the wire: a loopback TCP relay in front of the service that keeps a copy of
every HTTP request exactly as the client wrote it, so that a test can show what an example
really sent (its Content-Type, its escapes, whether a browser sent a CORS preflight).

Bytes pass through untouched in both directions (keep-alive, `Expect: 100-continue` and
chunked bodies included); only the client's side is parsed, and only for the record.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass


@dataclass(frozen=True)
class WireRequest:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case; a repeated header keeps its last value
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class _RequestParser:
    """Splits one connection's client bytes into requests, as they complete."""

    def __init__(self) -> None:
        self.buffer = b""

    def feed(self, data: bytes) -> list[WireRequest]:
        self.buffer += data
        found: list[WireRequest] = []
        while (request := self._next()) is not None:
            found.append(request)
        return found

    def _next(self) -> WireRequest | None:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return None
        head = self.buffer[:end].decode("latin-1").split("\r\n")
        method, path, _version = head[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        rest = self.buffer[end + 4 :]
        if headers.get("transfer-encoding", "").lower() == "chunked":
            parsed = _dechunk(rest)
            if parsed is None:
                return None
            body, used = parsed
        else:
            length = int(headers.get("content-length", "0"))
            if len(rest) < length:
                return None
            body, used = rest[:length], length
        self.buffer = rest[used:]
        return WireRequest(method, path, headers, body)


def _dechunk(data: bytes) -> tuple[bytes, int] | None:
    body, position = b"", 0
    while True:
        line_end = data.find(b"\r\n", position)
        if line_end < 0:
            return None
        size = int(data[position:line_end].split(b";")[0], 16)
        start = line_end + 2
        if size == 0:
            trailer_end = data.find(b"\r\n\r\n", line_end)
            return (body, trailer_end + 4) if trailer_end >= 0 else None
        if len(data) < start + size + 2:
            return None
        body += data[start : start + size]
        position = start + size + 2


class WireTap:
    """Listens on 127.0.0.1; relays each connection to `target_port` on 127.0.0.1."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._lock = threading.Lock()
        self._requests: list[WireRequest] = []
        self._sockets: list[socket.socket] = []
        self._closed = False
        self._thread = threading.Thread(target=self._accept, name="wire-tap", daemon=True)

    @property
    def requests(self) -> list[WireRequest]:
        with self._lock:
            return list(self._requests)

    def since(self, count: int, path: str | None = None) -> list[WireRequest]:
        """The requests after the first `count` (optionally only those to `path`)."""
        return [r for r in self.requests[count:] if path is None or r.path == path]

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                if self._closed:
                    client.close()
                    upstream.close()
                    return
                self._sockets += [client, upstream]
            parser = _RequestParser()
            threading.Thread(
                target=self._pump, args=(client, upstream, parser), daemon=True
            ).start()
            threading.Thread(target=self._pump, args=(upstream, client, None), daemon=True).start()

    def _pump(
        self, source: socket.socket, sink: socket.socket, parser: _RequestParser | None
    ) -> None:
        try:
            while data := source.recv(65536):
                if parser is not None:
                    found = parser.feed(data)
                    if found:
                        with self._lock:
                            self._requests.extend(found)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with suppress(OSError):
                sink.shutdown(socket.SHUT_WR)

    def start(self) -> WireTap:
        self._thread.start()
        return self

    def close(self) -> None:
        with self._lock:
            self._closed = True
            sockets, self._sockets = self._sockets, []
        with suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes accept() on Linux
        self._listener.close()
        for sock in sockets:
            with suppress(OSError):
                sock.close()
        self._thread.join(timeout=5)


@contextmanager
def wire_tap(target_port: int) -> Iterator[WireTap]:
    tap = WireTap(target_port).start()
    try:
        yield tap
    finally:
        tap.close()
