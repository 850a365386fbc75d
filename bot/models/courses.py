"""Courses, their sessions, and the bookings that hold each RSVP and attendance."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.models.base import Base, UTCDateTime, str_enum, utcnow


class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"  # going ahead; reminders follow its start time
    CANCELLED = "cancelled"  # called off; pending reminders cancelled, bookers told


class Rsvp(enum.StrEnum):
    NONE = "none"  # not answered yet
    COMING = "coming"  # replied 1
    CANT_COME = "cant_come"  # replied 2
    NEED_HELP = "need_help"  # replied 3: staff call back


class Attendance(enum.StrEnum):
    UNKNOWN = "unknown"  # not marked yet
    ATTENDED = "attended"
    MISSED = "missed"  # did not attend: counts towards the DNA rate
    EXCUSED = "excused"  # told us in advance; not a DNA


class Course(Base):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Short code people text to join, e.g. "JOIN ART24". Stored upper case.
    code: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(200))
    online_url: Mapped[str | None] = mapped_column(String(500))
    # The course's reminder plan. None means "as in settings"; see bot.reminders.plan.
    # The day-before reminder's local clock time, "HH:MM", or "off".
    reminder_day_before: Mapped[str | None] = mapped_column(String(5))
    # Hours before the start for the on-the-day reminder; 0 switches it off.
    reminder_hours_before: Mapped[float | None] = mapped_column(Float)
    # An optional message from the tutor between sessions, written by staff, sent as written
    # this many days after each session.
    tutor_message: Mapped[str | None] = mapped_column(Text)
    tutor_message_days_after: Mapped[int | None]
    # The survey sent after each session to the people who came: a survey id, "off", or None
    # for the default in settings.
    survey_after_session: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sessions: Mapped[list[CourseSession]] = relationship(
        back_populates="course", order_by="CourseSession.starts_at"
    )


class CourseMembership(Base):
    """A participant belongs to a course (or group) and is booked on its sessions."""

    __tablename__ = "course_memberships"
    __table_args__ = (UniqueConstraint("course_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CourseSession(Base):
    """One meeting of a course. Named so as not to be confused with a database session."""

    __tablename__ = "course_sessions"
    __table_args__ = (
        UniqueConstraint("course_id", "ref"),
        Index("ix_course_sessions_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    # A stable reference from the timetable the session was imported from, if any.
    ref: Mapped[str | None] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    location: Mapped[str | None] = mapped_column(String(200))
    online_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[SessionStatus] = mapped_column(
        str_enum(SessionStatus), default=SessionStatus.SCHEDULED
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course] = relationship(back_populates="sessions")
    enrolments: Mapped[list[Enrolment]] = relationship(back_populates="session")


class Enrolment(Base):
    """A booking of one participant on one session. Reminders belong to the booking."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("session_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("course_sessions.id"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    rsvp: Mapped[Rsvp] = mapped_column(str_enum(Rsvp), default=Rsvp.NONE)
    rsvp_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why they can't come, in their own words, verbatim.
    rsvp_reason: Mapped[str | None] = mapped_column(Text)
    attendance: Mapped[Attendance] = mapped_column(str_enum(Attendance), default=Attendance.UNKNOWN)
    attendance_marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when staff take the person off this session. The row stays, for the record, but gets
    # no reminders and does not count in attendance figures.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[CourseSession] = relationship(back_populates="enrolments")


class ReminderKind(enum.StrEnum):
    DAY_BEFORE = "day_before"  # the day before, at a set local time
    ON_THE_DAY = "on_the_day"  # a set number of hours before the start
    TUTOR = "tutor"  # the tutor's message between sessions, some days after


class ReminderTime(Base):
    """When one kind of reminder for one session falls due, and whether it has been fired.

    One row per (session, kind) rather than per booking, so that moving a session re-times a
    handful of rows however many people are booked, and the "fire due" pass reads only the
    rows that are due, through the (fired, due_at) index."""

    __tablename__ = "reminder_times"
    __table_args__ = (
        UniqueConstraint("session_id", "kind"),
        Index("ix_reminder_times_fired_due_at", "fired", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("course_sessions.id"))
    kind: Mapped[ReminderKind] = mapped_column(str_enum(ReminderKind))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fired: Mapped[bool] = mapped_column(default=False)
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
