"""Writing and reading `audit_events`."""

from __future__ import annotations

import getpass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from moph_connect.db.models import AuditEvent

# Events that concern no single environment (a hospital's mode, an operator's sign-in).
ALL_ENVIRONMENTS = "all"


def cli_actor() -> str:
    """Who runs a `moph-connect` command: the operating-system account."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry for the uid (some containers)
        return "cli:unknown"


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(
        self,
        kind: str,
        *,
        actor: str,
        detail: dict[str, Any],
        now: datetime,
        environment: str = ALL_ENVIRONMENTS,
    ) -> None:
        """`detail` holds ids and counts only: never a key, a password or a name."""
        self.session.add(
            AuditEvent(
                environment=environment, kind=kind, actor=actor, detail=detail, created_at=now
            )
        )
