"""One place for configuration: environment variables prefixed `MOPH_CONNECT_`.

Every name here is a contract documented in README.md ("Configuration").
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from line_contract.credentials import EMULATOR_CREDENTIALS, ChannelCredentials
from moph_connect.environments import ENVIRONMENTS, Environment
from moph_connect.networks import IPNetwork, parse_networks

LINE_API_DEFAULT_BASE_URL = "https://api.line.me"
# LINE serves uploads and downloads of content (rich-menu images) from another host.
LINE_DATA_API_DEFAULT_BASE_URL = "https://api-data.line.me"
EMBEDDED_EMULATOR_PATH = "/line-emulator"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MOPH_CONNECT_", extra="ignore")

    database_url: str = "sqlite:///./var/moph-connect.db"

    host: str = "127.0.0.1"
    port: int = 8000
    # Where the service is reachable from outside; used for the webhook URLs we print.
    public_base_url: str | None = None

    line_api_base_url: str | None = None
    line_data_api_base_url: str | None = None
    line_channel_access_token: SecretStr | None = None
    line_channel_secret: SecretStr | None = None
    test_line_channel_access_token: SecretStr | None = None
    test_line_channel_secret: SecretStr | None = None

    # LINE's published limit for push is 2,000 requests/s per channel.
    line_rate_per_second: float = Field(default=2000.0, gt=0)
    line_request_timeout_seconds: float = Field(default=10.0, gt=0)

    dispatcher_batch_size: int = Field(default=400, ge=1, le=5000)
    dispatcher_concurrency: int = Field(default=64, ge=1, le=1000)
    dispatcher_poll_seconds: float = Field(default=0.2, gt=0)
    dispatcher_lease_seconds: float = Field(default=60.0, gt=0)
    dispatcher_max_attempts: int = Field(default=25, ge=1)

    # A satisfaction survey left unanswered this long is closed.
    survey_expiry_days: int = Field(default=7, ge=1, le=90)
    # Patient data is kept this many days after the appointment's date, then purged by the
    # retention job (patients/retention.py): what the privacy notice promises (PDPA s.26).
    retention_days: int = Field(default=30, ge=1, le=3650)
    # The console's test sandbox keeps a hospital's test-environment calls this long (and
    # only its last 200: sandbox/repository.py), then the same retention job erases them.
    sandbox_retention_days: int = Field(default=7, ge=1, le=365)

    # Threads that run the synchronous API endpoints (anyio's default is 40). Each call
    # costs the process 7-11 ms of CPU under the GIL, and transactions wait for one of the
    # pool's connections anyway; fewer threads contend less (benchmarks/api.py).
    api_threads: int = Field(default=16, ge=1, le=200)
    # Concurrent single hospital calls (/queue, /schedule, /notify, /alert) served in one
    # transaction and one thread hop, at most this many (appointments/group_commit.py);
    # 1: each call in its own transaction.
    api_calls_per_transaction: int = Field(default=50, ge=1, le=1000)

    # Rate limits (README, "Rate limits"); 0 switches one off. Per hospital and
    # environment: sustained calls/s and burst; a call over the rate is held up to
    # api_rate_max_wait_seconds for its turn (a client calling one at a time is paced,
    # never refused), beyond that 429.
    api_rate_per_second: float = Field(default=50.0, ge=0)
    api_rate_burst: int = Field(default=200, ge=1)
    api_rate_max_wait_seconds: float = Field(default=2.0, ge=0, le=30)
    # Failed authentications per source address per minute, then 429 until it slows.
    auth_failures_per_minute: int = Field(default=10, ge=0)
    # Messages one hospital may plan for one patient in one (Bangkok) day.
    patient_messages_per_day: int = Field(default=20, ge=0)

    # The console (README, "The console"): how long a sign-in lasts, how many wrong
    # passwords in a row lock an operator out and for how long, and how long each wrong
    # password's answer is held back (slows guessing; an unknown e-mail waits as long).
    console_session_hours: float = Field(default=8.0, gt=0, le=24 * 30)
    console_max_failed_sign_ins: int = Field(default=5, ge=1, le=100)
    console_lockout_minutes: float = Field(default=15.0, ge=0, le=24 * 60)
    console_failed_sign_in_delay_seconds: float = Field(default=1.0, ge=0, le=10)
    # Refused sign-ins from one source address (an IPv6 /64) in a sliding window, whatever
    # the accounts tried: beyond it every sign-in from there is refused until the oldest
    # ages out (one password sprayed over many accounts; 0: off).
    console_failed_sign_ins_per_address: int = Field(default=20, ge=0, le=100_000)
    console_failed_sign_in_window_minutes: float = Field(default=15.0, gt=0, le=24 * 60)

    # Whether `serve` runs the dispatcher in its process(es); `--no-worker` sets it false.
    serve_dispatcher: bool = True

    # /docs, /redoc and /openapi.json (false: none of them is served).
    api_docs: bool = True

    # Metrics (README, "Metrics and health"). The gauges read from the database are
    # exported by `serve` where this is true: with several `serve` processes, by one.
    metrics_database_gauges: bool = True
    # Where `moph-connect worker` serves /metrics (also --metrics-port/--metrics-host);
    # no port: not at all.
    worker_metrics_port: int | None = Field(default=None, ge=1, le=65535)
    worker_metrics_host: str = "127.0.0.1"

    max_request_body_bytes: int = Field(default=64 * 1024, ge=1024)
    # A LINE delivery carries up to a few dozen events with long Thai messages.
    max_webhook_body_bytes: int = Field(default=1024 * 1024, ge=64 * 1024)
    # A batch of 1,000 schedule calls with long Thai names and links is ~1 MiB.
    max_batch_body_bytes: int = Field(default=2 * 1024 * 1024, ge=64 * 1024)
    # A client whose body stalls this long between two reads gets 408.
    request_body_timeout_seconds: float = Field(default=30.0, gt=0)
    # Open connections one `serve` process takes; more are answered 503 (slow clients
    # holding connections cannot take them all).
    max_connections: int = Field(default=2000, ge=10)
    # The request line and headers together (a bearer key needs ~60 bytes), and the number
    # of header fields: more of either is answered 431 (api/header_limit.py).
    max_request_header_bytes: int = Field(default=16 * 1024, ge=4 * 1024, le=1024 * 1024)
    max_request_headers: int = Field(default=100, ge=10, le=10_000)
    # What the HTTP server (h11) buffers of an unfinished request head: beyond it, its own
    # 400 and the connection closed, before the app sees anything. Above the 431 limit,
    # so that a head between the two gets the 431.
    max_request_head_bytes: int = Field(default=64 * 1024, ge=4 * 1024, le=16 * 1024 * 1024)
    log_level: str = "INFO"

    # Reverse proxies in front of `serve` (CIDRs, comma-separated): only when the direct
    # peer is one of them is X-Forwarded-For believed (a keyless call's allow-list).
    trusted_proxies: str = ""
    # Browser origins granted CORS on the hospital API besides the registered hospitals'
    # (comma-separated, e.g. "https://queue.example.go.th").
    cors_origins: str = ""

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        parse_networks(value)
        return value

    def trusted_proxy_networks(self) -> list[IPNetwork]:
        return parse_networks(self.trusted_proxies)

    def extra_cors_origins(self) -> list[str]:
        return [item for item in self.cors_origins.replace(",", " ").split() if item]

    def _configured(self, environment: Environment) -> ChannelCredentials | None:
        if environment == "production":
            token, secret = self.line_channel_access_token, self.line_channel_secret
        else:
            token, secret = self.test_line_channel_access_token, self.test_line_channel_secret
        if token is None or secret is None:
            return None
        return ChannelCredentials(token.get_secret_value(), secret.get_secret_value())

    def channel_credentials(self, environment: Environment) -> ChannelCredentials:
        return self._configured(environment) or EMULATOR_CREDENTIALS[environment]

    def line_configuration_problem(self) -> str | None:
        """Why this LINE set-up must not start, or None. Half a configuration would fall
        back to the emulator's published secrets, which anyone can sign webhooks with:
        with any credential given, both channels need a token and a secret; the built-in
        ones open only an emulator (the embedded one, or one on this machine's loopback).
        """
        given = {
            "MOPH_CONNECT_LINE_CHANNEL_ACCESS_TOKEN": self.line_channel_access_token,
            "MOPH_CONNECT_LINE_CHANNEL_SECRET": self.line_channel_secret,
            "MOPH_CONNECT_TEST_LINE_CHANNEL_ACCESS_TOKEN": self.test_line_channel_access_token,
            "MOPH_CONNECT_TEST_LINE_CHANNEL_SECRET": self.test_line_channel_secret,
        }
        missing = [
            name for name, value in given.items() if not value or not value.get_secret_value()
        ]
        emulator_target = self.line_api_base_url is None or is_loopback_url(self.line_api_base_url)
        if len(missing) == len(given):
            if emulator_target:
                return None
            return (
                f"MOPH_CONNECT_LINE_API_BASE_URL is {self.line_api_base_url} but no LINE "
                f"channel credentials are set: set {', '.join(given)}"
            )
        if missing:
            return (
                f"LINE is half configured: {', '.join(missing)} not set (both channels, "
                "production and test, need their access token and secret)"
            )
        # Credentials given: LINE itself, unless the base URL is on loopback.
        emulator_target = self.line_api_base_url is not None and is_loopback_url(
            self.line_api_base_url
        )
        published = {
            value for c in EMULATOR_CREDENTIALS.values() for value in (c.access_token, c.secret)
        }
        if not emulator_target and any(
            v and v.get_secret_value() in published for v in given.values()
        ):
            return (
                "the LINE emulator's published credentials are configured for a real LINE "
                "target: set the channels' own tokens and secrets from the LINE Developers console"
            )
        return None

    @property
    def uses_embedded_emulator(self) -> bool:
        """No LINE credentials and no API base URL: mount the emulator in-process."""
        no_credentials = all(self._configured(env) is None for env in ENVIRONMENTS)
        return no_credentials and self.line_api_base_url is None

    def resolved_public_base_url(self) -> str:
        return (self.public_base_url or f"http://{self.host}:{self.port}").rstrip("/")

    def resolved_line_data_api_base_url(self) -> str:
        """Where rich-menu images go: api-data.line.me for LINE, the same base otherwise."""
        if self.line_data_api_base_url:
            return self.line_data_api_base_url.rstrip("/")
        base = self.resolved_line_api_base_url()
        return LINE_DATA_API_DEFAULT_BASE_URL if base == LINE_API_DEFAULT_BASE_URL else base

    def resolved_line_api_base_url(self) -> str:
        if self.line_api_base_url:
            return self.line_api_base_url.rstrip("/")
        if self.uses_embedded_emulator:
            return self.resolved_public_base_url() + EMBEDDED_EMULATOR_PATH
        return LINE_API_DEFAULT_BASE_URL


def is_loopback_url(url: str) -> bool:
    """True for URLs on this machine's loopback (127.0.0.0/8, ::1, localhost): where only
    a LINE emulator can be, never LINE itself."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@lru_cache
def get_settings() -> Settings:
    return Settings()


def default(name: str) -> Any:
    """A setting's default, for the places that need one without a `Settings` (dataclass
    defaults, tests): the value is written once, in the field above."""
    return Settings.model_fields[name].default
