"""Starting a survey or an "ask the group" question for a cohort, and pausing, resuming or
closing it. The questions themselves go out from the worker (bot.surveys.stepping).

Who is asked is settled when the run starts (or resumes): the members of a course then, or the
people staff named. A session's run keeps adding people as staff mark them as having come,
until it expires.
Only people who are active, said yes to surveys and can be reached are invited.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import (
    Attendance,
    Cohort,
    ConsentPurpose,
    ConversationState,
    Course,
    CourseMembership,
    CourseSession,
    Enrolment,
    InviteStatus,
    Participant,
    ParticipantStatus,
    PendingQuestion,
    RunKind,
    SessionStatus,
    Survey,
    SurveyInvite,
    SurveyRun,
    SurveyRunStatus,
)
from bot.reminders.audience import insert_rows, said_yes
from bot.sending.broadcast import best_addresses
from bot.settings import Settings
from bot.surveys import definitions

# A session's survey is started up to a day late (a worker that was down), never later: a
# survey about last week, or a burst for every past session the day this is switched on, is
# worse than none.
LOOKBACK = timedelta(days=1)
OPEN = (SurveyRunStatus.SCHEDULED, SurveyRunStatus.RUNNING, SurveyRunStatus.PAUSED)
UNFINISHED = (InviteStatus.WAITING, InviteStatus.ASKING, InviteStatus.PAUSED)


class RunError(ValueError):
    """A run that cannot be started or changed; the message is for staff."""


def survey_row(session: Session, definition: definitions.SurveyDefinition) -> Survey:
    """The database row for a survey file, made the first time the survey is run."""
    row = session.scalar(select(Survey).where(Survey.key == definition.key))
    if row is None:
        row = Survey(key=definition.key, title=definition.title)
        session.add(row)
        session.flush()
    return row


def create_run(
    session: Session,
    settings: Settings,
    *,
    now: datetime,
    survey_key: str | None = None,
    ask_text: str | None = None,
    course: Course | None = None,
    course_session: CourseSession | None = None,
    people: Iterable[Participant] = (),
    starts_at: datetime | None = None,
    expire_after_days: int | None = None,
    staff_id: int | None = None,
) -> SurveyRun:
    """A survey (`survey_key`) or a group question (`ask_text`) for one cohort: a course, the
    people who came to a session, or the people named."""
    if (survey_key is None) == (ask_text is None):
        raise RunError("give a survey or a question, not both")
    chosen = list(people)
    if sum((course is not None, course_session is not None, bool(chosen))) != 1:
        raise RunError("choose one group: a course, a session, or a list of people")
    survey_id = None
    if survey_key is not None:
        definition = definitions.get(survey_key)
        if definition is None:
            known = ", ".join(sorted(definitions.shipped()))
            raise RunError(f'there is no survey "{survey_key}". The surveys are: {known}')
        survey_id = survey_row(session, definition).id
        if course_session is not None:
            earlier = session.scalar(
                select(SurveyRun.id).where(
                    SurveyRun.survey_id == survey_id, SurveyRun.session_id == course_session.id
                )
            )
            if earlier is not None:
                # A session is surveyed once, by hand or after it ends; the database holds to it.
                raise RunError(f"that session already has this survey: see run {earlier}")
    elif not ask_text.strip():
        raise RunError("the question is empty")
    starts_at = max(starts_at or now, now)
    days = expire_after_days or settings.surveys.expire_after_days
    expires_at = starts_at + timedelta(days=days)
    nudge_at = starts_at + timedelta(days=settings.surveys.nudge_after_days)
    if course is not None:
        cohort = Cohort.COURSE
    elif course_session is not None:
        cohort = Cohort.SESSION
    else:
        cohort = Cohort.LIST
    run = SurveyRun(
        kind=RunKind.SURVEY if survey_key else RunKind.ASK,
        survey_id=survey_id,
        ask_text=ask_text,
        cohort=cohort,
        course_id=course.id if course else None,
        session_id=course_session.id if course_session else None,
        starts_at=starts_at,
        expires_at=expires_at,
        # A nudge after the end would never go; one on the last day is still a nudge.
        nudge_at=nudge_at if nudge_at < expires_at else None,
        created_by_id=staff_id,
        created_at=now,
    )
    session.add(run)
    session.flush()
    if cohort is Cohort.LIST:
        invite(session, run, [person.id for person in chosen], now)
    return run


def cohort_ids(session: Session, run: SurveyRun) -> list[int]:
    """Everyone in the run's group now, whether or not they can be asked."""
    if run.cohort is Cohort.COURSE:
        query = select(CourseMembership.participant_id).where(
            CourseMembership.course_id == run.course_id
        )
    elif run.cohort is Cohort.SESSION:
        query = select(Enrolment.participant_id).where(
            Enrolment.session_id == run.session_id,
            Enrolment.removed_at.is_(None),
            Enrolment.attendance == Attendance.ATTENDED,
        )
    else:
        query = select(SurveyInvite.participant_id).where(SurveyInvite.run_id == run.id)
    return sorted(set(session.scalars(query)))


