"""A course's reminder plan, and the moments it gives for one session.

The plan is the course's own where staff set one, and the settings' default otherwise: the
day before at 10:00 local time, and on the day 2 hours before the start. Times are worked out
in the configured time zone and stored in UTC, so "10:00 the day before" stays 10:00 on the
wall clock across the clocks changing.

Staff change a course's plan with `voices course plan` and on the course's admin page; both read
what was typed with the parse_* functions here, so both refuse exactly the same things."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.models import Course, ReminderKind
from bot.settings import ReminderSettings
from bot.time_windows import parse_clock_or_off

# The tutor's message goes at the day-before time, or at 10:00 if that reminder is off.
TUTOR_CLOCK = time(10, 0)
# It goes this many days after each session unless the course says otherwise, and at most this.
TUTOR_DAYS_DEFAULT = 2
TUTOR_DAYS_MAX = 14
HOURS_BEFORE_MAX = 24
# What staff type to put one part of a course's plan back on the settings' default.
DEFAULT = "default"


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
    tutor_days = (
        (course.tutor_message_days_after or TUTOR_DAYS_DEFAULT) if course.tutor_message else None
    )
    return ReminderPlan(day_before, hours, tutor_days)


def parse_day_before(text: str) -> str | None:
    """The day-before reminder's time as staff type it: "HH:MM", "off", or "default". Returns
    what Course.reminder_day_before stores ("HH:MM", "off", or None for the default).

    Raises ValueError saying why."""
    if not text.strip():
        raise ValueError(f'write a time like "10:00", or "off", or "{DEFAULT}"')
    if text.strip().lower() == DEFAULT:
        return None
    clock = parse_clock_or_off(text)
    return "off" if clock is None else f"{clock:%H:%M}"


def parse_hours_before(text: str) -> float | None:
    """The on-the-day reminder's hours before the start as staff type it: 0 (off) to 24, or
    "default". Returns what Course.reminder_hours_before stores (None for the default).

    Raises ValueError saying why."""
    if not text.strip():
        raise ValueError(f'write a number of hours, 0 for none, or "{DEFAULT}"')
    if text.strip().lower() == DEFAULT:
        return None
    try:
        hours = float(text)
    except ValueError:
        raise ValueError(f'"{text}" is not a number of hours') from None
    if not 0 <= hours <= HOURS_BEFORE_MAX:  # refuses "nan" and "inf" too
        raise ValueError(f"give 0 (off) to {HOURS_BEFORE_MAX} hours")
    return hours


def parse_tutor_days(text: str) -> int:
    """How many days after each session the tutor's message goes: a whole number, 1 to 14.

    Raises ValueError saying why."""
    if not text.strip():
        raise ValueError(f"write a number of days, 1 to {TUTOR_DAYS_MAX}")
    try:
        days = int(text.strip())
    except ValueError:
        raise ValueError(f'"{text}" is not a whole number of days') from None
    if not 1 <= days <= TUTOR_DAYS_MAX:
        raise ValueError(f"give 1 to {TUTOR_DAYS_MAX} days")
    return days


def describe(plan: ReminderPlan, zone: ZoneInfo) -> str:
    """The plan in a sentence, for `voices course plan` and the course page."""
    parts = [
        f"the day before at {plan.day_before_at:%H:%M}" if plan.day_before_at else "no day-before",
        f"on the day {plan.hours_before:g} h before" if plan.hours_before else "no on-the-day",
        f"the tutor's message {plan.tutor_days_after} days after"
        if plan.tutor_days_after
        else "no tutor's message",
    ]
    return ", ".join(parts) + f" ({zone.key} time)."


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
