"""Surveys (defined in messages/surveys/*.toml), their runs, who each run asks, every answer
(raw and parsed), and the "you said, we did" actions that answers led to."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
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


class RunKind(enum.StrEnum):
    SURVEY = "survey"  # the questions of a survey file, one at a time
    ASK = "ask"  # "ask the group": one open question written by staff


class Cohort(enum.StrEnum):
    COURSE = "course"  # the members of a course when the run starts
    SESSION = "session"  # the people marked as attending a session, as they are marked
    LIST = "list"  # people staff chose by name


class SurveyRun(Base):
    """One survey, or one "ask the group" question, put to one cohort."""

    __tablename__ = "survey_runs"
    # A session's automatic post-session survey is created once, however many workers look.
    __table_args__ = (UniqueConstraint("survey_id", "session_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[RunKind] = mapped_column(str_enum(RunKind, length=10), default=RunKind.SURVEY)
    # None for an "ask the group" question, which has no survey file.
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id"))
    # The open question, as staff wrote it, for an ask.
    ask_text: Mapped[str | None] = mapped_column(Text)
    cohort: Mapped[Cohort] = mapped_column(str_enum(Cohort, length=10))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("course_sessions.id"))
    status: Mapped[SurveyRunStatus] = mapped_column(
        str_enum(SurveyRunStatus), default=SurveyRunStatus.SCHEDULED, index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # One gentle nudge to people who have not finished, at this moment.
    nudge_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InviteStatus(enum.StrEnum):
    """One person's way through one run.

    waiting ──free to talk──▶ asking ──last answer──▶ done
       │                        ├──"stop survey"──▶ stopped
       └───── run expired ──────┴──run expired─────▶ expired
    waiting or asking ──a message suggesting risk──▶ paused ──staff resume──▶ waiting
    """

    WAITING = "waiting"  # not asked yet: another question of theirs is open, or quiet hours
    ASKING = "asking"  # `question_key` is the question we are waiting on
    DONE = "done"  # answered (or skipped) every question
    STOPPED = "stopped"  # said "stop survey"; not an opt-out
    EXPIRED = "expired"  # the run ended before they finished
    PAUSED = "paused"  # they sent a message suggesting risk: nothing asked until staff say


class SurveyInvite(Base):
    """One participant in one run: where they are, so one question goes out at a time."""

    __tablename__ = "survey_invites"
    __table_args__ = (
        UniqueConstraint("run_id", "participant_id"),
        Index("ix_survey_invites_status_run_id", "status", "run_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("survey_runs.id"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    status: Mapped[InviteStatus] = mapped_column(
        str_enum(InviteStatus), default=InviteStatus.WAITING
    )
    question_key: Mapped[str | None] = mapped_column(String(60))
    # How many times the current question went out (first ask, re-asks after a reminder).
    times_asked: Mapped[int] = mapped_column(default=0)
    asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    nudged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
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


class Action(Base):
    """ "You said, we did": what staff heard, in their own paraphrase, and what they did."""

    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Staff's easy-read paraphrase of what people said. Never anyone's own words.
    said: Mapped[str] = mapped_column(Text)
    did: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When contributors were told; None until then. Telling is done once.
    told_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ActionSource(Base):
    """One answer or one inbound message that led to an action."""

    __tablename__ = "action_sources"
    __table_args__ = (
        UniqueConstraint("action_id", "answer_id"),
        UniqueConstraint("action_id", "message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"), index=True)
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    # Whose words these were: the person to tell.
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
