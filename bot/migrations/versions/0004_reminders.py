"""Reminders: a per-course plan, one due time per (session, kind), removable bookings, and
the booking each outbound message is about.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reminder_times",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fired", sa.Boolean(), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["course_sessions.id"],
            name=op.f("fk_reminder_times_session_id_course_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_times")),
        sa.UniqueConstraint("session_id", "kind", name=op.f("uq_reminder_times_session_id_kind")),
    )
    with op.batch_alter_table("reminder_times", schema=None) as batch_op:
        batch_op.create_index("ix_reminder_times_fired_due_at", ["fired", "due_at"], unique=False)

    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminder_day_before", sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column("reminder_hours_before", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("tutor_message", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("tutor_message_days_after", sa.Integer(), nullable=True))

    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enrolment_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_messages_enrolment_id_enrolments"), "enrolments", ["enrolment_id"], ["id"]
        )
        batch_op.create_index("ix_messages_enrolment_id", ["enrolment_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_enrolment_id")
        batch_op.drop_constraint("fk_messages_enrolment_id_enrolments", type_="foreignkey")
        batch_op.drop_column("enrolment_id")
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_column("removed_at")
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_column("tutor_message_days_after")
        batch_op.drop_column("tutor_message")
        batch_op.drop_column("reminder_hours_before")
        batch_op.drop_column("reminder_day_before")
    with op.batch_alter_table("reminder_times", schema=None) as batch_op:
        batch_op.drop_index("ix_reminder_times_fired_due_at")
    op.drop_table("reminder_times")
