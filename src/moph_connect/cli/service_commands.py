"""`moph-connect serve`, `worker` and `line-emulator`: the long-running parts."""

from __future__ import annotations

import logging
from typing import Any, NoReturn

import typer
from rich.console import Console

from line_contract.credentials import EMULATOR_CREDENTIALS
from moph_connect.cli.common import configure_logging, database_label, open_database
from moph_connect.clock import SystemClock
from moph_connect.settings import Settings, get_settings, is_loopback_url

# The web stack, the emulator and the dispatcher are imported inside the commands that
# run them, so that short commands (`hospital add`, `--help`) start quickly.

log = logging.getLogger(__name__)


def serve(
    host: str = typer.Option(None, "--host", help="Default 127.0.0.1 (MOPH_CONNECT_HOST)."),
    port: int = typer.Option(None, "--port", help="Default 8000 (MOPH_CONNECT_PORT)."),
    no_worker: bool = typer.Option(
        False, "--no-worker", help="Web side only; run `moph-connect worker` separately."
    ),
    emulator_public: bool = typer.Option(
        False,
        "--emulator-public",
        help="Allow the built-in LINE emulator (its control API reads every simulated "
        "chat) on a host other than loopback. For demonstrations only.",
    ),
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        max=64,
        help="Processes sharing the port, each with its own database pool (PostgreSQL and "
        "a configured LINE target only). Each runs a dispatcher unless --no-worker.",
    ),
) -> None:
    """Run the service: hospital API, LINE webhooks and (by default) the dispatcher."""
    import uvicorn

    from line_emulator import EmulatorConfig, create_emulator_app
    from moph_connect.api.app import create_app
    from moph_connect.chatbot.endpoints import webhook_path
    from moph_connect.runtime import Runtime

    settings = get_settings()
    if host is not None:
        settings.host = host
    if port is not None:
        settings.port = port
    configure_logging(settings)
    _refuse_unsafe_line_settings(settings)
    if (
        settings.uses_embedded_emulator
        and not is_loopback_url(f"http://{_url_host(settings.host)}/")
        and not emulator_public
    ):
        _refuse(
            f"the built-in LINE emulator would be reachable on {settings.host}: its control "
            "API shows every simulated chat. Set the LINE channel credentials, serve on "
            "127.0.0.1, or pass --emulator-public for a demonstration"
        )
    if no_worker:
        settings.serve_dispatcher = False
    if workers > 1:
        _serve_processes(settings, workers)
        return
    database = open_database(settings)
    console = Console(soft_wrap=True)  # whole lines, so they can be grepped in logs
    console.print(f"Database: {database_label(settings.database_url)} (migrated)")
    emulator = None
    base = settings.resolved_public_base_url()
    if settings.uses_embedded_emulator:
        emulator = create_emulator_app(EmulatorConfig.default(webhook_base=base))
        console.print(
            "[yellow]No LINE credentials configured: using the built-in LINE emulator "
            f"at {settings.resolved_line_api_base_url()}[/yellow]"
        )
        if emulator_public:
            console.print(
                f"[bold red]WARNING: the built-in LINE emulator is public on {settings.host} "
                "(--emulator-public): anyone who reaches it reads every simulated chat and "
                "can sign webhooks with its published secrets. Never with real patients."
                "[/bold red]"
            )
    else:
        console.print(f"LINE Messaging API: {settings.resolved_line_api_base_url()}")
    app = create_app(
        Runtime(settings=settings, database=database, clock=SystemClock()),
        run_dispatcher=settings.serve_dispatcher,
        line_emulator=emulator,
    )
    console.print(f"MOPH Connect API on {base}  (docs: {base}/docs)")
    for environment in ("production", "test"):
        console.print(f"  LINE webhook ({environment}): {base}{webhook_path(environment)}")
    if not settings.serve_dispatcher:
        console.print("  dispatcher: not here (--no-worker); run `moph-connect worker`")
    try:
        uvicorn.run(app, **_uvicorn_options(settings))
    finally:
        database.dispose()


def _uvicorn_options(settings: Settings) -> dict[str, Any]:
    return {
        "host": settings.host,
        "port": settings.port,
        "log_level": "warning",
        # X-Forwarded-For is read by the service itself, only from
        # MOPH_CONNECT_TRUSTED_PROXIES (uvicorn would believe it from any loopback peer).
        "proxy_headers": False,
        # h11, not httptools: it refuses a request whose head outgrows the limit
        # (httptools would buffer a 64 MB header). Answered 400, connection closed; a
        # smaller head over MOPH_CONNECT_MAX_REQUEST_HEADER_BYTES gets the app's 431.
        "http": "h11",
        "h11_max_incomplete_event_size": settings.max_request_head_bytes,
        "limit_concurrency": settings.max_connections,
    }


