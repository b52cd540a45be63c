"""outbox payloads in a table of their own

A send updates its outbox row at every step (claimed, sent, retried); with the ~2.6 KB
message in the row, each update rewrote it (see `models.OutboxPayload`).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _drop_payload_column() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # In place (SQLite >= 3.35), not by alembic's copy of the table: dropping the old
        # copy would cascade to the payloads just moved (foreign keys are on).
        op.execute("ALTER TABLE outbox_messages DROP COLUMN payload")
    else:
        op.drop_column("outbox_messages", "payload")


def upgrade() -> None:
    op.create_table(
        "outbox_payloads",
        sa.Column("message_id", BigId, nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["outbox_messages.id"],
            name=op.f("fk_outbox_payloads_message_id_outbox_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_outbox_payloads")),
    )
    op.execute(
        "INSERT INTO outbox_payloads (message_id, payload) SELECT id, payload FROM outbox_messages"
    )
    _drop_payload_column()


def downgrade() -> None:
    # In place on SQLite too: a batch copy of the table would cascade to the payloads.
    op.add_column(
        "outbox_messages",
        sa.Column("payload", sa.Text(), nullable=False, server_default=sa.text("'[]'")),
    )
    op.execute(
        "UPDATE outbox_messages SET payload = (SELECT p.payload FROM outbox_payloads p"
        " WHERE p.message_id = outbox_messages.id)"
        " WHERE id IN (SELECT message_id FROM outbox_payloads)"
    )
    op.drop_table("outbox_payloads")
