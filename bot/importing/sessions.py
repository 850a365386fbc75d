"""Importing course sessions from a timetable CSV.

A session is known by (course, ref) when the timetable gives a ref, else by (course, start
time), so importing the same timetable again updates sessions instead of doubling them.
Times are local wall-clock times in the service's time zone, stored as aware UTC.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.enrolment import book_members
from bot.importing.local_times import LocalTimeError, local_to_utc
from bot.importing.rows import (
    BadRow,
    Checked,
    Columns,
    CsvRow,
    ImportReport,
    Outcome,
    Problems,
    RowError,
    apply_each,
)
from bot.models import Course, CourseSession, SessionStatus, utcnow
from bot.reminders.schedule import schedule_session
from bot.reminders.session_changes import cancel_session, move_session, restore_session
from bot.settings import AppSettings, Settings

COLUMNS = Columns(
    required=("course", "date", "start", "end"),
    optional=("title", "location", "online_url", "ref", "status"),
)
# The longest each text may be: the model's column sizes.
LIMITS = {"title": 200, "location": 200, "online_url": 500, "ref": 64}
_CODE = re.compile(r"^[A-Z0-9_-]{1,20}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


@dataclass(frozen=True)
class SessionRow:
    line: int
    course: str  # the code, upper case
    title: str | None
    starts_at: datetime
    ends_at: datetime
    location: str | None
    online_url: str | None
    ref: str | None
    # Empty leaves the stored status alone; "cancelled" calls the session off.
    status: SessionStatus | None = None

    @property
    def key(self) -> tuple[str, str, object]:
        return (self.course, "ref", self.ref) if self.ref else (self.course, "at", self.starts_at)


def check_sessions(session: Session, rows: list[CsvRow], app: AppSettings) -> Checked[SessionRow]:
    """Parse every row, collecting each bad one. Reads courses; writes nothing."""
    checked: Checked[SessionRow] = Checked()
    zone = ZoneInfo(app.timezone)
    known = {code.upper() for code in session.scalars(select(Course.code))}
    titles = _new_course_titles(rows, known)
    first_line: dict[tuple[str, str, object], int] = {}
    for row in rows:
        try:
            parsed = _parse(row, zone)
            if parsed.course not in known and parsed.course not in titles:
                raise BadRow(f"there is no course {parsed.course} yet, so the row needs a title")
            if parsed.key in first_line:
                raise BadRow(f"the same session as line {first_line[parsed.key]}")
            first_line[parsed.key] = row.line
            checked.rows.append(replace(parsed, title=titles.get(parsed.course)))
        except BadRow as exc:
            checked.errors.append(RowError(row.line, str(exc)))
    return checked


def _new_course_titles(rows: list[CsvRow], known: set[str]) -> dict[str, str]:
    """A new course needs a title on one of its rows, not all of them; the first one wins."""
    titles: dict[str, str] = {}
    for row in rows:
        code, title = row.values["course"].upper(), row.values.get("title", "")
        if code not in known and title and len(title) <= LIMITS["title"]:
            titles.setdefault(code, title)
    return titles


def _parse(row: CsvRow, zone: ZoneInfo) -> SessionRow:
    if row.problem:
        raise BadRow(row.problem)
    values = row.values
    problems = Problems()
    course = problems.check(parse_code, values["course"])
    day = problems.check(parse_date, values["date"])
    start = problems.check(parse_clock, "start", values["start"])
    end = problems.check(parse_clock, "end", values["end"])
    texts = {name: problems.check(_text, name, values.get(name, "")) for name in LIMITS}
    problems.check(_web_address, texts["online_url"])
    status = problems.check(_status, values.get("status", ""))
    problems.raise_any()
    # Every parser above raises rather than return None for a required value.
    assert course is not None and day is not None and start is not None and end is not None
    starts_at, ends_at = _moments(day, start, end, zone)
    return SessionRow(
        row.line,
        course,
        title=texts["title"],
        starts_at=starts_at,
        ends_at=ends_at,
        location=texts["location"],
        online_url=texts["online_url"],
        ref=texts["ref"],
        status=status,
    )


def _status(text: str) -> SessionStatus | None:
    word = text.strip().lower()
    if not word:
        return None
    if word in ("cancelled", "canceled"):
        return SessionStatus.CANCELLED
    if word == "scheduled":
        return SessionStatus.SCHEDULED
    raise BadRow("status: write scheduled or cancelled, or leave it empty")


def parse_code(text: str) -> str:
    code = text.upper()
    if not _CODE.match(code):
        raise BadRow("the course code must be 1 to 20 letters, digits, - or _")
    return code


def parse_date(text: str) -> date:
    try:
        if _DATE.match(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise BadRow("the date must be a real date written YYYY-MM-DD, like 2026-03-29")


def parse_clock(column: str, text: str) -> time:
    match = _CLOCK.match(text)
    try:
        if match:
            return time(int(match[1]), int(match[2]))
    except ValueError:
        pass
    raise BadRow(f"{column} must be a time written HH:MM, like 09:30")


def _text(column: str, text: str) -> str | None:
    if len(text) > LIMITS[column]:
        raise BadRow(f"{column} is longer than {LIMITS[column]} characters")
    return text or None


def is_web_address(url: str) -> bool:
    """An http:// or https:// address with a host: the only online link a session (or, on the
    course page, a course) may have, so a link in a reminder is never javascript: or a file."""
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[::1" and the like
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _web_address(url: str | None) -> None:
    if url and not is_web_address(url):
        raise BadRow("online_url must be a web address starting with http:// or https://")


def _moments(day: date, start: time, end: time, zone: ZoneInfo) -> tuple[datetime, datetime]:
    problems = Problems()
    starts_at = problems.check(_utc, "start", day, start, zone)
    ends_at = problems.check(_utc, "end", day, end, zone)
    problems.raise_any()
    assert starts_at is not None and ends_at is not None
    if ends_at <= starts_at:
        raise BadRow("end must be after start (a session cannot run past midnight)")
    return starts_at, ends_at


def _utc(column: str, day: date, clock: time, zone: ZoneInfo) -> datetime:
    try:
        return local_to_utc(day, clock, zone)
    except LocalTimeError as exc:
        raise BadRow(f"{column}: {exc}") from None


def apply_sessions(
    session: Session,
    checked: Checked[SessionRow],
    settings: Settings,
    *,
    on_row: Callable[[], None] | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """Create or update each good row, then audit the counts. Bad rows count as skipped."""
    now = now or utcnow()
    courses: dict[str, Course] = {}

    def apply_one(row: SessionRow) -> Outcome:
        course = courses.get(row.course) or _course(session, row)
        courses[row.course] = course
        return _apply(session, course, row, settings, now)

    return apply_each(session, checked, apply_one, "sessions", on_row)


def _course(session: Session, row: SessionRow) -> Course:
    course = session.scalar(select(Course).where(func.upper(Course.code) == row.course))
    if course is None:
        # check_sessions gave every row of a new course the title from one of its rows.
        course = Course(code=row.course, title=row.title or row.course)
        session.add(course)
        session.flush()
    return course


def _apply(
    session: Session, course: Course, row: SessionRow, settings: Settings, now: datetime
) -> Outcome:
    existing = _find(session, course, row)
    if existing is None:
        created = CourseSession(
            course_id=course.id,
            ref=row.ref,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            location=row.location,
            online_url=row.online_url,
            status=row.status or SessionStatus.SCHEDULED,
        )
        session.add(created)
        session.flush()
        if created.starts_at > now:
            book_members(session, created)
        schedule_session(session, created, settings)
        return Outcome.CREATED
    changed = _update(existing, row)
    # A new time or status is more than an edit: reminders follow, and people are told. A row
    # that both cancels and moves a session cancels first, so people hear only "cancelled", for
    # the time they knew.
    if row.status is SessionStatus.CANCELLED and existing.status is not SessionStatus.CANCELLED:
        cancel_session(session, existing, settings, now)
        changed = True
    if existing.starts_at != row.starts_at or existing.ends_at != row.ends_at:
        move_session(session, existing, row.starts_at, row.ends_at, settings, now)
        changed = True
    if row.status is SessionStatus.SCHEDULED and existing.status is SessionStatus.CANCELLED:
        restore_session(session, existing, settings, now)
        changed = True
    elif not changed and existing.starts_at > now:
        # Make sure its reminders are planned: a session from before reminders existed has
        # none. Safe to repeat: it only ever makes the rows match the session.
        schedule_session(session, existing, settings)
    return Outcome.UPDATED if changed else Outcome.UNCHANGED


def _find(session: Session, course: Course, row: SessionRow) -> CourseSession | None:
    where = CourseSession.ref == row.ref if row.ref else CourseSession.starts_at == row.starts_at
    return session.scalar(
        select(CourseSession)
        .where(CourseSession.course_id == course.id, where)
        .order_by(CourseSession.id)
        .limit(1)
    )


def _update(existing: CourseSession, row: SessionRow) -> bool:
    # An empty optional cell leaves what is stored alone, as in the participants import.
    wanted = {
        "location": row.location,
        "online_url": row.online_url,
    }
    changed = False
    for attribute, value in wanted.items():
        if value is not None and getattr(existing, attribute) != value:
            setattr(existing, attribute, value)
            changed = True
    return changed
