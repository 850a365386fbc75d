"""The "fire due reminders" pass: queue every reminder whose moment has come.

It reads only the reminder rows that are due and not yet fired, through the (fired, due_at)
index, so its cost follows the number of reminders due, not the number of bookings held. Each
row fired queues one message per reachable booking of its session, with the send key
`reminder:<booking>:<kind>`, then is marked fired in the same transaction: a pass repeated
after a crash queues nothing twice, and each booking gets each kind of reminder at most once.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from bot.models import CourseSession, ReminderKind, ReminderTime, Rsvp, SessionStatus
from bot.reminders import rsvp
from bot.reminders.audience import Target, queue_each, reachable
from bot.reminders.plan import moments, plan_for
from bot.reminders.wording import reminder
from bot.settings import Settings

# Sessions' worth of reminders fired in one pass; the rest wait for the next pass, 30 s later,
# so one busy morning never makes a pass long enough to hold up the outbox.
ROWS_PER_PASS = 50


def fire_due_reminders(session: Session, settings: Settings, now: datetime) -> int:
    due = session.scalars(
        select(ReminderTime)
        .where(ReminderTime.fired.is_(False), ReminderTime.due_at <= now)
        .order_by(ReminderTime.due_at, ReminderTime.id)
        .limit(ROWS_PER_PASS)
    ).all()
    if not due:
        return 0
    sessions = {
        found.id: found
        for found in session.scalars(
            select(CourseSession)
            .where(CourseSession.id.in_({row.session_id for row in due}))
            .options(selectinload(CourseSession.course))
        )
    }
    zone = ZoneInfo(settings.app.timezone)
    live = {
        row.id: row
        for row in due
        if _still_wanted(row, sessions[row.session_id], settings, zone, now)
    }
    targets = reachable(session, {row.session_id for row in live.values()})
    by_session: dict[int, list[Target]] = {}
    for target in targets:
        by_session.setdefault(target.session_id, []).append(target)
    queued = 0
    for row in live.values():
        queued += _fire(
            session,
            row,
            sessions[row.session_id],
            by_session.get(row.session_id, []),
            zone,
            settings,
            now,
        )
    session.execute(
        update(ReminderTime)
        .where(ReminderTime.id.in_([row.id for row in due]))
        .values(fired=True, fired_at=now)
        .execution_options(synchronize_session=False)
    )
    return queued


def _next_start(session: Session, course_session: CourseSession) -> datetime | None:
    return session.scalar(
        select(CourseSession.starts_at)
        .where(
            CourseSession.course_id == course_session.course_id,
            CourseSession.status == SessionStatus.SCHEDULED,
            CourseSession.starts_at > course_session.starts_at,
        )
        .order_by(CourseSession.starts_at)
        .limit(1)
    )


def _still_wanted(
    row: ReminderTime,
    course_session: CourseSession,
    settings: Settings,
    zone: ZoneInfo,
    now: datetime,
) -> bool:
    """False for a cancelled session, or a reminder whose moment has passed (say the worker was
    down): a late reminder is worse than none."""
    if course_session.status is not SessionStatus.SCHEDULED:
        return False
    moment = moments(
        plan_for(course_session.course, settings.reminders), course_session.starts_at, zone
    ).get(row.kind)
    return moment is not None and now < moment.not_after


def _fire(
    session: Session,
    row: ReminderTime,
    course_session: CourseSession,
    targets: list[Target],
    zone: ZoneInfo,
    settings: Settings,
    now: datetime,
) -> int:
    course = course_session.course
    moment = moments(plan_for(course, settings.reminders), course_session.starts_at, zone)[row.kind]
    not_after = moment.not_after
    if row.kind is ReminderKind.TUTOR:
        # "Between sessions": only while another session of the course is still to come.
        following = _next_start(session, course_session)
        if following is None or following <= now:
            return 0
        not_after = min(not_after, following)
    else:
        # Someone who told us they can't come is not asked again.
        targets = [target for target in targets if target.rsvp is not Rsvp.CANT_COME]
    queued = queue_each(
        session,
        targets,
        lambda target: reminder(
            row.kind, course, course_session, target.language, target.channel, zone
        ),
        key=lambda target: f"reminder:{target.enrolment_id}:{row.kind.value}",
        now=now,
        not_after=lambda target: not_after,
    )
    if row.kind is not ReminderKind.TUTOR:
        rsvp.expect_answers(session, queued)
    return len(queued)
