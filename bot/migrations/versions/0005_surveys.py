"""Surveys, "ask the group" and "you said, we did": who each run asks and where they are,
runs tied to a course or session, the actions answers led to, and pictures on messages.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("said", sa.Text(), nullable=False),
        sa.Column("did", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("told_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["staff_users.id"], name=op.f("fk_actions_created_by_id_staff_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions")),
    )
    op.create_table(
        "survey_invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "waiting",
                "asking",
                "done",
                "stopped",
                "expired",
                name="invitestatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("question_key", sa.String(length=60), nullable=True),
        sa.Column("times_asked", sa.Integer(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("nudged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_survey_invites_participant_id_participants"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["survey_runs.id"], name=op.f("fk_survey_invites_run_id_survey_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_invites")),
        sa.UniqueConstraint(
            "run_id", "participant_id", name=op.f("uq_survey_invites_run_id_participant_id")
        ),
    )
    with op.batch_alter_table("survey_invites", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_invites_participant_id"), ["participant_id"], unique=False
        )
        batch_op.create_index("ix_survey_invites_status_run_id", ["status", "run_id"], unique=False)

    op.create_table(
        "action_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"], ["actions.id"], name=op.f("fk_action_sources_action_id_actions")
        ),
        sa.ForeignKeyConstraint(
            ["answer_id"], ["answers.id"], name=op.f("fk_action_sources_answer_id_answers")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_action_sources_message_id_messages")
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_action_sources_participant_id_participants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_sources")),
        sa.UniqueConstraint(
            "action_id", "answer_id", name=op.f("uq_action_sources_action_id_answer_id")
        ),
        sa.UniqueConstraint(
            "action_id", "message_id", name=op.f("uq_action_sources_action_id_message_id")
        ),
    )
    with op.batch_alter_table("action_sources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_action_sources_action_id"), ["action_id"], unique=False
        )

    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("survey_after_session", sa.String(length=60), nullable=True))

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("media_url", sa.String(length=500), nullable=True))

    with op.batch_alter_table("survey_runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sa.Enum("survey", "ask", name="runkind", native_enum=False, length=10),
                nullable=False,
                server_default="survey",
            )
        )
        batch_op.add_column(sa.Column("ask_text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("course_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("session_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("nudge_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("created_by_id", sa.Integer(), nullable=True))
    _old_runs_to_new_columns()
    with op.batch_alter_table("survey_runs", schema=None) as batch_op:
        batch_op.alter_column("survey_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.alter_column(
            "cohort",
            existing_type=sa.VARCHAR(length=60),
            type_=sa.Enum("course", "session", "list", name="cohort", native_enum=False, length=10),
            existing_nullable=False,
        )
        batch_op.alter_column("expires_at", existing_type=sa.DATETIME(), nullable=False)
        batch_op.create_index(batch_op.f("ix_survey_runs_status"), ["status"], unique=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_survey_runs_survey_id_session_id"), ["survey_id", "session_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_survey_runs_course_id_courses"), "courses", ["course_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_survey_runs_created_by_id_staff_users"),
            "staff_users",
            ["created_by_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_survey_runs_session_id_course_sessions"),
            "course_sessions",
            ["session_id"],
            ["id"],
        )


def _old_runs_to_new_columns() -> None:
    """Runs made before this revision said their group as "course:3" or "session:17:attended"
    and might have no end: give each the new cohort, course or session, and a 7-day end."""
    connection = op.get_bind()
    runs = sa.table(
        "survey_runs",
        sa.column("id", sa.Integer),
        sa.column("cohort", sa.String),
        sa.column("course_id", sa.Integer),
        sa.column("session_id", sa.Integer),
        sa.column("starts_at", sa.DateTime(timezone=True)),
        sa.column("expires_at", sa.DateTime(timezone=True)),
    )
    rows = connection.execute(
        sa.select(runs.c.id, runs.c.cohort, runs.c.starts_at, runs.c.expires_at)
    ).all()
    for run_id, cohort, starts_at, expires_at in rows:
        kind, _, rest = (cohort or "list").partition(":")
        number = rest.split(":", 1)[0]
        values = {"cohort": kind if kind in ("course", "session") else "list"}
        # Only a course or session that is still there: the new columns are foreign keys.
        if kind == "course" and number.isdigit() and _exists(connection, "courses", number):
            values["course_id"] = int(number)
        if (
            kind == "session"
            and number.isdigit()
            and _exists(connection, "course_sessions", number)
        ):
            values["session_id"] = int(number)
        if expires_at is None:
            values["expires_at"] = starts_at + timedelta(days=7)
        connection.execute(sa.update(runs).where(runs.c.id == run_id).values(**values))


def _exists(connection: sa.Connection, table: str, number: str) -> bool:
    found = connection.execute(
        sa.select(sa.column("id"))
        .select_from(sa.table(table))
        .where(sa.column("id") == int(number))
    ).first()
    return found is not None


def downgrade() -> None:
    with op.batch_alter_table("survey_runs", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_survey_runs_session_id_course_sessions"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_survey_runs_created_by_id_staff_users"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_survey_runs_course_id_courses"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_survey_runs_survey_id_session_id"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_survey_runs_status"))
        batch_op.alter_column("expires_at", existing_type=sa.DATETIME(), nullable=True)
        batch_op.alter_column(
            "cohort",
            existing_type=sa.Enum(
                "course", "session", "list", name="cohort", native_enum=False, length=10
            ),
            type_=sa.VARCHAR(length=60),
            existing_nullable=False,
        )
        batch_op.alter_column("survey_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("created_by_id")
        batch_op.drop_column("nudge_at")
        batch_op.drop_column("session_id")
        batch_op.drop_column("course_id")
        batch_op.drop_column("ask_text")
        batch_op.drop_column("kind")

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("media_url")

    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_column("survey_after_session")

    with op.batch_alter_table("action_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_sources_action_id"))

    op.drop_table("action_sources")
    with op.batch_alter_table("survey_invites", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_invites_status_run_id")
        batch_op.drop_index(batch_op.f("ix_survey_invites_participant_id"))

    op.drop_table("survey_invites")
    op.drop_table("actions")
