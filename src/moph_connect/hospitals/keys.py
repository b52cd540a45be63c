"""API keys: random, shown once, stored only as a SHA-256 hash.

A key looks like `mcp_live_<43 url-safe chars>` (production) or `mcp_test_<...>` (test), so a
developer, a log scrubber or a secret scanner can tell at a glance which environment a key
opens. 256 random bits make a slow password hash unnecessary: nothing can be guessed.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from moph_connect.environments import Environment

KEY_PREFIXES: dict[Environment, str] = {"production": "mcp_live_", "test": "mcp_test_"}
DISPLAY_PREFIX_LENGTH = 16


def generate_key(environment: Environment) -> str:
    return KEY_PREFIXES[environment] + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def environment_of(key: str) -> Environment | None:
    for environment, prefix in KEY_PREFIXES.items():
        if key.startswith(prefix):
            return environment
    return None


def display_prefix(key: str) -> str:
    return key[:DISPLAY_PREFIX_LENGTH]


def is_usable(revoked_at: datetime | None, expires_at: datetime | None, now: datetime) -> bool:
    """A key opens the API until it is revoked, or until its grace period after a
    rotation ends."""
    return revoked_at is None and (expires_at is None or now < expires_at)
