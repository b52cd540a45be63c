"""Anti-forgery tokens for every state-changing form.

Signed in, the token is an HMAC of the session (its stored hash) and so changes with
every sign-in and is worth nothing to another browser; the server keeps nothing more.
Before signing in (the sign-in form itself) it is the double-submit pattern: a random
value in an HttpOnly cookie that the hidden field must repeat, which a page on another
origin can neither read nor set.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

FIELD = "csrf_token"
LOGIN_COOKIE = "moph_console_csrf"


def session_token(session_hash: str) -> str:
    return hmac.new(session_hash.encode(), b"console-form", hashlib.sha256).hexdigest()


def new_login_token() -> str:
    return secrets.token_urlsafe(32)


def same(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison; nothing matches a missing token."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())
