"""One error hierarchy, rendered by one handler as RFC 9457 `application/problem+json`.

Services raise these; `moph_connect.api.problems` turns them (and FastAPI's own validation
errors) into responses so that every client sees the same shape:

    {"type": ".../problems/validation", "title": "...", "status": 422,
     "detail": "...", "errors": [{"field": "appointmentDate", "reason": "..."}]}
"""

from __future__ import annotations

from dataclasses import dataclass

PROBLEM_BASE = "https://mophconnect.go.th/problems/"


@dataclass(frozen=True)
class FieldError:
    field: str
    reason: str


class MophConnectError(Exception):
    status: int = 500
    problem: str = "internal"
    title: str = "Internal error"

    # The hospital a refused call came from, when it is known although the call was
    # refused (a revoked key, a keyless call from outside its networks): the console's
    # test sandbox shows it such refusals (appointments/admission.py).
    hospital_id: str | None = None

    def __init__(self, detail: str, *, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []

    def of_hospital(self, hospital_id: str) -> MophConnectError:
        self.hospital_id = hospital_id
        return self


class BadRequest(MophConnectError):
    status, problem, title = 400, "bad-request", "Bad request"


class Unauthorized(MophConnectError):
    status, problem, title = 401, "unauthorized", "Missing or invalid API key"


class NotFound(MophConnectError):
    status, problem, title = 404, "not-found", "Not found"


class Conflict(MophConnectError):
    status, problem, title = 409, "conflict", "Conflict"


class Gone(MophConnectError):
    status, problem, title = 410, "gone", "Gone"


class ValidationFailed(MophConnectError):
    status, problem, title = 422, "validation", "The request has invalid fields"

    @classmethod
    def field(cls, field: str, reason: str) -> ValidationFailed:
        return cls(f"{field}: {reason}", errors=[FieldError(field, reason)])


class IdempotencyKeyReused(MophConnectError):
    status, problem, title = 422, "idempotency-key-reused", "Idempotency-Key reused"


class Forbidden(MophConnectError):
    status, problem, title = 403, "forbidden", "Forbidden"


class TooManyRequests(MophConnectError):
    status, problem, title = 429, "rate-limited", "Too many requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
