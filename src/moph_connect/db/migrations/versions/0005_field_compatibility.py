"""field compatibility: hospital auth modes, CORS origins, key expiry, call counts, audit actor

- hospitals.auth_mode ('key' or 'legacy'), allowed_networks and cors_origins (JSON lists);
- api_keys.expires_at: a rotated key keeps working until then (its grace period);
- hospital_call_days: calls per hospital, environment, Bangkok day and way of
  authenticating (the ministry sees who still calls without a key);
- registrations.imported_at: IDs loaded from the running MOPH Connect;
- audit_events.actor: who did it (an operator, a command line user), never a secret.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # In place (ADD COLUMN), never by a batch copy of the table on SQLite: other tables'
    # foreign keys point at these, and dropping the old copy would cascade or fail.
    op.add_column(
        "hospitals",
        sa.Column("auth_mode", sa.String(16), nullable=False, server_default=sa.text("'key'")),
    )
    op.add_column("hospitals", sa.Column("allowed_networks", sa.JSON(), nullable=True))
    op.add_column("hospitals", sa.Column("cors_origins", sa.JSON(), nullable=True))
    op.add_column("api_keys", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "registrations", sa.Column("imported_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("audit_events", sa.Column("actor", sa.String(200), nullable=True))
    op.create_table(
        "hospital_call_days",
        sa.Column("hospital_id", sa.String(32), nullable=False),
        sa.Column("environment", sa.String(16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("keyless", sa.Boolean(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("first_call_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_call_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["hospital_id"],
            ["hospitals.id"],
            name=op.f("fk_hospital_call_days_hospital_id_hospitals"),
        ),
        sa.PrimaryKeyConstraint(
            "hospital_id", "environment", "day", "keyless", name=op.f("pk_hospital_call_days")
        ),
    )


def _drop_column(table: str, column: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")  # in place, SQLite >= 3.35
    else:
        op.drop_column(table, column)


def downgrade() -> None:
    op.drop_table("hospital_call_days")
    _drop_column("audit_events", "actor")
    _drop_column("registrations", "imported_at")
    _drop_column("api_keys", "expires_at")
    for column in ("cors_origins", "allowed_networks", "auth_mode"):
        _drop_column("hospitals", column)