def _serve_processes(settings: Settings, workers: int) -> None:
    """`serve --workers N`: N processes on one port, started by uvicorn's supervisor,
    each building the app from the environment (api/factory.py)."""
    import os

    import uvicorn

    from moph_connect.db.engine import is_sqlite

    if is_sqlite(settings.database_url):
        _refuse("--workers needs PostgreSQL: SQLite takes one writer at a time")
    if settings.uses_embedded_emulator:
        _refuse(
            "--workers needs a LINE target (credentials, or MOPH_CONNECT_LINE_API_BASE_URL): "
            "each process would get an emulator of its own"
        )
    open_database(settings).dispose()  # migrated once, here, before any child starts
    # The children read their settings from the environment, as configured here.
    os.environ["MOPH_CONNECT_SERVE_DISPATCHER"] = str(settings.serve_dispatcher).lower()
    base = settings.resolved_public_base_url()
    console = Console(soft_wrap=True)
    console.print(f"Database: {database_label(settings.database_url)} (migrated)")
    console.print(f"LINE Messaging API: {settings.resolved_line_api_base_url()}")
    console.print(f"MOPH Connect API on {base} in {workers} processes (docs: {base}/docs)")
    if not settings.serve_dispatcher:
        console.print("  dispatcher: not here (--no-worker); run `moph-connect worker`")
    uvicorn.run(
        "moph_connect.api.factory:app_from_environment",
        factory=True,
        workers=workers,
        **_uvicorn_options(settings),
    )


def worker(
    metrics_port: int = typer.Option(
        None,
        "--metrics-port",
        min=1,
        max=65535,
        help="Serve this worker's Prometheus metrics at /metrics on this port "
        "(MOPH_CONNECT_WORKER_METRICS_PORT; default: not served).",
    ),
    metrics_host: str = typer.Option(
        None, "--metrics-host", help="Default 127.0.0.1 (MOPH_CONNECT_WORKER_METRICS_HOST)."
    ),
) -> None:
    """Run the dispatcher alone (several at once on PostgreSQL; one on SQLite)."""
    from moph_connect.db.engine import is_sqlite
    from moph_connect.metrics.exporter import start_exporter
    from moph_connect.outbox.worker import run_worker

    settings = get_settings()
    if metrics_port is not None:
        settings.worker_metrics_port = metrics_port
    if metrics_host is not None:
        settings.worker_metrics_host = metrics_host
    configure_logging(settings)
    _refuse_unsafe_line_settings(settings)
    if is_sqlite(settings.database_url):
        log.warning("SQLite allows a single writer: run one worker, or use PostgreSQL")
    stop_exporter = None
    if settings.worker_metrics_port is not None:
        host, port = settings.worker_metrics_host, settings.worker_metrics_port
        try:
            stop_exporter = start_exporter(host, port)
        except OSError as error:
            _refuse(f"cannot serve metrics on {host}:{port}: {error.strerror or error}")
        log.info("worker metrics on http://%s:%d/metrics", _url_host(host), port)
    # No pre-ping: a claim or record on a dead connection fails, is logged and retried,
    # and the pool reconnects; a round trip saved on every transaction of a burst.
    database = open_database(settings, pre_ping=False)
    console = Console(soft_wrap=True)
    console.print(f"Database: {database_label(settings.database_url)} (migrated)")
    console.print(
        f"LINE Messaging API: {settings.resolved_line_api_base_url()} "
        f"(at most {settings.line_rate_per_second:g} requests/s per channel, shared by workers)"
    )
    try:
        run_worker(settings, database, SystemClock())
    finally:
        database.dispose()
        if stop_exporter is not None:
            stop_exporter()


def line_emulator(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(9090, "--port"),
    webhook_base: str = typer.Option(
        "http://127.0.0.1:8000",
        "--webhook-base",
        help="Where the service runs; webhooks go to <base>/line/webhook and "
        "<base>/test/line/webhook.",
    ),
    rate_limit: float = typer.Option(
        2000.0, "--rate-limit", help="Push requests/s per channel before 429 (0: unlimited)."
    ),
) -> None:
    """Run the LINE emulator as its own process (point the service at it with
    MOPH_CONNECT_LINE_API_BASE_URL=http://<host>:<port>)."""
    from line_emulator import EmulatorConfig, run_emulator
    from moph_connect.environments import ENVIRONMENTS

    settings = get_settings()
    configure_logging(settings)
    _refuse_unsafe_line_settings(settings)
    # The channels the service is configured with (the built-in ones where it has none),
    # so that the service accepts the webhooks the emulator signs.
    config = EmulatorConfig.default(
        webhook_base=webhook_base.rstrip("/"),
        rate_limit_per_second=rate_limit or None,
        credentials={env: settings.channel_credentials(env) for env in ENVIRONMENTS},
    )
    console = Console()
    console.print(f"LINE emulator on http://{host}:{port} (webhooks to {webhook_base})")
    for env in ENVIRONMENTS:
        own = settings.channel_credentials(env) != EMULATOR_CREDENTIALS[env]
        console.print(
            f"  {env} channel: {'configured credentials' if own else 'built-in credentials'}"
        )
    run_emulator(host, port, config)


def _refuse(reason: str) -> NoReturn:
    typer.echo(f"error: {reason}", err=True)
    raise typer.Exit(2)


def _refuse_unsafe_line_settings(settings: Settings) -> None:
    problem = settings.line_configuration_problem()
    if problem is not None:
        _refuse(problem)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(worker)
    app.command("line-emulator")(line_emulator)
