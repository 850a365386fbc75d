"""Courses and their sessions as staff manage them by hand: what the course pages read, and the
few writes that have no other home (a new course, one new session, enrolling by pseudonym,
editing a course's details and plan, or a session's place).

Everything that sets off messages lives elsewhere and is called, not copied: moving, cancelling
and taking people off (bot.reminders.session_changes), booking (bot.enrolment), attendance
(bot.attendance). A session typed into a form is checked by the timetable import's own checks
(bot.importing.sessions), so a form and a CSV file refuse exactly the same things: a date that
is not real, a time the clocks skip or repeat, an end before the start. A course's reminder plan
and survey are read by the parsing `voices course plan` and `voices course survey` use
(bot.reminders.plan, bot.surveys.definitions), and a new plan re-plans the sessions still to come
as it does there (bot.reminders.schedule.reschedule_course)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.audit import record
from bot.enrolment import book_members, join_course
from bot.importing.rows import BadRow, CsvRow
from bot.importing.sessions import LIMITS, check_sessions, is_web_address, parse_code
from bot.models import (
    Attendance,
    Course,
    CourseMembership,
    CourseSession,
    Enrolment,
    Participant,
    ParticipantStatus,
    Rsvp,
    SessionStatus,
)
from bot.reminders.firing import catch_up
from bot.reminders.plan import (
    DEFAULT,
    TUTOR_DAYS_DEFAULT,
    parse_day_before,
    parse_hours_before,
    parse_tutor_days,
)
from bot.reminders.schedule import reschedule_course, schedule_session
from bot.settings import AppSettings, Settings
from bot.surveys import definitions

TITLE_MAX = 200  # Course.title
PSEUDONYM = re.compile(r"^V-[A-Z0-9]{2,12}$")
_SEPARATORS = re.compile(r"[\s,;]+")


class FormProblems(BadRow):
    """Everything wrong with a form, each reason with the field it is about, so the page can link
    each one to its box. Raised before anything is changed."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(reason for _, reason in problems))


@dataclass(frozen=True)
class CourseRow:
    id: int
    code: str
    title: str
    members: int
    next_session: datetime | None
    sessions: int


@dataclass(frozen=True)
class SessionSummary:
    id: int
    starts_at: datetime
    ends_at: datetime
    location: str | None
    online_url: str | None
    cancelled: bool
    booked: int
    unmarked: int


@dataclass(frozen=True)
class Booking:
    enrolment_id: int
    pseudonym: str
    name: str | None
    rsvp: Rsvp
    attendance: Attendance
    removed: bool


@dataclass(frozen=True)
class Edited:
    """What an edit changed: the form's field names (never their values), and how many sessions
    still to come had their reminders re-planned."""

    changed: list[str]
    replanned: int = 0


@dataclass(frozen=True)
class SessionTimes:
    """A session's times and place as typed into a form, checked and turned into UTC."""

    starts_at: datetime
    ends_at: datetime
    location: str | None
    online_url: str | None


# Reading -------------------------------------------------------------------------------------


def course_list(session: Session, now: datetime) -> list[CourseRow]:
    """Every course by code, with its member count and next session."""
    members = (
        select(CourseMembership.course_id, func.count().label("n"))
        .group_by(CourseMembership.course_id)
        .subquery()
    )
    upcoming = (
        select(
            CourseSession.course_id,
            func.min(CourseSession.starts_at).label("next_at"),
        )
        .where(CourseSession.starts_at > now, CourseSession.status == SessionStatus.SCHEDULED)
        .group_by(CourseSession.course_id)
        .subquery()
    )
    counted = (
        select(CourseSession.course_id, func.count().label("n"))
        .group_by(CourseSession.course_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Course.id,
            Course.code,
            Course.title,
            func.coalesce(members.c.n, 0),
            upcoming.c.next_at,
            func.coalesce(counted.c.n, 0),
        )
        .outerjoin(members, members.c.course_id == Course.id)
        .outerjoin(upcoming, upcoming.c.course_id == Course.id)
        .outerjoin(counted, counted.c.course_id == Course.id)
        .order_by(Course.code)
    ).all()
    return [CourseRow(*row) for row in rows]


