"""api rate limits: one GCRA row per hospital and environment, or per failing source

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_rate_limits",
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("tat", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_api_rate_limits")),
    )


def downgrade() -> None:
    op.drop_table("api_rate_limits")
