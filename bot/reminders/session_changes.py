"""Changes to sessions and bookings, and everything each one must set off.

- Moving a session re-times its reminders, withdraws those queued for the old time, forgets
  answers about the old time, and tells the people booked the new day and time.
- Cancelling a session withdraws its reminders and tells the people booked; putting it back on
  plans them again and tells the people booked it is on.
- Taking a booking off withdraws that person's reminders for it.

"Withdraw" means a message not yet handed to a provider is cancelled, and its send key is freed
so that a reminder for the new time can be queued. A reminder already sent keeps its key:
nobody gets the same kind of reminder twice for one booking."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.enrolment import book_members
from bot.events import Reply
from bot.models import (
    Attendance,
    CourseSession,
    Enrolment,
    Message,
    MessageStatus,
    ReminderTime,
    Rsvp,
    SessionStatus,
    utcnow,
)
from bot.outbox import NOT_YET_SENT
from bot.reminders.audience import Target, bookings_on, queue_each, reachable
from bot.reminders.schedule import schedule_session
from bot.reminders.wording import session_notice
from bot.settings import Settings


def move_session(
    session: Session,
    course_session: CourseSession,
    starts_at: datetime,
    ends_at: datetime,
    settings: Settings,
    now: datetime,
) -> int:
    """Give the session a new time. Returns how many people were told it moved."""
    moved = starts_at != course_session.starts_at
    course_session.starts_at, course_session.ends_at = starts_at, ends_at
    if not moved:
        return 0
    _hold_reminders(session, course_session.id)
    withdraw(session, bookings_on([course_session.id], removed_too=True), now)
    _forget_answers(session, course_session.id)
    schedule_session(session, course_session, settings, rearm=True)
    if course_session.status is not SessionStatus.SCHEDULED or starts_at <= now:
        return 0
    return _tell_everyone_booked(session, course_session, "sessions.moved", settings, now)


def cancel_session(
    session: Session, course_session: CourseSession, settings: Settings, now: datetime
) -> int:
    """Call the session off. Returns how many people were told."""
    if course_session.status is SessionStatus.CANCELLED:
        return 0
    course_session.status = SessionStatus.CANCELLED
    _hold_reminders(session, course_session.id)
    withdraw(session, bookings_on([course_session.id], removed_too=True), now)
    schedule_session(session, course_session, settings)
    if course_session.starts_at <= now:
        return 0
    return _tell_everyone_booked(session, course_session, "sessions.cancelled", settings, now)


def restore_session(
    session: Session,
    course_session: CourseSession,
    settings: Settings,
    now: datetime | None = None,
) -> int:
    """Put a cancelled session back on: its reminders are planned again, and the people booked,
    who were told it was cancelled, are told it is on. Returns how many were told."""
    if course_session.status is SessionStatus.SCHEDULED:
        return 0
    now = now or utcnow()
    course_session.status = SessionStatus.SCHEDULED
    if course_session.starts_at <= now:
        return 0
    # Members who joined the course while it was off were not booked on it: book them now.
    book_members(session, course_session)
    schedule_session(session, course_session, settings, rearm=True)
    return _tell_everyone_booked(session, course_session, "sessions.back_on", settings, now)


def remove_booking(session: Session, enrolment: Enrolment, now: datetime) -> None:
    """Take one person off one session. Their row stays for the record."""
    if enrolment.removed_at is None:
        enrolment.removed_at = now
    _hold_reminders(session, enrolment.session_id)
    withdraw(session, select(Enrolment.id).where(Enrolment.id == enrolment.id), now)


def withdraw(
    session: Session, enrolment_ids, now: datetime, *, kinds: tuple[str, ...] | None = None
) -> int:
    """Cancel every not-yet-sent message about these bookings (of these kinds, if given) and
    free its send key."""
    conditions = [Message.enrolment_id.in_(enrolment_ids), Message.status.in_(NOT_YET_SENT)]
    if kinds is not None:
        conditions.append(Message.kind.in_(kinds))
    result = session.execute(
        update(Message)
        .where(*conditions)
        .values(status=MessageStatus.CANCELLED, status_changed_at=now, send_key=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def _hold_reminders(session: Session, session_id: int) -> None:
    """Lock the session's reminder rows before withdrawing (PostgreSQL; SQLite's write lock
    already serialises). A firing pass under way finishes first, so its messages are seen and
    withdrawn; a pass that starts later skips these rows until this change commits."""
    session.execute(
        select(ReminderTime.id).where(ReminderTime.session_id == session_id).with_for_update()
    )


def _forget_answers(session: Session, session_id: int) -> None:
    """An answer was about the old time: "can't come" on Tuesday says nothing about Thursday.

    The RSVP is cleared (the reason, their own words, is kept), and a "told us in advance"
    excusal that came from it goes back to unmarked."""
    session.execute(
        update(Enrolment)
        .where(
            Enrolment.session_id == session_id,
            Enrolment.rsvp == Rsvp.CANT_COME,
            Enrolment.attendance == Attendance.EXCUSED,
        )
        .values(attendance=Attendance.UNKNOWN)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Enrolment)
        .where(Enrolment.session_id == session_id, Enrolment.rsvp != Rsvp.NONE)
        .values(rsvp=Rsvp.NONE, rsvp_at=None)
        .execution_options(synchronize_session=False)
    )


def _tell_everyone_booked(
    session: Session, course_session: CourseSession, key: str, settings: Settings, now: datetime
) -> int:
    zone = ZoneInfo(settings.app.timezone)
    course = course_session.course
    # One key per change, not per start time: a session moved back to a time people heard of
    # before, or cancelled again after being put back on, must be announced again. Replaying
    # the same change is a no-op before it gets here (nothing changed), so the key need not be.
    change = f"{now:%Y%m%dT%H%M%S.%f}"
    # The same words for everyone who reads the same language: worded once per language.
    worded: dict[str, Reply] = {}

    def say(target: Target) -> Reply:
        if target.language not in worded:
            worded[target.language] = session_notice(
                key, course, course_session, target.language, zone
            )
        return worded[target.language]

    told = queue_each(
        session,
        reachable(session, [course_session.id]),
        say,
        key=lambda target: f"{key.split('.')[1]}:{target.enrolment_id}:{change}",
        now=now,
        not_after=lambda target: course_session.starts_at,
        bookings=bookings_on([course_session.id]),
    )
    return len(told)
