"""outbox_messages (environment, due_at): the console overview's index

The overview counts one environment's rows due today (by kind and status, today's
failures) and the last two days' (sent in the last hour, retried, waiting after a 429):
ranges of `due_at` within an environment, which without this index read every row of
the environment (BENCHMARKS.md, "Console overview at scale").

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 18:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_outbox_due", "outbox_messages", ["environment", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_due", table_name="outbox_messages")
