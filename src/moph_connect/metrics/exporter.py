"""`moph-connect worker --metrics-port P`: this process's counters over HTTP.

prometheus-client's own server (a thread beside the dispatcher's loop, answering
`GET /metrics`): a worker has no web app, and a scrape must not wait for the loop. It
exports the process's registry only, never the database gauges (`serve` does).
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import REGISTRY, start_http_server

from moph_connect.metrics import dispatch  # noqa: F401  (registers the dispatcher's counts)


def start_exporter(host: str, port: int) -> Callable[[], None]:
    """Serve /metrics on host:port from now on; returns what stops it. Raises OSError
    when the address cannot be bound."""
    server, thread = start_http_server(port, addr=host, registry=REGISTRY)

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return stop
