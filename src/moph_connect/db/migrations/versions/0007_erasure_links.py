"""what links stored data to a patient, so that erasure and retention find it all

- idempotency_keys.appointment_id (indexed): the appointment a replayed answer is about,
  filled in from the stored answer's `appointmentId`. Records of appointments that no
  longer exist (patients who had their data deleted before this revision) are deleted:
  repeating such a call replayed the old 202 instead of 410 Gone.
- What today's erasure also does is applied to patients erased before: their consent
  records no longer point at them, their outbox rows lose the dedup key naming the
  appointment (and its date, LINE's request id), errors recorded for their redacted
  webhook events are redacted too.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ERASED_USERS = "SELECT id FROM line_users WHERE line_user_id LIKE 'erased-%'"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    # In place (ADD COLUMN), never by a batch copy of the table (see 0005).
    op.add_column("idempotency_keys", sa.Column("appointment_id", sa.String(32), nullable=True))
    op.create_index(
        op.f("ix_idempotency_keys_appointment_id"), "idempotency_keys", ["appointment_id"]
    )
    replayed = (
        "json_extract(response, '$.appointmentId')" if sqlite else "response ->> 'appointmentId'"
    )
    op.execute(f"UPDATE idempotency_keys SET appointment_id = {replayed}")  # noqa: S608
    op.execute(
        "DELETE FROM idempotency_keys WHERE appointment_id IS NULL"
        " OR appointment_id NOT IN (SELECT id FROM appointments)"
    )
    op.execute(
        f"UPDATE consent_records SET line_user_pk = NULL WHERE line_user_pk IN ({_ERASED_USERS})"  # noqa: S608
    )
    op.execute(
        "UPDATE outbox_messages SET dedup_key = 'erased:' || CAST(id AS VARCHAR(20)),"
        " appointment_date = NULL, line_request_id = NULL"
        " WHERE line_user_id LIKE 'erased-%' AND dedup_key NOT LIKE 'erased:%'"
    )
    redacted = (
        "json_extract(event, '$.redacted') = 1" if sqlite else "(event ->> 'redacted') = 'true'"
    )
    op.execute(
        f"UPDATE webhook_events SET error = 'redacted' WHERE error IS NOT NULL AND {redacted}"  # noqa: S608
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_idempotency_keys_appointment_id"), table_name="idempotency_keys")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE idempotency_keys DROP COLUMN appointment_id")  # in place
    else:
        op.drop_column("idempotency_keys", "appointment_id")
