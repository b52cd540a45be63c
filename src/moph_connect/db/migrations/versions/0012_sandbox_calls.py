"""sandbox_calls: the test environment's recent calls per hospital, for the console

- sandbox_calls: one row per call to /test/api/... of a known hospital (answered or
  refused): endpoint, status, the answer and the request's fields without the patient's
  name.
- A trigger keeps the last 200 per hospital (trimmed on insert, in the insert's own
  statement: the call pays one statement, not two). 200 is
  `moph_connect.sandbox.repository.KEPT_PER_HOSPITAL`; tests check they agree.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# Rows of the new row's hospital older than its 200 newest (none while it has fewer:
# the subquery is then NULL). Served by ix_sandbox_calls_hospital_recent.
_TRIM = """
DELETE FROM sandbox_calls WHERE hospital_id = NEW.hospital_id AND id <= (
  SELECT id FROM sandbox_calls WHERE hospital_id = NEW.hospital_id
  ORDER BY id DESC LIMIT 1 OFFSET 200);
"""


def upgrade() -> None:
    op.create_table(
        "sandbox_calls",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("hospital_id", sa.String(length=32), nullable=False),
        sa.Column("called_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("endpoint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.SmallInteger(), nullable=False),
        sa.Column("regist_id", sa.String(length=24), nullable=True),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hospital_id"],
            ["hospitals.id"],
            name=op.f("fk_sandbox_calls_hospital_id_hospitals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_calls")),
    )
    op.create_index("ix_sandbox_calls_hospital_recent", "sandbox_calls", ["hospital_id", "id"])
    op.create_index(op.f("ix_sandbox_calls_called_at"), "sandbox_calls", ["called_at"])
    op.create_index(op.f("ix_sandbox_calls_regist_id"), "sandbox_calls", ["regist_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION sandbox_calls_trim() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {_TRIM} RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER sandbox_calls_trim AFTER INSERT ON sandbox_calls "
            "FOR EACH ROW EXECUTE FUNCTION sandbox_calls_trim()"
        )
    else:
        op.execute(
            f"CREATE TRIGGER sandbox_calls_trim AFTER INSERT ON sandbox_calls BEGIN {_TRIM} END"
        )


def downgrade() -> None:
    op.execute(
        "DROP TRIGGER IF EXISTS sandbox_calls_trim"
        + (" ON sandbox_calls" if op.get_bind().dialect.name == "postgresql" else "")
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS sandbox_calls_trim()")
    op.drop_index(op.f("ix_sandbox_calls_regist_id"), table_name="sandbox_calls")
    op.drop_index(op.f("ix_sandbox_calls_called_at"), table_name="sandbox_calls")
    op.drop_index("ix_sandbox_calls_hospital_recent", table_name="sandbox_calls")
    op.drop_table("sandbox_calls")
