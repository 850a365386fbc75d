"""Course membership and bookings, shared by the imports and by JOIN.

A member of a course is booked on each of its sessions still to come. Both directions are
needed: a new member is booked on the sessions already planned, and a new session books the
members already there.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import (
    CourseMembership,
    CourseSession,
    Enrolment,
    Participant,
    ParticipantStatus,
    SessionStatus,
)


def join_course(session: Session, participant_id: int, course_id: int, now: datetime) -> bool:
    """Make the participant a member and book every future session. True if anything was added."""
    added = False
    membership = session.scalar(
        select(CourseMembership.id).where(
            CourseMembership.course_id == course_id,
            CourseMembership.participant_id == participant_id,
        )
    )
    if membership is None:
        session.add(CourseMembership(course_id=course_id, participant_id=participant_id))
        added = True
    for session_id in _unbooked_future_sessions(session, participant_id, course_id, now):
        session.add(Enrolment(session_id=session_id, participant_id=participant_id))
        added = True
    session.flush()
    return added


def _unbooked_future_sessions(
    session: Session, participant_id: int, course_id: int, now: datetime
) -> list[int]:
    booked = select(Enrolment.session_id).where(Enrolment.participant_id == participant_id)
    return list(
        session.scalars(
            select(CourseSession.id)
            .where(
                CourseSession.course_id == course_id,
                CourseSession.status == SessionStatus.SCHEDULED,
                CourseSession.starts_at > now,
                CourseSession.id.not_in(booked),
            )
            .order_by(CourseSession.starts_at, CourseSession.id)
        )
    )


def book_members(session: Session, course_session: CourseSession) -> int:
    """Book every member of the session's course on it. Returns how many were booked."""
    booked = select(Enrolment.participant_id).where(Enrolment.session_id == course_session.id)
    members = session.scalars(
        select(CourseMembership.participant_id)
        .join(Participant, Participant.id == CourseMembership.participant_id)
        .where(
            CourseMembership.course_id == course_session.course_id,
            # An erased participant keeps their row for counts only; they cannot be booked.
            Participant.status != ParticipantStatus.ERASED,
            CourseMembership.participant_id.not_in(booked),
        )
        .order_by(CourseMembership.participant_id)
    ).all()
    for participant_id in members:
        session.add(Enrolment(session_id=course_session.id, participant_id=participant_id))
    session.flush()
    return len(members)
