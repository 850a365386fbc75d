"""The demo's "now" control: what would fall due later is made due now, then fired.

In a demo nobody waits a day for a reminder. This moves the next unfired reminders (all those
due at the same soonest moment, for sessions still to come) and every survey planned for later
to now, then runs the worker's own "fire due" pass, so what goes out is exactly what would have
gone out then. The worker's next dispatch pass sends it to the phones. Never used outside
`voices demo`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.due import fire_due
from bot.models import CourseSession, ReminderTime, SessionStatus, SurveyRun, SurveyRunStatus
from bot.settings import Settings


@dataclass(frozen=True)
class BroughtForward:
    reminders: int
    surveys: int
    queued: int


def next_reminders_now(session: Session, now: datetime) -> int:
    """The soonest unfired reminders of sessions still to come become due now."""
    upcoming = (
        select(ReminderTime.id, ReminderTime.due_at)
        .join(CourseSession, CourseSession.id == ReminderTime.session_id)
        .where(
            ReminderTime.fired.is_(False),
            ReminderTime.due_at > now,
            CourseSession.starts_at > now,
            CourseSession.status == SessionStatus.SCHEDULED,
        )
        .subquery()
    )
    soonest = session.scalar(select(func.min(upcoming.c.due_at)))
    if soonest is None:
        return 0
    ids = list(session.scalars(select(upcoming.c.id).where(upcoming.c.due_at == soonest)))
    session.execute(update(ReminderTime).where(ReminderTime.id.in_(ids)).values(due_at=now))
    return len(ids)


def planned_surveys_now(session: Session, now: datetime) -> int:
    """Every survey and group question planned to start later starts now."""
    result = session.execute(
        update(SurveyRun)
        .where(SurveyRun.status == SurveyRunStatus.SCHEDULED, SurveyRun.starts_at > now)
        .values(starts_at=now)
    )
    return result.rowcount or 0


def fire_now(
    session: Session, settings: Settings, now: datetime, *, reminders: bool, surveys: bool
) -> BroughtForward:
    moved = next_reminders_now(session, now) if reminders else 0
    started = planned_surveys_now(session, now) if surveys else 0
    return BroughtForward(moved, started, fire_due(session, settings, now))