def invite(session: Session, run: SurveyRun, participant_ids: Iterable[int], now: datetime) -> int:
    """Invite those of these people who can be asked and are not invited yet. Returns how many."""
    ids = sorted(set(participant_ids))
    if not ids:
        return 0
    already = set(
        session.scalars(select(SurveyInvite.participant_id).where(SurveyInvite.run_id == run.id))
    )
    askable = askable_ids(session, [pid for pid in ids if pid not in already])
    insert_rows(
        session,
        SurveyInvite,
        [
            {
                "run_id": run.id,
                "participant_id": pid,
                "status": InviteStatus.WAITING,
                "times_asked": 0,
                "created_at": now,
            }
            for pid in sorted(askable)
        ],
    )
    return len(askable)


def askable_ids(session: Session, participant_ids: list[int]) -> set[int]:
    """Those who are active, said yes to surveys, and have a working address."""
    if not participant_ids:
        return set()
    reachable = best_addresses(session, participant_ids, (ParticipantStatus.ACTIVE,))
    agreed = said_yes(session, list(reachable), ConsentPurpose.SURVEYS)
    return agreed & set(reachable)


def pause(session: Session, run: SurveyRun) -> None:
    if run.status not in (SurveyRunStatus.RUNNING, SurveyRunStatus.SCHEDULED):
        raise RunError(f"run {run.id} is {run.status.value}, so it cannot be paused")
    run.status = SurveyRunStatus.PAUSED


def resume(session: Session, run: SurveyRun) -> None:
    """Carry on. The worker's next pass starts it again as if it were starting, so a run paused
    before it began still invites its group, and questions left unasked go out."""
    if run.status is not SurveyRunStatus.PAUSED:
        raise RunError(f"run {run.id} is {run.status.value}, so it cannot be resumed")
    run.status = SurveyRunStatus.SCHEDULED


def close(session: Session, run: SurveyRun, now: datetime) -> None:
    """Finish a run early: nobody more is asked, and answers already given are kept."""
    if run.status not in OPEN:
        raise RunError(f"run {run.id} is already {run.status.value}")
    run.status = SurveyRunStatus.FINISHED
    end_invites(session, [run.id], now)


def end_invites(session: Session, run_ids: list[int], now: datetime) -> None:
    """Invites still open become expired, and their open question is dropped, so a late
    answer is kept as a message for staff rather than read as an answer."""
    invites = session.scalars(
        select(SurveyInvite).where(
            SurveyInvite.run_id.in_(run_ids), SurveyInvite.status.in_(UNFINISHED)
        )
    ).all()
    asking = [i.participant_id for i in invites if i.status is InviteStatus.ASKING]
    for item in invites:
        item.status, item.finished_at = InviteStatus.EXPIRED, now
    if asking:
        for state in session.scalars(
            select(ConversationState).where(
                ConversationState.participant_id.in_(asking),
                ConversationState.pending.in_((PendingQuestion.SURVEY, PendingQuestion.ASK)),
            )
        ):
            if state.context.get("run_id") in run_ids:
                session.delete(state)


def sessions_needing_a_run(
    session: Session, settings: Settings, now: datetime
) -> list[tuple[CourseSession, str]]:
    """Sessions that ended `after_session_hours` ago or more, recently enough that a survey is
    still worth sending, whose course wants one and which have none yet."""
    rules = settings.surveys
    delay = timedelta(hours=rules.after_session_hours)
    # Sessions last less than a day, so a window on the start keeps this on its index.
    earliest = now - delay - LOOKBACK - timedelta(days=1)
    rows = session.execute(
        select(CourseSession, Course.survey_after_session)
        .join(Course, Course.id == CourseSession.course_id)
        .where(
            CourseSession.starts_at >= earliest,
            CourseSession.starts_at <= now - delay,
            CourseSession.status == SessionStatus.SCHEDULED,
        )
    ).all()
    wanted: list[tuple[CourseSession, str]] = []
    for course_session, own in rows:
        key = rules.after_session if own is None else (None if own == "off" else own)
        if key is None or definitions.get(key) is None:
            continue
        if not now - LOOKBACK <= course_session.ends_at + delay <= now:
            continue
        wanted.append((course_session, key))
    if not wanted:
        return []
    # A session that staff already surveyed by hand is not surveyed again.
    have = set(
        session.scalars(
            select(SurveyRun.session_id).where(
                SurveyRun.session_id.in_([s.id for s, _ in wanted]),
                SurveyRun.kind == RunKind.SURVEY,
            )
        )
    )
    return [(s, key) for s, key in wanted if s.id not in have]
