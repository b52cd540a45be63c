"""console_sign_in_failures: refused console sign-ins per source address

A sliding window of refused sign-ins per source (IPv4 address or IPv6 /64), shared by
every `serve` process, so that one password tried over many accounts is limited too.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "console_sign_in_failures",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_sign_in_failures")),
    )
    op.create_index(
        "ix_console_sign_in_failures_source",
        "console_sign_in_failures",
        ["source", "failed_at"],
    )
    op.create_index(
        op.f("ix_console_sign_in_failures_failed_at"), "console_sign_in_failures", ["failed_at"]
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_console_sign_in_failures_failed_at"), table_name="console_sign_in_failures"
    )
    op.drop_index("ix_console_sign_in_failures_source", table_name="console_sign_in_failures")
    op.drop_table("console_sign_in_failures")
