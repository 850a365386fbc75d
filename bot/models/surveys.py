"""Surveys (defined in messages/surveys/*.toml), their runs, and every answer, raw and parsed."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, UTCDateTime, str_enum, utcnow


class SurveyRunStatus(enum.StrEnum):
    """A run of one survey to one cohort.

    scheduled ──due──▶ running ──all answered or closed──▶ finished
                         │  ▲
                     pause  resume
                         ▼  │
                        paused          running ──expiry date passed──▶ expired
    """

    SCHEDULED = "scheduled"  # waiting for its start time
    RUNNING = "running"  # questions are going out and answers coming in
    PAUSED = "paused"  # staff paused it; nothing new goes out
    FINISHED = "finished"  # closed; results are final
    EXPIRED = "expired"  # reached its end date; late answers kept but not asked for


class Survey(Base):
    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The id in the survey file, e.g. "post-session".
    key: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SurveyRun(Base):
    __tablename__ = "survey_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"))
    # Who it goes to, e.g. "course:3" or "session:17:attended" or "list".
    cohort: Mapped[str] = mapped_column(String(60))
    status: Mapped[SurveyRunStatus] = mapped_column(
        str_enum(SurveyRunStatus), default=SurveyRunStatus.SCHEDULED
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Answer(Base):
    """One participant's answer to one question. The raw text is kept beside the parsed value."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("run_id", "participant_id", "question_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("survey_runs.id"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    question_key: Mapped[str] = mapped_column(String(60))
    # What they typed or pressed, verbatim; None only when the question was skipped unanswered.
    raw_text: Mapped[str | None] = mapped_column(Text)
    # The understood value ("4", "yes", "skipped"); None for free text.
    parsed_value: Mapped[str | None] = mapped_column(String(60))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
