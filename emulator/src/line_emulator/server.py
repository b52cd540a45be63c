"""Serving the emulator: in the foreground for the CLI, or in a thread for tests."""

from __future__ import annotations

import gc
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Self

import uvicorn
from starlette.types import ASGIApp

from line_emulator.app import create_emulator_app
from line_emulator.config import EmulatorConfig
from line_emulator.core import Emulator


class ShutdownNotifyingServer(uvicorn.Server):
    """uvicorn, calling `on_shutdown` as soon as shutting down begins (before it waits for
    open requests, such as the phone page's long-polls, to finish)."""

    def __init__(self, config: uvicorn.Config, on_shutdown: Callable[[], None] | None) -> None:
        super().__init__(config)
        self._on_shutdown = on_shutdown

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self._on_shutdown is not None:
            self._on_shutdown()
        await super().shutdown(sockets=sockets)


def _freeze_what_full_collections_keep() -> None:
    """After each full garbage collection, move what survived out of the collector's sight.

    A standalone emulator under load keeps every delivery (inbox entries, accepted retry
    keys): 100,000 tracked objects after 50,000 pushes, which every full collection walks
    again. Those walks grew to ~100 ms pauses; the pushes that piled up meanwhile were then
    worked off faster than LINE's rate, and the emulator's own limiter answered them 429.
    What survives a full collection is long-lived by definition (the spec, users, inboxes);
    frozen, it is still freed by reference counting when dropped (a reset), and only
    reference cycles among it would stay until exit.
    """

    def after_collection(phase: str, info: dict[str, int]) -> None:
        if phase == "stop" and info["generation"] == 2:
            gc.freeze()

    gc.callbacks.append(after_collection)


def run_emulator(host: str, port: int, config: EmulatorConfig) -> None:
    """Serve an emulator until interrupted (`moph-connect line-emulator`)."""
    _freeze_what_full_collections_keep()
    app = create_emulator_app(config)
    emulator: Emulator = app.state.emulator
    server_config = uvicorn.Config(
        app,
        host=host,
        port=port,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        access_log=False,  # thousands of pushes a second would drown everything else
        # Nothing in the emulator looks at the client's address, so uvicorn need not
        # rewrite it from X-Forwarded-For on every request.
        proxy_headers=False,
    )
    ShutdownNotifyingServer(server_config, emulator.state.changes.close).run()


class BackgroundServer:
    """Any ASGI app under uvicorn in a daemon thread, on loopback and a free port.

    `with BackgroundServer(app) as server: ... server.base_url ...`: entering returns once
    the socket accepts connections; leaving stops the server and waits for its thread.
    """

    def __init__(
        self,
        app: ASGIApp,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        startup_timeout: float = 10.0,
        shutdown_timeout: int = 5,
        on_shutdown: Callable[[], None] | None = None,
    ) -> None:
        self.app = app
        self._on_shutdown = on_shutdown
        self.host = host
        self._requested_port = port
        self._startup_timeout = startup_timeout
        self._shutdown_timeout = shutdown_timeout
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the server is not running")
        return f"http://{self.host}:{self.port}"

    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError("the server is already running")
        # Binding here, not in uvicorn, tells us the port before the thread starts and
        # leaves no window in which another process could take it.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self._requested_port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            loop="uvloop",
            http="httptools",
            lifespan="on",
            access_log=False,
            log_config=None,  # leave the host process's logging configuration alone
            log_level="warning",
            # A request held open (e.g. an injected timeout) must not stall shutdown.
            timeout_graceful_shutdown=self._shutdown_timeout,
            # As `serve` runs: the client's address is the socket's (the service reads
            # X-Forwarded-For itself, from trusted proxies only).
            proxy_headers=False,
        )
        server = ShutdownNotifyingServer(config, self._on_shutdown)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn:{self.port}", daemon=True
        )
        self._server, self._thread, self._socket = server, thread, sock
        thread.start()
        deadline = time.monotonic() + self._startup_timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server on port {self.port} did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        server, thread, sock = self._server, self._thread, self._socket
        self._server = self._thread = self._socket = None
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(timeout=self._shutdown_timeout + 5)
        if sock is not None:
            sock.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class EmulatorServer(BackgroundServer):
    """An emulator in a background thread; `.emulator` reaches its state in-process."""

    def __init__(self, config: EmulatorConfig, host: str = "127.0.0.1", port: int = 0) -> None:
        app = create_emulator_app(config)
        emulator: Emulator = app.state.emulator
        super().__init__(app, host, port, on_shutdown=emulator.state.changes.close)
        self.emulator = emulator
