"""Keeping each session's reminder due times in step with the session and its course's plan.

Call `schedule_session` whenever a session is created, moved, cancelled or its course's plan
changes. It is cheap (a few rows per session, however many people are booked) and safe to
call again: it only ever makes the rows match the session."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Course, CourseSession, ReminderTime, SessionStatus
from bot.reminders.plan import moments, plan_for
from bot.settings import Settings


def schedule_session(
    session: Session, course_session: CourseSession, settings: Settings, *, rearm: bool = False
) -> None:
    """Make the session's reminder rows match its start time and plan.

    With `rearm`, rows already fired are armed again (used when a session moves): the firing
    pass skips every booking whose reminder of that kind already has its send key, so only
    reminders withdrawn by the move, and new bookings, are queued again."""
    rows = {
        row.kind: row
        for row in session.scalars(
            select(ReminderTime).where(ReminderTime.session_id == course_session.id)
        )
    }
    wanted = {}
    if course_session.status is SessionStatus.SCHEDULED:
        zone = ZoneInfo(settings.app.timezone)
        plan = plan_for(course_session.course, settings.reminders)
        wanted = moments(plan, course_session.starts_at, zone)
    for kind, row in rows.items():
        if kind not in wanted and not row.fired:
            session.delete(row)
    for kind, moment in wanted.items():
        row = rows.get(kind)
        if row is None:
            session.add(ReminderTime(session_id=course_session.id, kind=kind, due_at=moment.due_at))
            continue
        if row.due_at != moment.due_at:
            row.due_at = moment.due_at
        if rearm and row.fired:
            row.fired, row.fired_at = False, None
    session.flush()


def reschedule_course(session: Session, course: Course, settings: Settings, now: datetime) -> int:
    """After a course's plan changes: re-plan every session still to come. Returns how many."""
    upcoming = session.scalars(
        select(CourseSession).where(
            CourseSession.course_id == course.id, CourseSession.starts_at > now
        )
    ).all()
    for course_session in upcoming:
        schedule_session(session, course_session, settings)
    return len(upcoming)


# Far enough ahead to cover every reminder kind's due time (the day before at the earliest).
PLAN_AHEAD = timedelta(days=8)


def plan_unplanned(session: Session, settings: Settings, now: datetime, *, limit: int = 200) -> int:
    """Plan reminders for sessions soon to start that have none: sessions from before reminders
    existed (migration 0004), or made by a path that forgot. Returns how many were planned.

    A session whose plan has every reminder off is looked at again each time; it costs one
    cheap call and stays without rows, which is right."""
    unplanned = session.scalars(
        select(CourseSession)
        .where(
            CourseSession.status == SessionStatus.SCHEDULED,
            CourseSession.starts_at > now,
            CourseSession.starts_at <= now + PLAN_AHEAD,
            ~select(ReminderTime.id).where(ReminderTime.session_id == CourseSession.id).exists(),
        )
        .order_by(CourseSession.starts_at)
        .limit(limit)
    ).all()
    for course_session in unplanned:
        schedule_session(session, course_session, settings)
    return len(unplanned)
