"""`create_*` factories with keyword defaults, in the manner of notifications-api tests/app/db.py.

Each adds and flushes, so the row has an id; the test owns the transaction."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.models import (
    Address,
    Answer,
    Channel,
    Course,
    CourseSession,
    Direction,
    Enrolment,
    Message,
    MessageStatus,
    Participant,
    Survey,
    SurveyRun,
    utcnow,
)

_counter = itertools.count(1)


def _add(session: Session, row):
    session.add(row)
    session.flush()
    return row


def create_participant(session: Session, *, pseudonym: str | None = None, **kw) -> Participant:
    return _add(session, Participant(pseudonym=pseudonym or f"V-T{next(_counter):04d}", **kw))


def create_address(
    session: Session,
    participant: Participant | None = None,
    *,
    channel: Channel = Channel.SMS,
    value: str | None = None,
    **kw,
) -> Address:
    participant = participant or create_participant(session)
    value = value or f"+4477009{next(_counter):05d}"
    return _add(session, Address(participant=participant, channel=channel, value=value, **kw))


def create_course(
    session: Session, *, code: str | None = None, title: str = "Understanding anxiety", **kw
) -> Course:
    return _add(session, Course(code=code or f"C{next(_counter)}", title=title, **kw))


def create_course_session(
    session: Session,
    course: Course | None = None,
    *,
    starts_at: datetime | None = None,
    length: timedelta = timedelta(hours=2),
    **kw,
) -> CourseSession:
    course = course or create_course(session)
    starts_at = starts_at or utcnow() + timedelta(days=2)
    return _add(
        session, CourseSession(course=course, starts_at=starts_at, ends_at=starts_at + length, **kw)
    )


def create_enrolment(
    session: Session,
    course_session: CourseSession | None = None,
    participant: Participant | None = None,
    **kw,
) -> Enrolment:
    course_session = course_session or create_course_session(session)
    participant = participant or create_participant(session)
    return _add(session, Enrolment(session=course_session, participant_id=participant.id, **kw))


def create_message(
    session: Session,
    address: Address | None = None,
    *,
    body: str = "Hello",
    direction: Direction = Direction.INBOUND,
    status: MessageStatus | None = None,
    **kw,
) -> Message:
    address = address or create_address(session)
    if status is None:
        status = MessageStatus.RECEIVED if direction is Direction.INBOUND else MessageStatus.QUEUED
    return _add(
        session,
        Message(
            direction=direction,
            channel=address.channel,
            participant_id=address.participant_id,
            address_id=address.id,
            body=body,
            status=status,
            **kw,
        ),
    )


def create_survey_run(session: Session, *, key: str | None = None, **kw) -> SurveyRun:
    survey = _add(session, Survey(key=key or f"survey-{next(_counter)}", title="After the session"))
    kw.setdefault("cohort", "list")
    kw.setdefault("starts_at", utcnow())
    kw.setdefault("expires_at", kw["starts_at"] + timedelta(days=7))
    return _add(session, SurveyRun(survey_id=survey.id, **kw))


def create_answer(
    session: Session,
    run: SurveyRun | None = None,
    participant: Participant | None = None,
    *,
    question_key: str = "q1",
    raw_text: str = "4",
    parsed_value: str | None = "4",
    **kw,
) -> Answer:
    run = run or create_survey_run(session)
    participant = participant or create_participant(session)
    return _add(
        session,
        Answer(
            run_id=run.id,
            participant_id=participant.id,
            question_key=question_key,
            raw_text=raw_text,
            parsed_value=parsed_value,
            **kw,
        ),
    )


def create_membership(
    session: Session, course: Course | None = None, participant: Participant | None = None, **kw
):
    # Imported here so that this late addition leaves the import block above untouched.
    from bot.models import CourseMembership

    course = course or create_course(session)
    participant = participant or create_participant(session)
    return _add(session, CourseMembership(course_id=course.id, participant_id=participant.id, **kw))


def create_consent(
    session: Session,
    participant_id: int,
    *,
    granted: bool = True,
    purpose=None,
    recorded_at: datetime | None = None,
):
    """An answer to a consent question; by default, yes to reminders."""
    from bot.models import Consent, ConsentPurpose

    return _add(
        session,
        Consent(
            participant_id=participant_id,
            purpose=purpose or ConsentPurpose.REMINDERS,
            granted=granted,
            wording_version="en:2026-11",
            recorded_at=recorded_at or utcnow(),
        ),
    )
