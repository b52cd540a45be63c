"""What the sandbox keeps of a call: the minimum a developer needs to see what she sent
and what she got back (PDPA: collect the minimum, even of test patients).

Of the request, only the seed's appointment fields, each clipped; never `patientName`
(nor any field we do not know), whose names are listed instead so she sees they arrived.
Of the answer, the appointment id, its messages, what was skipped and the warnings, or
the problem (status, title, detail, field errors). Pure: no storage, no web.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

# The seed's fields (and the alert's) whose values say nothing about who the patient is.
KEPT_FIELDS: Final = (
    "userId",
    "hospitalName",
    "origin",
    "queueNumber",
    "appointmentDate",
    "appointmentTime",
    "detailsLink",
    "currentQueueLink",
    "header",
    "backgroundColor",
    "detailsLinkLabel",
    "currentQueueLinkLabel",
)
VALUE_MAX: Final = 200  # characters per kept value: what the API itself takes per field
FIELDS_MAX: Final = 50  # names of the fields not kept, listed
_REGIST_ID: Final = re.compile(r"[0-9a-f]{24}")
_ANSWER_KEYS: Final = ("appointmentId", "status", "messages", "skipped", "warnings")
_PROBLEM_KEYS: Final = ("type", "title", "status", "detail", "errors")


@dataclass(frozen=True)
class CallNote:
    """A test-environment call as the sandbox will record it, before its answer."""

    endpoint: str  # the path, e.g. "/test/api/queue/schedule"
    fields: Mapping[str, Any]


def _kept_value(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        return value[:VALUE_MAX]
    return f"({type(value).__name__})"  # a list or an object: its kind, not its content


def kept_request(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The request's kept fields, and the names of those not kept (`notKept`)."""
    kept = {name: _kept_value(fields[name]) for name in KEPT_FIELDS if name in fields}
    dropped = sorted(str(name)[:VALUE_MAX] for name in fields if name not in KEPT_FIELDS)
    if dropped:
        kept["notKept"] = dropped[:FIELDS_MAX]
    return kept


def regist_of(fields: Mapping[str, Any]) -> str | None:
    """The call's userId when it looks like a MOPH Connect ID (the test patient)."""
    value = fields.get("userId")
    if isinstance(value, str) and _REGIST_ID.fullmatch(value.strip()):
        return value.strip()
    return None


def kept_answer(body: Mapping[str, Any]) -> dict[str, Any]:
    """An answer (202) or a problem (4xx/5xx), reduced to what the developer reads."""
    keys = _PROBLEM_KEYS if "type" in body and "title" in body else _ANSWER_KEYS
    return {key: body[key] for key in keys if key in body}