def course_sessions(session: Session, course_id: int) -> list[SessionSummary]:
    """The course's sessions, oldest first, each with its live bookings and how many of those
    are not marked yet."""
    live = Enrolment.removed_at.is_(None)
    rows = session.execute(
        select(
            CourseSession.id,
            CourseSession.starts_at,
            CourseSession.ends_at,
            CourseSession.location,
            CourseSession.online_url,
            CourseSession.status,
            func.count(Enrolment.id),
            func.count(Enrolment.id).filter(Enrolment.attendance == Attendance.UNKNOWN),
        )
        .outerjoin(Enrolment, (Enrolment.session_id == CourseSession.id) & live)
        .where(CourseSession.course_id == course_id)
        .group_by(CourseSession.id)
        .order_by(CourseSession.starts_at, CourseSession.id)
    ).all()
    return [
        SessionSummary(
            id,
            starts_at,
            ends_at,
            location,
            online_url,
            status is SessionStatus.CANCELLED,
            int(booked),
            int(unmarked),
        )
        for id, starts_at, ends_at, location, online_url, status, booked, unmarked in rows
    ]


def member_count(session: Session, course_id: int) -> int:
    return session.scalar(select(func.count()).where(CourseMembership.course_id == course_id)) or 0


def bookings(session: Session, session_id: int) -> list[Booking]:
    """Everyone booked on the session, by pseudonym; people taken off come last."""
    rows = session.execute(
        select(
            Enrolment.id,
            Participant.pseudonym,
            Participant.display_name,
            Enrolment.rsvp,
            Enrolment.attendance,
            Enrolment.removed_at,
        )
        .join(Participant, Participant.id == Enrolment.participant_id)
        .where(Enrolment.session_id == session_id)
        .order_by(Enrolment.removed_at.is_not(None), Participant.pseudonym)
    ).all()
    return [
        Booking(id, pseudonym, name, rsvp, attendance, removed_at is not None)
        for id, pseudonym, name, rsvp, attendance, removed_at in rows
    ]


# Writing -------------------------------------------------------------------------------------


def create_course(session: Session, code: str, title: str, *, staff_user_id: int) -> Course:
    """A new course. Raises BadRow, saying why, for a bad or taken code or a bad title."""
    problems = []
    try:
        code = parse_code(code.strip())
    except BadRow as exc:
        problems.append(str(exc))
    try:
        title = _title(title)
    except BadRow as exc:
        problems.append(str(exc))
    if problems:
        raise BadRow("; ".join(problems))
    taken = session.scalar(select(Course.id).where(func.upper(Course.code) == code))
    if taken is not None:
        raise BadRow(f"there is already a course {code}")
    course = Course(code=code, title=title)
    session.add(course)
    session.flush()
    record(session, "course.created", staff_user_id=staff_user_id, target=course)
    return course


def check_session_times(
    session: Session,
    course: Course,
    values: dict[str, str],
    app: AppSettings,
) -> SessionTimes:
    """Check a session typed into a form (date, start, end, location, online_url) with the
    timetable import's own checks. Raises BadRow with every problem found."""
    row = CsvRow(
        line=1,
        values={
            "course": course.code,
            "date": values.get("date", "").strip(),
            "start": values.get("start", "").strip(),
            "end": values.get("end", "").strip(),
            "location": values.get("location", "").strip(),
            "online_url": values.get("online_url", "").strip(),
        },
    )
    checked = check_sessions(session, [row], app)
    if checked.errors:
        raise BadRow(checked.errors[0].reason)
    parsed = checked.rows[0]
    return SessionTimes(parsed.starts_at, parsed.ends_at, parsed.location, parsed.online_url)


