"""Did-not-attend (DNA) rates per session, per course and per month, with RSVP and response
rates alongside, and the p-chart of the DNA rate by session.

Definitions, written down because every chart depends on them:
- booked: bookings not taken off (removed bookings are left out of every count);
- DNA rate = missed / (attended + missed). Excused (told us in advance, or staff said so) is a
  cancellation, not a DNA, and unmarked bookings are not counted until someone marks them;
  `unmarked` is reported so a half-marked session is visible rather than silently low;
- RSVP rate = bookings with an RSVP answer / booked;
- response rate = reminded bookings with an RSVP answer / reminded bookings, where reminded
  means a reminder for it reached the provider (sent, delivered or undelivered).
Months are calendar months in the service's time zone, by the session's start.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import Session

from bot.models import (
    Attendance,
    Course,
    CourseSession,
    Enrolment,
    Message,
    MessageStatus,
    Rsvp,
    SessionStatus,
)
from bot.p_chart import PChart, Sample, p_chart

REACHED_PROVIDER = (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.UNDELIVERED)


@dataclass(frozen=True)
class Tally:
    label: str
    booked: int = 0
    attended: int = 0
    missed: int = 0
    excused: int = 0
    unmarked: int = 0
    answered: int = 0  # bookings with an RSVP
    reminded: int = 0
    reminded_answered: int = 0

    @property
    def dna_rate(self) -> float | None:
        marked = self.attended + self.missed
        return self.missed / marked if marked else None

    @property
    def rsvp_rate(self) -> float | None:
        return self.answered / self.booked if self.booked else None

    @property
    def response_rate(self) -> float | None:
        return self.reminded_answered / self.reminded if self.reminded else None

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.label,
            *(getattr(self, name) + getattr(other, name) for name in _COUNTS),
        )


_COUNTS = (
    "booked",
    "attended",
    "missed",
    "excused",
    "unmarked",
    "answered",
    "reminded",
    "reminded_answered",
)


@dataclass(frozen=True)
class SessionTally:
    session_id: int
    course_code: str
    starts_at: datetime
    tally: Tally


def by_session(
    session: Session,
    zone: ZoneInfo,
    *,
    course_code: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[SessionTally]:
    """One tally per scheduled session, oldest first. Pass `until` (say, now) to leave out
    sessions still to come, whose bookings cannot be marked yet."""
    conditions = [
        Enrolment.removed_at.is_(None),
        CourseSession.status == SessionStatus.SCHEDULED,
    ]
    if course_code is not None:
        conditions.append(func.upper(Course.code) == course_code.upper())
    if since is not None:
        conditions.append(CourseSession.starts_at >= since)
    if until is not None:
        conditions.append(CourseSession.starts_at < until)

    def count(condition) -> object:
        return func.sum(case((condition, 1), else_=0))

    rows = session.execute(
        select(
            CourseSession.id,
            Course.code,
            CourseSession.starts_at,
            func.count(Enrolment.id),
            count(Enrolment.attendance == Attendance.ATTENDED),
            count(Enrolment.attendance == Attendance.MISSED),
            count(Enrolment.attendance == Attendance.EXCUSED),
            count(Enrolment.attendance == Attendance.UNKNOWN),
            count(Enrolment.rsvp != Rsvp.NONE),
        )
        .join(Course, Course.id == CourseSession.course_id)
        .join(Enrolment, Enrolment.session_id == CourseSession.id)
        .where(*conditions)
        .group_by(CourseSession.id, Course.code, CourseSession.starts_at)
        .order_by(CourseSession.starts_at, CourseSession.id)
    ).all()
    reminded = _reminded(session, conditions)
    tallies = []
    for session_id, code, starts_at, *counts in rows:
        sent, sent_answered = reminded.get(session_id, (0, 0))
        label = f"{code} {starts_at.astimezone(zone):%Y-%m-%d %H:%M}"
        tally = Tally(label, *(int(n or 0) for n in counts), sent, sent_answered)
        tallies.append(SessionTally(session_id, code, starts_at, tally))
    return tallies


def _reminded(session: Session, conditions: list) -> dict[int, tuple[int, int]]:
    """Per session: bookings a reminder reached the provider for, and how many of those answered."""
    rows = session.execute(
        select(
            Enrolment.session_id,
            func.count(distinct(Enrolment.id)),
            func.count(distinct(case((Enrolment.rsvp != Rsvp.NONE, Enrolment.id)))),
        )
        .join(Message, Message.enrolment_id == Enrolment.id)
        .join(CourseSession, CourseSession.id == Enrolment.session_id)
        .join(Course, Course.id == CourseSession.course_id)
        .where(*conditions, Message.kind == "reminder", Message.status.in_(REACHED_PROVIDER))
        .group_by(Enrolment.session_id)
    ).all()
    return {session_id: (int(sent), int(answered)) for session_id, sent, answered in rows}


def by_course(sessions: Iterable[SessionTally]) -> list[Tally]:
    return _group(sessions, lambda s: s.course_code)


def by_month(sessions: Iterable[SessionTally], zone: ZoneInfo) -> list[Tally]:
    return _group(sessions, lambda s: f"{s.starts_at.astimezone(zone):%Y-%m}")


def _group(sessions: Iterable[SessionTally], key: Callable[[SessionTally], str]) -> list[Tally]:
    groups: dict[str, Tally] = {}
    for item in sessions:
        label = key(item)
        groups[label] = groups.get(label, Tally(label)) + item.tally
    return [groups[label] for label in sorted(groups)]


def dna_chart(sessions: Iterable[SessionTally]) -> PChart:
    """The p-chart of the DNA rate, one point per session: missed out of attended + missed."""
    return p_chart(
        [
            Sample(item.tally.label, item.tally.missed, item.tally.attended + item.tally.missed)
            for item in sessions
        ]
    )
