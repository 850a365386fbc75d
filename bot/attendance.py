"""Marking attendance, and what a missed session sets off.

Marking someone as missed:
- gives staff a "please phone" task (a missed-session flag about that booking);
- queues a kind follow-up message, if switched on in settings and the person is reachable.
  It is not urgent, so it goes out inside the send window: the same day, or the next morning.
  It is stale after noon the next day: a "we missed you" a week late does more harm than good.

Correcting a mark from missed to anything else withdraws the follow-up if it has not gone,
and closes the task, saying why."""

from __future__ import annotations

import dataclasses
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.flags import raise_flag
from bot.models import (
    Attendance,
    CourseSession,
    Enrolment,
    Flag,
    FlagKind,
    FlagStatus,
)
from bot.reminders.audience import queue_each, reachable
from bot.reminders.session_changes import withdraw
from bot.reminders.wording import session_notice
from bot.settings import Settings


class NotYet(ValueError):
    """Attendance marked at a session still to come: a mistake, refused before it does harm."""


FOLLOW_UP_KIND = "missed_follow_up"
# The follow-up is stale after this local time on the day after the session.
FOLLOW_UP_UNTIL = time(12, 0)
CORRECTED = "Attendance corrected: not a missed session."


def mark(
    session: Session,
    enrolment: Enrolment,
    attendance: Attendance,
    settings: Settings,
    now: datetime,
    *,
    staff_user_id: int | None = None,
) -> bool:
    """Record one person's attendance at one session. True if anything changed.

    Raises NotYet for attended or missed at a session that has not started."""
    previous = enrolment.attendance
    if attendance in (Attendance.ATTENDED, Attendance.MISSED):
        starts_at = session.get(CourseSession, enrolment.session_id).starts_at
        if starts_at > now:
            raise NotYet("that session has not started yet")
    if previous is attendance:
        return False
    enrolment.attendance, enrolment.attendance_marked_at = attendance, now
    if attendance is Attendance.MISSED:
        _missed(session, enrolment, settings, now)
    elif previous is Attendance.MISSED:
        _unmissed(session, enrolment, now, staff_user_id)
    return True


def _missed(session: Session, enrolment: Enrolment, settings: Settings, now: datetime) -> None:
    raise_flag(
        session,
        FlagKind.MISSED_SESSION,
        participant_id=enrolment.participant_id,
        enrolment_id=enrolment.id,
    )
    if not settings.reminders.missed_follow_up:
        return
    course_session = session.get(CourseSession, enrolment.session_id)
    zone = ZoneInfo(settings.app.timezone)
    stale_at = follow_up_deadline(course_session.starts_at, zone)
    if now >= stale_at:
        return
    course = course_session.course
    targets = [t for t in reachable(session, [course_session.id]) if t.enrolment_id == enrolment.id]
    queue_each(
        session,
        targets,
        lambda target: dataclasses.replace(
            session_notice("sessions.missed", course, course_session, target.language, zone),
            kind=FOLLOW_UP_KIND,
        ),
        key=lambda target: f"missed:{target.enrolment_id}",
        now=now,
        not_after=lambda target: stale_at,
    )


def _unmissed(
    session: Session, enrolment: Enrolment, now: datetime, staff_user_id: int | None
) -> None:
    withdraw(session, [enrolment.id], now, kinds=(FOLLOW_UP_KIND,))
    session.execute(
        update(Flag)
        .where(
            Flag.kind == FlagKind.MISSED_SESSION,
            Flag.enrolment_id == enrolment.id,
            Flag.status == FlagStatus.OPEN,
        )
        .values(
            status=FlagStatus.RESOLVED,
            resolved_at=now,
            resolved_by_id=staff_user_id,
            action_taken=CORRECTED,
        )
        .execution_options(synchronize_session=False)
    )


def follow_up_deadline(starts_at: datetime, zone: ZoneInfo) -> datetime:
    """Noon local time on the day after the session."""
    next_day = starts_at.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(next_day, FOLLOW_UP_UNTIL, tzinfo=zone)