def add_session(
    session: Session,
    course: Course,
    times: SessionTimes,
    settings: Settings,
    now: datetime,
    *,
    staff_user_id: int,
) -> CourseSession:
    """One new session: its course's members are booked on it (if it is still to come) and its
    reminders are planned, as for a session imported from a timetable.

    Raises BadRow if the course already meets at that time: a second session at the same start
    is a double entry, and the timetable import would update the first rather than add one."""
    clash = session.scalar(
        select(CourseSession.id).where(
            CourseSession.course_id == course.id, CourseSession.starts_at == times.starts_at
        )
    )
    if clash is not None:
        raise BadRow("this course already has a session starting at that time")
    created = CourseSession(
        course_id=course.id,
        starts_at=times.starts_at,
        ends_at=times.ends_at,
        location=times.location,
        online_url=times.online_url,
        status=SessionStatus.SCHEDULED,
    )
    session.add(created)
    session.flush()
    if created.starts_at > now:
        book_members(session, created)
    schedule_session(session, created, settings)
    record(session, "session.created", staff_user_id=staff_user_id, target=created)
    return created


def read_pseudonyms(text: str) -> list[str]:
    """Pseudonyms typed one or more to a line, or separated by commas, upper case, each once.

    Raises BadRow for anything that is not a pseudonym, without repeating it: a phone number
    typed in the wrong box must not be echoed back onto the page."""
    words = [word.upper() for word in _SEPARATORS.split(text) if word]
    if not words:
        raise BadRow("write at least one pseudonym, like V-7KQ2")
    odd = [word for word in words if not PSEUDONYM.match(word)]
    if odd:
        some = "1 entry is" if len(odd) == 1 else f"{len(odd)} entries are"
        raise BadRow(f"{some} not a pseudonym: write them like V-7KQ2")
    return list(dict.fromkeys(words))


def enrol(
    session: Session,
    course: Course,
    pseudonyms: list[str],
    settings: Settings,
    now: datetime,
    *,
    staff_user_id: int,
) -> list[str]:
    """Make each person a member of the course, booked on every session still to come, as JOIN
    does. All or nobody: raises BadRow naming the pseudonyms that cannot be enrolled. Returns
    the pseudonyms newly enrolled or booked."""
    found = dict(
        session.execute(
            select(func.upper(Participant.pseudonym), Participant).where(
                func.upper(Participant.pseudonym).in_(pseudonyms)
            )
        ).all()
    )
    unknown = [p for p in pseudonyms if p not in found]
    erased = [p for p in pseudonyms if p in found and found[p].status is ParticipantStatus.ERASED]
    problems = []
    if unknown:
        problems.append(f"nobody has the pseudonym {', '.join(unknown)}")
    if erased:
        problems.append(f"{', '.join(erased)} asked to be erased, so cannot be enrolled")
    if problems:
        raise BadRow("; ".join(problems))
    added = []
    for pseudonym in pseudonyms:
        participant = found[pseudonym]
        if join_course(session, participant.id, course.id, now):
            added.append(participant)
    for participant in added:
        # Enrolled after a reminder went (10:05 the day before): they still get it, as with JOIN.
        catch_up(session, settings, participant.id, now)
    record(
        session,
        "course.enrol",
        staff_user_id=staff_user_id,
        target=course,
        detail={"participants": [p.id for p in added]},
    )
    return [p.pseudonym for p in added]


# Editing -------------------------------------------------------------------------------------

# The course's edit form: each field, and the Course attribute it sets.
COURSE_FIELDS = {
    "title": "title",
    "location": "location",
    "online_url": "online_url",
    "day_before": "reminder_day_before",
    "hours_before": "reminder_hours_before",
    "tutor_message": "tutor_message",
    "tutor_days": "tutor_message_days_after",
    "survey": "survey_after_session",
}
# A change to any of these re-plans the reminders of the sessions still to come.
PLAN_FIELDS = frozenset({"day_before", "hours_before", "tutor_message", "tutor_days"})


def course_form(course: Course) -> dict[str, str]:
    """The course as its edit form shows it: "default" where it follows the settings."""
    hours = course.reminder_hours_before
    return {
        "title": course.title,
        "location": course.location or "",
        "online_url": course.online_url or "",
        "day_before": course.reminder_day_before or DEFAULT,
        "hours_before": DEFAULT if hours is None else f"{hours:g}",
        "tutor_message": course.tutor_message or "",
        "tutor_days": str(course.tutor_message_days_after or TUTOR_DAYS_DEFAULT),
        "survey": course.survey_after_session or DEFAULT,
    }


