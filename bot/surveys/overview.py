"""What the staff pages for surveys read: every run with its group and how far people got, the
answers of one run (to link to a "you said, we did" action), the actions, and the group staff
chose on a form. Read-only queries; starting and changing runs is bot.surveys.runs, results
are bot.surveys.results and actions are bot.surveys.you_said."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from bot.importing.attendance import find_session
from bot.importing.local_times import LocalTimeError, local_to_utc
from bot.importing.rows import BadRow
from bot.importing.sessions import parse_clock, parse_date
from bot.models import (
    Action,
    ActionSource,
    Answer,
    Cohort,
    Course,
    CourseSession,
    InviteStatus,
    Message,
    Participant,
    RunKind,
    Survey,
    SurveyInvite,
    SurveyRun,
    SurveyRunStatus,
)
from bot.surveys import definitions
from bot.surveys.answering import SKIPPED
from bot.surveys.definitions import ENGLISH
from bot.surveys.runs import OPEN, RunError
from bot.surveys.you_said import ActionError

GROUPS = ("course", "session", "people")


@dataclass(frozen=True)
class Progress:
    invited: int = 0
    waiting: int = 0
    asking: int = 0
    done: int = 0
    stopped: int = 0
    expired: int = 0
    paused: int = 0  # sent a message suggesting risk: staff decide when to carry on


@dataclass(frozen=True)
class RunRow:
    id: int
    kind: RunKind
    # The survey's title for staff, or the group question as staff wrote it.
    name: str
    survey_key: str | None
    status: SurveyRunStatus
    cohort: Cohort
    course_code: str | None
    course_title: str | None
    session_starts_at: datetime | None
    starts_at: datetime
    expires_at: datetime
    progress: Progress

    @property
    def can_pause(self) -> bool:
        return self.status in (SurveyRunStatus.SCHEDULED, SurveyRunStatus.RUNNING)

    @property
    def can_resume(self) -> bool:
        return self.status is SurveyRunStatus.PAUSED

    @property
    def can_close(self) -> bool:
        return self.status in OPEN


@dataclass(frozen=True)
class AnswerRow:
    id: int
    pseudonym: str
    question: str
    words: str
    answered_at: datetime


@dataclass(frozen=True)
class ActionRow:
    id: int
    said: str
    did: str
    created_at: datetime
    told_at: datetime | None
    # How many people's answers or messages led to it: the most who could be told.
    contributors: int


@dataclass(frozen=True)
class SourceRow:
    """One answer or message that led to an action, for staff to check before telling."""

    pseudonym: str
    kind: str  # "answer" or "message"
    id: int
    words: str


@dataclass(frozen=True)
class Group:
    course: Course | None = None
    course_session: CourseSession | None = None
    people: tuple[Participant, ...] = ()


def all_runs(session: Session) -> list[RunRow]:
    """Every run, the newest first."""
    return _runs(session, None)


def one_run(session: Session, run_id: int) -> RunRow | None:
    found = _runs(session, run_id)
    return found[0] if found else None


def _runs(session: Session, run_id: int | None) -> list[RunRow]:
    session_course = aliased(Course)
    query = (
        select(
            SurveyRun,
            Survey.key,
            Survey.title,
            func.coalesce(Course.code, session_course.code),
            func.coalesce(Course.title, session_course.title),
            CourseSession.starts_at,
        )
        .outerjoin(Survey, Survey.id == SurveyRun.survey_id)
        .outerjoin(Course, Course.id == SurveyRun.course_id)
        .outerjoin(CourseSession, CourseSession.id == SurveyRun.session_id)
        .outerjoin(session_course, session_course.id == CourseSession.course_id)
        .order_by(SurveyRun.id.desc())
    )
    if run_id is not None:
        query = query.where(SurveyRun.id == run_id)
    rows = session.execute(query).all()
    if not rows:
        return []
    counts: dict[int, dict[InviteStatus, int]] = {}
    count_query = select(SurveyInvite.run_id, SurveyInvite.status, func.count()).group_by(
        SurveyInvite.run_id, SurveyInvite.status
    )
    if run_id is not None:
        count_query = count_query.where(SurveyInvite.run_id == run_id)
    for found_run, status, n in session.execute(count_query):
        counts.setdefault(found_run, {})[status] = n
    found = []
    for run, key, title, code, course_title, session_starts_at in rows:
        by_status = counts.get(run.id, {})
        if run.kind is RunKind.ASK:
            name = run.ask_text or ""
        else:
            definition = definitions.get(key or "")
            name = definition.title if definition else (title or f"run {run.id}")
        found.append(
            RunRow(
                id=run.id,
                kind=run.kind,
                name=name,
                survey_key=key,
                status=run.status,
                cohort=run.cohort,
                course_code=code,
                course_title=course_title,
                session_starts_at=session_starts_at,
                starts_at=run.starts_at,
                expires_at=run.expires_at,
                progress=Progress(
                    invited=sum(by_status.values()),
                    **{status.value: by_status.get(status, 0) for status in InviteStatus},
                ),
            )
        )
    return found


def run_answers(session: Session, run: SurveyRun) -> list[AnswerRow]:
    """The answers of a run that hold words (not the skipped ones), in the order they came."""
    if run.kind is RunKind.ASK:
        questions = {"ask": run.ask_text or ""}
    else:
        key = session.scalar(select(Survey.key).where(Survey.id == run.survey_id))
        definition = definitions.get(key or "")
        questions = (
            {q.key: q.text.in_language(ENGLISH) for q in definition.questions} if definition else {}
        )
    rows = session.execute(
        select(Answer, Participant.pseudonym)
        .join(Participant, Participant.id == Answer.participant_id)
        .where(
            Answer.run_id == run.id,
            Answer.raw_text.is_not(None),
            # A skip is no view to act on. NULL (free text) is kept: != alone would drop it.
            (Answer.parsed_value.is_(None)) | (Answer.parsed_value != SKIPPED),
        )
        .order_by(Answer.answered_at, Answer.id)
    ).all()
    return [
        AnswerRow(
            answer.id,
            pseudonym,
            questions.get(answer.question_key, answer.question_key),
            answer.raw_text or "",
            answer.answered_at,
        )
        for answer, pseudonym in rows
    ]


def all_actions(session: Session) -> list[ActionRow]:
    """Every "you said, we did" action, the newest first."""
    contributors = dict(
        session.execute(
            select(
                ActionSource.action_id, func.count(func.distinct(ActionSource.participant_id))
            ).group_by(ActionSource.action_id)
        ).all()
    )
    return [
        ActionRow(a.id, a.said, a.did, a.created_at, a.told_at, contributors.get(a.id, 0))
        for a in session.scalars(select(Action).order_by(Action.id.desc()))
    ]


def action_sources(session: Session, action_id: int) -> list[SourceRow]:
    rows = session.execute(
        select(ActionSource, Participant.pseudonym, Answer.raw_text, Message.body)
        .join(Participant, Participant.id == ActionSource.participant_id)
        .outerjoin(Answer, Answer.id == ActionSource.answer_id)
        .outerjoin(Message, Message.id == ActionSource.message_id)
        .where(ActionSource.action_id == action_id)
        .order_by(ActionSource.id)
    ).all()
    return [
        SourceRow(
            pseudonym,
            "answer" if source.answer_id is not None else "message",
            source.answer_id if source.answer_id is not None else source.message_id,
            (answer_words if source.answer_id is not None else body) or "",
        )
        for source, pseudonym, answer_words, body in rows
    ]


def choose_group(
    session: Session,
    zone: ZoneInfo,
    now: datetime,
    *,
    group: str,
    course_code: str = "",
    day: str = "",
    start: str = "",
    people: str = "",
) -> Group:
    """The group staff chose on a form: a course's members (by code), the people who came to
    one of its sessions (code, date and, if it met twice that day, the start), or people named
    by pseudonym. Anything missing or unknown is a RunError that says what to fix."""
    course_code, day, start = course_code.strip(), day.strip(), start.strip()
    if group not in GROUPS:
        raise RunError("choose who to ask: a course, a session, or named people")
    if group == "people":
        return Group(people=tuple(find_people(session, people)))
    if not course_code:
        raise RunError("give the course code")
    if group == "session":
        if not day:
            raise RunError("give the date of the session")
        try:
            clock = parse_clock("the start", start) if start else None
            found = find_session(session, course_code, parse_date(day), clock, zone, started_by=now)
        except BadRow as exc:
            raise RunError(str(exc)) from None
        return Group(course_session=found)
    course = session.scalar(select(Course).where(func.upper(Course.code) == course_code.upper()))
    if course is None:
        raise RunError(f"there is no course {course_code.upper()}")
    return Group(course=course)


def find_people(session: Session, listed: str) -> list[Participant]:
    """People named by pseudonym, separated by commas, spaces or new lines."""
    wanted = [p.upper() for p in listed.replace(",", " ").split()]
    if not wanted:
        raise RunError("name at least one person by pseudonym, like V-7KQ2")
    found = session.scalars(
        select(Participant).where(func.upper(Participant.pseudonym).in_(wanted))
    ).all()
    missing = sorted(set(wanted) - {p.pseudonym.upper() for p in found})
    if missing:
        raise RunError(f"no participant called {', '.join(missing)}")
    return sorted(found, key=lambda p: p.id)


def local_start(day: str, clock: str, zone: ZoneInfo) -> datetime | None:
    """A local start date and time (HH:MM; midnight if left out) as UTC, or None for now."""
    day, clock = day.strip(), clock.strip()
    if not day and not clock:
        return None
    if not day:
        raise RunError("give the date to start on, as well as the time")
    try:
        when: date = parse_date(day)
        at: time = parse_clock("the start time", clock) if clock else time(0, 0)
        return local_to_utc(when, at, zone)
    except (BadRow, LocalTimeError) as exc:
        raise RunError(str(exc)) from None


def parse_ids(values: Iterable[str]) -> list[int]:
    """Ticked boxes and typed numbers ("12, 15") as ids; anything else is an ActionError."""
    ids = []
    for value in values:
        for part in value.replace(",", " ").split():
            if not part.isdigit():
                raise ActionError(f'"{part}" is not a number: give message numbers like 12, 15')
            ids.append(int(part))
    return ids
