"""Identifiers shaped like LINE's, so that client code parsing them meets the real formats."""

from __future__ import annotations

import itertools
import os
import random
import re
import secrets
import time

# User IDs are "U" + 32 lowercase hex digits; groups and rooms use "C" and "R".
USER_ID_PATTERN = re.compile(r"U[0-9a-f]{32}")
RECIPIENT_ID_PATTERN = re.compile(r"[UCR][0-9a-f]{32}")

_UUID_PATTERN = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

# Message IDs are decimal strings of about 18 digits that grow over time; a counter from a
# random start keeps them unique within the process and cheap on the push hot path.
_message_ids = itertools.count(10**17 + secrets.randbelow(10**17))


def new_user_id() -> str:
    return "U" + secrets.token_hex(16)


def new_message_id() -> str:
    return str(next(_message_ids))


# Request IDs need to be unique, not unguessable: a Mersenne Twister (seeded from
# os.urandom, reseeded in a forked child) spares a getrandom() system call per push. Its
# own instance, so the emulator leaves the process's global `random` state alone (tests
# that seed or watch it, such as Hypothesis's, run beside an in-process emulator).
_random = random.Random()
os.register_at_fork(after_in_child=_random.seed)
_request_id_bits = _random.getrandbits
# Version 4 (bits 76-79 = 0100) and the RFC 4122 variant (bits 62-63 = 10).
_UUID4_CLEAR = ~((0xF << 76) | (0x3 << 62))
_UUID4_SET = (0x4 << 76) | (0x2 << 62)


def new_request_id() -> str:
    """A random (version 4) UUID string; formatted by hand, at under half `uuid4()`'s cost."""
    h = "%032x" % (_request_id_bits(128) & _UUID4_CLEAR | _UUID4_SET)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def new_reply_token() -> str:
    return secrets.token_hex(16)


def new_quote_token() -> str:
    return secrets.token_urlsafe(48)


def new_webhook_event_id(now_ms: int | None = None) -> str:
    """A ULID (26 Crockford base-32 characters: 48-bit ms timestamp, 80 random bits).

    LINE documents `webhookEventId` as a ULID; sorting by it sorts by event time.
    """
    millis = int(time.time() * 1000) if now_ms is None else now_ms
    value = ((millis & ((1 << 48) - 1)) << 80) | secrets.randbits(80)
    chars = [_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5)]
    return "".join(chars)


def is_uuid(value: str) -> bool:
    """True for the 8-4-4-4-12 hex form that LINE requires of `X-Line-Retry-Key`."""
    return _UUID_PATTERN.fullmatch(value) is not None
