"""What the staff dashboard shows, in the order staff should act on it: safeguarding first,
then today's and tomorrow's sessions, tasks, unread replies, delivery failures and stop
requests. Read-only queries, each bounded, so the page stays quick on a big database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models import (
    Channel,
    Course,
    CourseSession,
    Direction,
    Enrolment,
    Flag,
    FlagKind,
    FlagStatus,
    Message,
    Participant,
    Rsvp,
    SessionStatus,
)

SHOWN = 20  # rows a list shows; the count says how many there are in all


@dataclass(frozen=True)
class FlagRow:
    id: int
    kind: FlagKind
    urgent: bool
    pseudonym: str | None
    participant_id: int | None
    raised_at: datetime


@dataclass(frozen=True)
class SessionRow:
    id: int
    course: str
    starts_at: datetime
    place: str | None
    cancelled: bool
    rsvp: dict[str, int]


@dataclass(frozen=True)
class ReplyRow:
    message_id: int
    participant_id: int | None
    pseudonym: str | None
    channel: Channel
    body: str
    received_at: datetime


@dataclass
class FlagList:
    total: int = 0
    rows: list[FlagRow] = field(default_factory=list)


@dataclass
class Dashboard:
    safeguarding: FlagList
    sessions: dict[date, list[SessionRow]]
    tasks: FlagList
    unread_total: int
    unread: list[ReplyRow]
    delivery: FlagList
    stop_requests: FlagList


def dashboard(session: Session, zone: ZoneInfo, now: datetime) -> Dashboard:
    today = now.astimezone(zone).date()
    return Dashboard(
        safeguarding=open_flags(session, (FlagKind.SAFEGUARDING,)),
        sessions=sessions_on(session, (today, today + timedelta(days=1)), zone),
        tasks=open_flags(session, (FlagKind.CALLBACK, FlagKind.MISSED_SESSION)),
        unread_total=session.scalar(
            select(func.count())
            .select_from(Message)
            .where(Message.direction == Direction.INBOUND, Message.read_at.is_(None))
        ),
        unread=unread_replies(session),
        delivery=open_flags(session, (FlagKind.DELIVERY_FAILURE, FlagKind.UNKNOWN_DELIVERY)),
        stop_requests=open_flags(session, (FlagKind.STOP_REQUEST, FlagKind.ERASURE_REQUEST)),
    )


def open_flags(session: Session, kinds: tuple[FlagKind, ...]) -> FlagList:
    where = (Flag.status == FlagStatus.OPEN, Flag.kind.in_(kinds))
    total = session.scalar(select(func.count()).select_from(Flag).where(*where))
    rows = session.execute(
        select(
            Flag.id,
            Flag.kind,
            Flag.urgent,
            Participant.pseudonym,
            Flag.participant_id,
            Flag.raised_at,
        )
        .outerjoin(Participant, Participant.id == Flag.participant_id)
        .where(*where)
        .order_by(Flag.urgent.desc(), Flag.raised_at)
        .limit(SHOWN)
    ).all()
    return FlagList(total, [FlagRow(*row) for row in rows])


def sessions_on(
    session: Session, days: tuple[date, ...], zone: ZoneInfo
) -> dict[date, list[SessionRow]]:
    start = datetime.combine(min(days), time(0), tzinfo=zone)
    end = datetime.combine(max(days) + timedelta(days=1), time(0), tzinfo=zone)
    found = session.execute(
        select(CourseSession, Course.title, Course.location)
        .join(Course, Course.id == CourseSession.course_id)
        .where(CourseSession.starts_at >= start, CourseSession.starts_at < end)
        .order_by(CourseSession.starts_at)
    ).all()
    counts: dict[int, dict[str, int]] = {}
    if found:
        for session_id, rsvp, n in session.execute(
            select(Enrolment.session_id, Enrolment.rsvp, func.count())
            .where(
                Enrolment.session_id.in_([s.id for s, _, _ in found]),
                Enrolment.removed_at.is_(None),
            )
            .group_by(Enrolment.session_id, Enrolment.rsvp)
        ):
            counts.setdefault(session_id, {})[rsvp.value] = n
    by_day: dict[date, list[SessionRow]] = {day: [] for day in days}
    for course_session, title, course_place in found:
        day = course_session.starts_at.astimezone(zone).date()
        by_day.setdefault(day, []).append(
            SessionRow(
                course_session.id,
                title,
                course_session.starts_at,
                course_session.location or course_place,
                course_session.status is SessionStatus.CANCELLED,
                {r.value: counts.get(course_session.id, {}).get(r.value, 0) for r in Rsvp},
            )
        )
    return by_day


def unread_replies(session: Session) -> list[ReplyRow]:
    rows = session.execute(
        select(
            Message.id,
            Message.participant_id,
            Participant.pseudonym,
            Message.channel,
            Message.body,
            Message.created_at,
        )
        .outerjoin(Participant, Participant.id == Message.participant_id)
        .where(Message.direction == Direction.INBOUND, Message.read_at.is_(None))
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(SHOWN)
    ).all()
    return [ReplyRow(*row) for row in rows]
