"""The outbox index serves the claim's two queries (urgent, then the rest) without a sort.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_status_next_attempt_at")
        batch_op.create_index(
            "ix_messages_outbox", ["status", "urgent", "next_attempt_at", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_outbox")
        batch_op.create_index(
            "ix_messages_status_next_attempt_at",
            ["status", "next_attempt_at"],
            unique=False,
        )
