"""LINE's webhook signature, `x-line-signature`: base64 of HMAC-SHA256 over the raw body,
keyed by the channel secret. One module for both sides: the service checks it, the
emulator signs with it."""

from __future__ import annotations

import base64
import hashlib
import hmac


def sign(secret: str, body: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def matches(secret: str, body: bytes, signature: str) -> bool:
    """Constant time, so that the comparison tells nothing about the right signature."""
    return hmac.compare_digest(sign(secret, body).encode("ascii"), signature.encode("utf-8"))
