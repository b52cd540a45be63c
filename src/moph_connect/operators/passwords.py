"""Operators' passwords: argon2id through argon2-cffi, with its recommended parameters
(RFC 9106's second choice: 64 MiB, 3 passes). Only the hash is ever stored."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from moph_connect.errors import ValidationFailed

MIN_LENGTH = 12
MAX_LENGTH = 1024  # argon2 takes any length; this keeps one sign-in's work bounded

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the e-mail is unknown, so that a wrong address takes as long
    as a wrong password (the answer's timing does not tell which addresses are operators).
    Made on the first verification, known address or not, rather than at import, where it
    cost every `moph-connect` command a third of a second."""
    return _hasher.hash("moph-connect: no such operator")


def checked_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise ValidationFailed.field("password", f"must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise ValidationFailed.field("password", f"must be at most {MAX_LENGTH} characters")
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(checked_password(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; with no hash (unknown operator) the same work, False."""
    if len(password) > MAX_LENGTH:
        return False
    dummy = _dummy_hash()  # before either branch, so that only the first call pays for it
    try:
        return _hasher.verify(password_hash or dummy, password) and (password_hash is not None)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)
