"""outbox_attempts: each delivery step of an outbox row, for the console's timeline

- outbox_attempts: one row per send attempt (LINE's status and request id) and per hold
  or drop by the timing rules, deleted with its outbox row.
- surveys.expires_at indexed: the satisfaction pages read surveys by due time.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "outbox_attempts",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("message_id", BigId, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("line_status", sa.String(16), nullable=True),
        sa.Column("line_request_id", sa.String(64), nullable=True),
        sa.Column("detail", sa.String(300), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["outbox_messages.id"],
            name=op.f("fk_outbox_attempts_message_id_outbox_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_attempts")),
    )
    op.create_index(op.f("ix_outbox_attempts_message_id"), "outbox_attempts", ["message_id"])
    op.create_index(op.f("ix_surveys_expires_at"), "surveys", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_surveys_expires_at"), table_name="surveys")
    op.drop_index(op.f("ix_outbox_attempts_message_id"), table_name="outbox_attempts")
    op.drop_table("outbox_attempts")
