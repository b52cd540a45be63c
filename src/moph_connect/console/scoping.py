"""What an operator may see: the ministry every hospital, a hospital user her own only.

Every console query takes a `Scope` and filters with `Scope.hospital_filter`; every
page that names a hospital (or something of one) goes through `require_hospital` (or
`require_ministry`), which answers 404, never 403, so that a hospital user cannot even
learn which ids exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, true
from sqlalchemy.orm import InstrumentedAttribute

from moph_connect.console.errors import ConsoleNotFound
from moph_connect.operators.service import SignedIn


@dataclass(frozen=True)
class Scope:
    hospital_id: str | None  # None: national (the ministry)

    @property
    def national(self) -> bool:
        return self.hospital_id is None

    def allows(self, hospital_id: str | None) -> bool:
        return self.hospital_id is None or hospital_id == self.hospital_id

    def hospital_filter(self, column: InstrumentedAttribute[str]) -> ColumnElement[bool]:
        """`WHERE column = her hospital`, or nothing for the ministry."""
        if self.hospital_id is None:
            return true()
        return column == self.hospital_id


def scope_of(operator: SignedIn) -> Scope:
    if operator.is_ministry:
        return Scope(None)
    if operator.hospital_id is None:  # a hospital role always has one; never national
        raise ConsoleNotFound
    return Scope(operator.hospital_id)


def require_hospital(operator: SignedIn, hospital_id: str) -> str:
    if not scope_of(operator).allows(hospital_id):
        raise ConsoleNotFound
    return hospital_id


def require_ministry(operator: SignedIn) -> None:
    if not operator.is_ministry:
        raise ConsoleNotFound
