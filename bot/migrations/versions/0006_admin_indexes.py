"""Indexes for the admin pages on a big database (bench/admin_pages.py, BENCHMARKS.md).

- ix_messages_unread: the dashboard's unread replies, counted and listed newest first. Partial:
  it holds only inbound messages nobody has read, so it stays small, and outbound messages
  never enter it. It leads with (created_at, id), the order the dashboard lists them in, so the
  newest 20 are read off its end (PostgreSQL cannot take `read_at IS NULL` as a fixed prefix of
  an index's order). direction and read_at are in it as well as in its WHERE so that SQLite,
  given `direction = ?` as a parameter, still answers from the index alone.
- ix_participants_search: the participant search, `lower(...) LIKE '%text%'`, which no b-tree
  can seek. Walking this index in pseudonym order reads every column the search looks at and
  shows, without a visit to the table for each of the people it passes over.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNREAD = "direction = 'in' AND read_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_messages_unread",
            ["created_at", "id", "direction", "read_at"],
            unique=False,
            sqlite_where=sa.text(UNREAD),
            postgresql_where=sa.text(UNREAD),
        )
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.create_index(
            "ix_participants_search",
            ["pseudonym", "display_name", "status", "id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_index("ix_participants_search")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_unread")
