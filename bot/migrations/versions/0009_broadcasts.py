"""Group messages from staff (bot.broadcasts), and each message's link to its group message.

The new column is added in place, not by copying the messages table: on SQLite, ALTER TABLE
ADD COLUMN may carry a REFERENCES clause when the column starts out NULL, so a big table is not
rewritten during an upgrade. The index is partial, so the many messages that belong to no
group message cost nothing in it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IN_A_BROADCAST = "broadcast_id IS NOT NULL"


def upgrade() -> None:
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("group_kind", sa.String(length=10), nullable=False),
        sa.Column("group_name", sa.String(length=200), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("staff_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("in_group", sa.Integer(), nullable=False),
        sa.Column("queued", sa.Integer(), nullable=False),
        sa.Column("not_agreed", sa.Integer(), nullable=False),
        sa.Column("unreachable", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_broadcasts_course_id_courses")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["course_sessions.id"],
            name=op.f("fk_broadcasts_session_id_course_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_user_id"],
            ["staff_users.id"],
            name=op.f("fk_broadcasts_staff_user_id_staff_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
        sa.UniqueConstraint("token", name=op.f("uq_broadcasts_token")),
    )
    if op.get_bind().dialect.name == "sqlite":
        # Alembic would copy the table to add a constraint; SQLite can add it with the column.
        op.execute(
            "ALTER TABLE messages ADD COLUMN broadcast_id INTEGER "
            "CONSTRAINT fk_messages_broadcast_id_broadcasts REFERENCES broadcasts (id)"
        )
    else:
        op.add_column("messages", sa.Column("broadcast_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_messages_broadcast_id_broadcasts"),
            "messages",
            "broadcasts",
            ["broadcast_id"],
            ["id"],
        )
    op.create_index(
        "ix_messages_broadcast_id",
        "messages",
        ["broadcast_id"],
        unique=False,
        sqlite_where=sa.text(IN_A_BROADCAST),
        postgresql_where=sa.text(IN_A_BROADCAST),
    )


def downgrade() -> None:
    op.drop_index("ix_messages_broadcast_id", table_name="messages")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("broadcast_id")
    op.drop_table("broadcasts")
