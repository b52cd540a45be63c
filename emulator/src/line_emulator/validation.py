"""Checking Messaging API request bodies as LINE does.

LINE's OpenAPI schema (`line_contract.spec`: a compiled validator for the verdict, the
detailed one only for a body that fails), then the documented limits its file does not
state. Every body is checked: there is no cache of verdicts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from line_contract.spec import SpecName, SpecViolation, is_valid, violations

# LINE's documented limits that its OpenAPI file does not state (text: "max 5,000
# characters"; Flex altText: "max 1,500 characters"); real LINE rejects these with 400.
TEXT_MAX_CHARS: Final = 5000
ALT_TEXT_MAX_CHARS: Final = 1500
_LENGTH_LIMITS: Final[dict[str, tuple[str, int]]] = {
    "text": ("text", TEXT_MAX_CHARS),
    "textV2": ("text", TEXT_MAX_CHARS),
    "flex": ("altText", ALT_TEXT_MAX_CHARS),
}

# The request bodies the service sends most: checked at every push, reply and multicast.
SEND_SCHEMAS: Final = ("PushMessageRequest", "ReplyMessageRequest", "MulticastRequest")

_REQUIRED = re.compile(r"^'(?P<name>.+)' is a required property$")


@dataclass(frozen=True)
class ErrorDetail:
    """One entry of LINE's `ErrorResponse.details`."""

    message: str
    property: str | None = None

    def to_json(self) -> dict[str, str]:
        if self.property is None:
            return {"message": self.message}
        return {"message": self.message, "property": self.property}


def to_details(violations: list[SpecViolation]) -> list[ErrorDetail]:
    """LINE's wording: a missing property is named in `property`, "must be specified"."""
    details: list[ErrorDetail] = []
    for violation in violations:
        missing = _REQUIRED.match(violation.message)
        if missing:
            name = missing.group("name")
            path = f"{violation.property}.{name}" if violation.property else name
            details.append(ErrorDetail("must be specified", path))
        else:
            details.append(ErrorDetail(violation.message, violation.property))
    return details


def _limit_details(payload: dict[str, Any]) -> list[ErrorDetail]:
    details: list[ErrorDetail] = []
    for index, message in enumerate(payload.get("messages", ())):
        limit = _LENGTH_LIMITS.get(message.get("type"))
        if limit is None:
            continue
        field, max_chars = limit
        value = message.get(field)
        if not isinstance(value, str):
            continue  # the schema already vouches for a present, typed field
        path = f"messages[{index}].{field}"
        if not value:
            details.append(ErrorDetail("must be specified", path))
        elif len(value) > max_chars:
            details.append(ErrorDetail(f"Length must be between 0 and {max_chars}", path))
    return details


class RequestValidator:
    """Validates request bodies against the schemas of one of LINE's specs."""

    def __init__(
        self, spec_name: SpecName = "messaging-api", schemas: tuple[str, ...] = ()
    ) -> None:
        self._spec_name: SpecName = spec_name
        # Reading and compiling the spec takes about a second, once per process: at start-up
        # rather than in the first request a client makes.
        for schema_name in schemas:
            is_valid(spec_name, schema_name, None)

    def check(self, schema_name: str, payload: Any) -> list[ErrorDetail]:
        """LINE-style error details for `payload` (an empty list: LINE would accept it)."""
        if is_valid(self._spec_name, schema_name, payload):
            # The schema guarantees an object whose `messages` are objects with a `type`.
            return _limit_details(payload)
        try:
            found = violations(self._spec_name, schema_name, payload)
        except TypeError as exc:
            # python-jsonschema's discriminator looks a tag up in a dict, so a list or an
            # object where a `type` string belongs raises instead of being reported.
            # It is still the client's mistake, and LINE answers it with 400.
            return [ErrorDetail(f"The request body is invalid: {exc}")]
        # The compiled verdict counts (tests hold the two equal); never a 400 without a reason.
        return to_details(found) or [ErrorDetail("The request body does not match LINE's schema")]
