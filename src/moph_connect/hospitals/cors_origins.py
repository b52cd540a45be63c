"""Which browser origins may call the hospital API: those of the registered hospitals'
booking pages, each hospital's own `--cors-origin`s, and MOPH_CONNECT_CORS_ORIGINS.

Read from the registry at most every few seconds (a CLI in another process changes it),
so that a preflight costs a set look-up, not a query.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from urllib.parse import urlsplit

from moph_connect.db.uow import Database
from moph_connect.hospitals.repository import HospitalRepository

REFRESH_SECONDS = 5.0
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` as a browser sends it in `Origin`, or None if `url` has none."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
        return None
    scheme, host = parts.scheme.lower(), parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def origins_of(urls: Iterable[str]) -> set[str]:
    return {origin for url in urls if (origin := origin_of(url)) is not None}


class CorsOrigins:
    def __init__(self, database: Database, extra: Iterable[str] = ()) -> None:
        self.database = database
        self.extra = origins_of(extra)
        self._lock = threading.Lock()
        self._origins: frozenset[str] = frozenset()
        self._read_at = -float("inf")

    def fresh(self) -> frozenset[str] | None:
        """The origins, or None when they are due to be read again (`refresh`)."""
        if time.monotonic() - self._read_at > REFRESH_SECONDS:
            return None
        return self._origins

    def refresh(self) -> frozenset[str]:
        """Blocking: reads the registry (call it from a thread, not the event loop)."""
        with self._lock:
            if time.monotonic() - self._read_at <= REFRESH_SECONDS:
                return self._origins
            with self.database.transaction() as session:
                sources = HospitalRepository(session).cors_sources()
            origins = set(self.extra)
            for booking_url, own in sources:
                origins |= origins_of([booking_url, *(own or ())])
            self._origins = frozenset(origins)
            self._read_at = time.monotonic()
            return self._origins
