"""The "fire due reminders" pass: queue every reminder whose moment has come.

It reads only the reminder rows that are due and not yet fired, through the (fired, due_at)
index, so its cost follows the number of reminders due, not the number of bookings held. Each
row fired queues one message per reachable booking of its session, with the send key
`reminder:<booking>:<kind>`, then is marked fired in the same transaction: a pass repeated
after a crash queues nothing twice, and each booking gets each kind of reminder at most once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from bot.models import (
    CourseSession,
    Enrolment,
    ReminderKind,
    ReminderTime,
    Rsvp,
    SessionStatus,
)
from bot.reminders import rsvp
from bot.reminders.audience import Target, bookings_on, queue_each, reachable
from bot.reminders.plan import Moment, moments, plan_for
from bot.reminders.wording import reminder, rsvp_tag
from bot.settings import Settings

# Sessions' worth of reminders fired in one pass; the rest wait for the next pass, 30 s later,
# so a busy 10:00 (every session of tomorrow at once) never makes one long pass that holds the
# database. Ten sessions of 20 is about 200 messages, more than the outbox sends in 30 s at the
# default 10 a second, so the cap never slows what people receive.
ROWS_PER_PASS = 10
# How many due rows one pass reads, to find ROWS_PER_PASS still worth sending among stale ones.
STALE_ALLOWANCE = 10


def fire_due_reminders(session: Session, settings: Settings, now: datetime) -> int:
    # Rows a session change holds are skipped, not waited for (PostgreSQL): they fire in the
    # next pass with the change applied. Without the lock a pass overlapping a move could queue
    # a reminder for the old time that the move cannot see to withdraw.
    due = session.scalars(
        select(ReminderTime)
        .where(ReminderTime.fired.is_(False), ReminderTime.due_at <= now)
        .order_by(ReminderTime.due_at, ReminderTime.id)
        .limit(ROWS_PER_PASS * STALE_ALLOWANCE)
        .with_for_update(skip_locked=True)
    ).all()
    if not due:
        return 0
    sessions = _load_sessions(session, {row.session_id for row in due})
    zone = ZoneInfo(settings.app.timezone)
    # Stale rows (say, after the worker was down) are spent without counting against the cap,
    # so a backlog of them never holds up reminders that can still go.
    fresh, stale = _split(due, sessions, settings, zone, now)
    fresh = fresh[:ROWS_PER_PASS]
    queued = _queue(session, fresh, sessions, zone, settings, now)
    spent = stale + [row for row, _ in fresh]
    session.execute(
        update(ReminderTime)
        .where(ReminderTime.id.in_([row.id for row in spent]))
        .values(fired=True, fired_at=now)
        .execution_options(synchronize_session=False)
    )
    return queued


def catch_up(session: Session, settings: Settings, participant_id: int, now: datetime) -> int:
    """Queue the reminders someone missed by joining, or saying yes to reminders, after they
    fired: JOIN at 10:05 the day before still gets the day-before reminder, which is good
    until midnight. The send keys are the firing pass's, so nothing can go twice."""
    rows = session.scalars(
        select(ReminderTime)
        .join(Enrolment, Enrolment.session_id == ReminderTime.session_id)
        .join(CourseSession, CourseSession.id == ReminderTime.session_id)
        .where(
            Enrolment.participant_id == participant_id,
            Enrolment.removed_at.is_(None),
            ReminderTime.fired.is_(True),
            ReminderTime.kind != ReminderKind.TUTOR,
            CourseSession.status == SessionStatus.SCHEDULED,
            CourseSession.starts_at > now,
        )
    ).all()
    if not rows:
        return 0
    sessions = _load_sessions(session, {row.session_id for row in rows})
    zone = ZoneInfo(settings.app.timezone)
    live, _ = _split(rows, sessions, settings, zone, now)
    return _queue(session, live, sessions, zone, settings, now, only=participant_id)


def _load_sessions(session: Session, ids: set[int]) -> dict[int, CourseSession]:
    return {
        found.id: found
        for found in session.scalars(
            select(CourseSession)
            .where(CourseSession.id.in_(ids))
            .options(selectinload(CourseSession.course))
        )
    }


def _queue(
    session: Session,
    rows: list[tuple[ReminderTime, Moment]],
    sessions: dict[int, CourseSession],
    zone: ZoneInfo,
    settings: Settings,
    now: datetime,
    *,
    only: int | None = None,
) -> int:
    """Queue each row's reminder to every reachable booking (or one participant's)."""
    if not rows:
        return 0
    session_ids = {row.session_id for row, _ in rows}
    by_session: dict[int, list[Target]] = {}
    for target in reachable(session, session_ids):
        if only is None or target.participant_id == only:
            by_session.setdefault(target.session_id, []).append(target)
    sends: list[Send] = []
    for row, moment in rows:
        sends += _sends(session, row, moment, sessions[row.session_id], by_session, now)
    queued = queue_each(
        session,
        sends,
        lambda send: reminder(
            send.kind,
            send.course_session.course,
            send.course_session,
            send.target.language,
            send.target.channel,
            zone,
            tag=rsvp_tag(send.target.enrolment_id),
        ),
        key=lambda send: f"reminder:{send.target.enrolment_id}:{send.kind.value}",
        now=now,
        not_after=lambda send: send.not_after,
        target_of=lambda send: send.target,
        bookings=bookings_on(session_ids),
    )
    rsvp.expect_answers(
        session, [send.target for send in queued if send.kind is not ReminderKind.TUTOR]
    )
    return len(queued)


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


def _split(
    rows: list[ReminderTime],
    sessions: dict[int, CourseSession],
    settings: Settings,
    zone: ZoneInfo,
    now: datetime,
) -> tuple[list[tuple[ReminderTime, Moment]], list[ReminderTime]]:
    """Rows still worth sending, each with its moment, and stale ones: a cancelled session, or
    a reminder whose moment has passed (say the worker was down). A late reminder is worse
    than none."""
    live: list[tuple[ReminderTime, Moment]] = []
    stale: list[ReminderTime] = []
    for row in rows:
        course_session = sessions[row.session_id]
        moment = None
        if course_session.status is SessionStatus.SCHEDULED:
            plan = plan_for(course_session.course, settings.reminders)
            moment = moments(plan, course_session.starts_at, zone).get(row.kind)
        if moment is not None and now < moment.not_after:
            live.append((row, moment))
        else:
            stale.append(row)
    return live, stale


@dataclass(frozen=True)
class Send:
    """One reminder of one kind for one booking, ready to queue."""

    target: Target
    kind: ReminderKind
    course_session: CourseSession
    not_after: datetime


def _sends(
    session: Session,
    row: ReminderTime,
    moment: Moment,
    course_session: CourseSession,
    by_session: dict[int, list[Target]],
    now: datetime,
) -> list[Send]:
    not_after = moment.not_after
    targets = by_session.get(course_session.id, [])
    if row.kind is ReminderKind.TUTOR:
        # "Between sessions": only while another session of the course is still to come.
        following = _next_start(session, course_session)
        if following is None or following <= now:
            return []
        not_after = min(not_after, following)
    else:
        # Someone who told us they can't come is not asked again.
        targets = [target for target in targets if target.rsvp is not Rsvp.CANT_COME]
    return [Send(target, row.kind, course_session, not_after) for target in targets]