def edit_course(
    session: Session,
    course: Course,
    values: dict[str, str],
    settings: Settings,
    now: datetime,
    *,
    staff_user_id: int,
) -> Edited:
    """Change a course's title, place, online link, reminder plan, tutor's message and survey
    after each session, as typed into its edit form (course_form's fields).

    The plan is read as `voices course plan` reads it, and a new plan re-plans every session
    still to come (reminders already sent stay sent). Raises FormProblems, with every problem
    and before changing anything, if any field is wrong."""
    wanted = _read(
        values,
        {
            "title": _title,
            "location": _place,
            "online_url": _link,
            "day_before": parse_day_before,
            "hours_before": parse_hours_before,
            "tutor_message": _tutor_message,
            "tutor_days": parse_tutor_days,
            "survey": definitions.after_session_choice,
        },
    )
    changed = sorted(name for name, value in wanted.items() if not _same(course, name, value))
    if not changed:
        return Edited([])
    for name in changed:
        setattr(course, COURSE_FIELDS[name], wanted[name])
    replanned = 0
    if PLAN_FIELDS.intersection(changed):
        session.flush()
        replanned = reschedule_course(session, course, settings, now)
    record(
        session,
        "course.edit",
        staff_user_id=staff_user_id,
        target=course,
        detail={"changed": changed},
    )
    return Edited(changed, replanned)


def edit_session(
    session: Session, course_session: CourseSession, values: dict[str, str], *, staff_user_id: int
) -> Edited:
    """Change a session's place and online link (its time is changed by moving it, which tells
    people). Reminders not yet sent give the new place, as they are written when they go.
    Raises FormProblems, before changing anything, if either is wrong."""
    wanted = _read(values, {"location": _place, "online_url": _link})
    changed = sorted(
        name for name, value in wanted.items() if getattr(course_session, name) != value
    )
    if not changed:
        return Edited([])
    for name in changed:
        setattr(course_session, name, wanted[name])
    record(
        session,
        "session.edit",
        staff_user_id=staff_user_id,
        target=course_session,
        detail={"changed": changed},
    )
    return Edited(changed)


def _read(values: dict[str, str], readers: dict[str, Callable[[str], object]]) -> dict:
    """Each field read by its reader; every problem is collected, then raised together."""
    wanted: dict[str, object] = {}
    problems: list[tuple[str, str]] = []
    for name, read in readers.items():
        try:
            wanted[name] = read(values.get(name, ""))
        except ValueError as exc:  # BadRow is one too
            problems.append((name, str(exc)))
    if problems:
        raise FormProblems(problems)
    return wanted


def _same(course: Course, name: str, value: object) -> bool:
    stored = getattr(course, COURSE_FIELDS[name])
    if name == "tutor_days":
        # Unset means the default, so typing the default in is no change.
        stored = stored or TUTOR_DAYS_DEFAULT
    return stored == value


def _title(text: str) -> str:
    title = text.strip()
    if not title:
        raise BadRow("the course needs a title")
    if len(title) > TITLE_MAX:
        raise BadRow(f"the title is longer than {TITLE_MAX} characters")
    return title


def _place(text: str) -> str | None:
    place = text.strip()
    if len(place) > LIMITS["location"]:
        raise BadRow(f"the place is longer than {LIMITS['location']} characters")
    return place or None


def _link(text: str) -> str | None:
    """An online link, checked as a session's link is in a timetable: http or https only."""
    link = text.strip()
    if len(link) > LIMITS["online_url"]:
        raise BadRow(f"the online link is longer than {LIMITS['online_url']} characters")
    if link and not is_web_address(link):
        raise BadRow("the online link must be a web address starting with http:// or https://")
    return link or None


def _tutor_message(text: str) -> str | None:
    """Sent exactly as written; an empty box means no message (`--no-tutor-message`)."""
    message = text.replace("\r\n", "\n").strip()
    return message or None
