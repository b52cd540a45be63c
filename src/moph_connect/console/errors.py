"""What a console request can end in besides a page: sign in first, or not found."""

from __future__ import annotations


class SignInRequired(Exception):
    """No live session: the browser is sent to the sign-in page (and back afterwards)."""


class ConsoleNotFound(Exception):
    """Not there, or not hers: a hospital user is never told which (always 404)."""


class FormExpired(Exception):
    """A state-changing form without its anti-forgery token, or with another's (403)."""
