"""Marking attendance from a CSV file: one row per person per session.

Columns: course, date, start (needed only when the course meets twice that day), participant
(the pseudonym staff see, like V-7KQ2), attendance. The attendance words staff really use are
understood: attended, present, yes; missed, absent, no, dna; excused, cancelled; unknown.
Marking someone as missed sets off the follow-up (bot.attendance)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.attendance import mark
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
from bot.importing.sessions import parse_clock, parse_code, parse_date
from bot.models import (
    Attendance,
    Course,
    CourseSession,
    Enrolment,
    Participant,
    SessionStatus,
    utcnow,
)
from bot.settings import AppSettings, Settings

COLUMNS = Columns(
    required=("course", "date", "participant", "attendance"),
    optional=("start",),
)
WORDS = {
    Attendance.ATTENDED: ("attended", "present", "came", "yes", "y"),
    Attendance.MISSED: ("missed", "absent", "no", "n", "dna", "did not attend"),
    Attendance.EXCUSED: ("excused", "cancelled", "canceled", "sent apologies"),
    Attendance.UNKNOWN: ("unknown", "not marked"),
}
_BY_WORD = {word: mark for mark, words in WORDS.items() for word in words}
PSEUDONYM = re.compile(r"^V-[A-Z0-9]{2,12}$", re.IGNORECASE)


@dataclass(frozen=True)
class AttendanceRow:
    line: int
    enrolment_id: int
    attendance: Attendance


def read_attendance(text: str) -> Attendance:
    found = _BY_WORD.get(" ".join(text.lower().split()))
    if found is None:
        raise BadRow("attendance: write attended, missed, excused or unknown")
    return found


def find_session(
    session: Session,
    code: str,
    day: date,
    start: time | None,
    zone: ZoneInfo,
    *,
    started_by: datetime | None = None,
) -> CourseSession:
    """The one session of a course on a local date (and at a start time, if given).

    With `started_by`, a session that has not started by then is refused: attendance at a
    session still to come is a mistake (a wrong date), and "we missed you" must never go out
    before the session has happened."""
    try:
        begins = local_to_utc(day, time(0, 0), zone)
        ends = local_to_utc(date.fromordinal(day.toordinal() + 1), time(0, 0), zone)
    except LocalTimeError as exc:  # no zone changes at midnight, but never guess
        raise BadRow(str(exc)) from None
    except (OverflowError, ValueError):  # 9999-12-31 has no next day
        raise BadRow(f"{day.isoformat()} is too far ahead") from None
    found = session.scalars(
        select(CourseSession)
        .join(Course, Course.id == CourseSession.course_id)
        .where(
            func.upper(Course.code) == code.upper(),
            CourseSession.starts_at >= begins,
            CourseSession.starts_at < ends,
        )
        .order_by(CourseSession.starts_at)
    ).all()
    if start is not None:
        found = [s for s in found if s.starts_at.astimezone(zone).time() == start]
    # Nobody can miss a session that was called off.
    called_off = [s for s in found if s.status is not SessionStatus.SCHEDULED]
    found = [s for s in found if s.status is SessionStatus.SCHEDULED]
    code = code.upper()
    if not found and called_off:
        raise BadRow(f"course {code}'s session on {day.isoformat()} was cancelled")
    if not found:
        at = f" at {start:%H:%M}" if start else ""
        raise BadRow(f"course {code} has no session on {day.isoformat()}{at}")
    if len(found) > 1:
        times = ", ".join(f"{s.starts_at.astimezone(zone):%H:%M}" for s in found)
        raise BadRow(
            f"course {code} meets more than once on {day.isoformat()} ({times}): give the start"
        )
    if started_by is not None and found[0].starts_at > started_by:
        raise BadRow(f"course {code}'s session on {day.isoformat()} has not started yet")
    return found[0]


def find_booking(session: Session, course_session: CourseSession, pseudonym: str) -> Enrolment:
    enrolment = session.scalar(
        select(Enrolment)
        .join(Participant, Participant.id == Enrolment.participant_id)
        .where(
            Enrolment.session_id == course_session.id,
            func.upper(Participant.pseudonym) == pseudonym.strip().upper(),
            Enrolment.removed_at.is_(None),
        )
    )
    if enrolment is None:
        # A pseudonym is safe to repeat: it is what staff see instead of a name or number. Any
        # other cell (a name, a phone number in the wrong column) is not repeated.
        if PSEUDONYM.match(pseudonym.strip()):
            raise BadRow(f"{pseudonym.strip().upper()} is not booked on that session")
        raise BadRow("participant: write the pseudonym, like V-7KQ2")
    return enrolment


def check_attendance(
    session: Session, rows: list[CsvRow], app: AppSettings, now: datetime | None = None
) -> Checked[AttendanceRow]:
    checked: Checked[AttendanceRow] = Checked()
    zone = ZoneInfo(app.timezone)
    now = now or utcnow()
    seen: dict[int, int] = {}
    for row in rows:
        try:
            parsed = _parse(session, row, zone, now)
            if parsed.enrolment_id in seen:
                raise BadRow(f"the same person and session as line {seen[parsed.enrolment_id]}")
            seen[parsed.enrolment_id] = row.line
            checked.rows.append(parsed)
        except BadRow as exc:
            checked.errors.append(RowError(row.line, str(exc)))
    return checked


def _parse(session: Session, row: CsvRow, zone: ZoneInfo, now: datetime) -> AttendanceRow:
    if row.problem:
        raise BadRow(row.problem)
    values = row.values
    problems = Problems()
    code = problems.check(parse_code, values["course"])
    day = problems.check(parse_date, values["date"])
    start = problems.check(parse_clock, "start", values["start"]) if values.get("start") else None
    attendance = problems.check(read_attendance, values["attendance"])
    if not values["participant"].strip():
        problems.reasons.append("participant: write the pseudonym, like V-7KQ2")
    problems.raise_any()
    assert code is not None and day is not None and attendance is not None
    course_session = find_session(session, code, day, start, zone, started_by=now)
    enrolment = find_booking(session, course_session, values["participant"])
    return AttendanceRow(row.line, enrolment.id, attendance)


def apply_attendance(
    session: Session,
    checked: Checked[AttendanceRow],
    settings: Settings,
    *,
    on_row: Callable[[], None] | None = None,
    now: datetime | None = None,
) -> ImportReport:
    now = now or utcnow()

    def apply_one(row: AttendanceRow) -> Outcome:
        enrolment = session.get(Enrolment, row.enrolment_id)
        changed = mark(session, enrolment, row.attendance, settings, now)
        return Outcome.UPDATED if changed else Outcome.UNCHANGED

    return apply_each(session, checked, apply_one, "attendance", on_row)
