"""A course's reminder plan, and the moments it gives for one session.

The plan is the course's own where staff set one, and the settings' default otherwise: the
day before at 10:00 local time, and on the day 2 hours before the start. Times are worked out
in the configured time zone and stored in UTC, so "10:00 the day before" stays 10:00 on the
wall clock across the clocks changing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.models import Course, ReminderKind
from bot.settings import ReminderSettings
from bot.time_windows import parse_clock_or_off

# The tutor's message goes at the day-before time, or at 10:00 if that reminder is off.
TUTOR_CLOCK = time(10, 0)


@dataclass(frozen=True)
class ReminderPlan:
    day_before_at: time | None
    hours_before: float  # 0 means no on-the-day reminder
    tutor_days_after: int | None  # None means no tutor message


def plan_for(course: Course, defaults: ReminderSettings) -> ReminderPlan:
    day_before = (
        defaults.day_before_at
        if course.reminder_day_before is None
        else parse_clock_or_off(course.reminder_day_before)
    )
    hours = (
        defaults.hours_before
        if course.reminder_hours_before is None
        else course.reminder_hours_before
    )
    tutor_days = (course.tutor_message_days_after or 2) if course.tutor_message else None
    return ReminderPlan(day_before, hours, tutor_days)


@dataclass(frozen=True)
class Moment:
    """When a reminder falls due, and the moment after which it is stale and must not go."""

    due_at: datetime
    not_after: datetime


def moments(plan: ReminderPlan, starts_at: datetime, zone: ZoneInfo) -> dict[ReminderKind, Moment]:
    """Each reminder kind the plan asks for, for a session starting at `starts_at` (UTC)."""
    local_day = starts_at.astimezone(zone).date()
    start_of_day = _utc(local_day, time(0, 0), zone)
    found: dict[ReminderKind, Moment] = {}
    if plan.day_before_at is not None:
        due = _utc(local_day - timedelta(days=1), plan.day_before_at, zone)
        # A day-before reminder that has not gone by midnight is not "the day before" any more.
        found[ReminderKind.DAY_BEFORE] = Moment(due, min(start_of_day, starts_at))
    if plan.hours_before > 0:
        due = starts_at - timedelta(hours=plan.hours_before)
        found[ReminderKind.ON_THE_DAY] = Moment(max(due, start_of_day), starts_at)
    if plan.tutor_days_after is not None:
        clock = plan.day_before_at or TUTOR_CLOCK
        due = _utc(local_day + timedelta(days=plan.tutor_days_after), clock, zone)
        found[ReminderKind.TUTOR] = Moment(due, due + timedelta(days=1))
    return found


def _utc(day, clock: time, zone: ZoneInfo) -> datetime:
    # A clock time the change skips (01:30 in spring) is read with the offset before the change,
    # which lands it an hour later in UTC terms; no reminder default sits in those hours.
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)
