"""Group messages: staff write one message and send it to a whole group at once.

For news a group needs: "Art is moving to Room 2 from next week." The group is everyone on a
course, everyone booked on one session, people named by pseudonym, or everyone. A copy goes to
each person who agreed to hear about their sessions (the reminders question) and can be
reached. Stopped people get nothing; paused people's copies wait until they start again, and
expire with the rest. Staff see who is left out, and why, before anything is sent.

Sending is once only: the form carries a token, and a second press of Send finds the group
message the first press made."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bot.importing.attendance import find_session
from bot.importing.rows import BadRow
from bot.importing.sessions import parse_clock, parse_date
from bot.models import (
    Broadcast,
    Channel,
    ConsentPurpose,
    Course,
    CourseMembership,
    Enrolment,
    Message,
    MessageStatus,
    Participant,
    ParticipantStatus,
)
from bot.one_off import MOST_CHARACTERS
from bot.reminders.audience import said_yes
from bot.sending.broadcast import best_addresses, in_ids, queue_broadcast
from bot.sending.sms_text import estimate
from bot.settings import SendingSettings
from bot.surveys.overview import find_people
from bot.surveys.runs import RunError

KIND = "broadcast"
GROUPS = ("course", "session", "people", "everyone")
DEFAULT_DAYS = 2
MOST_DAYS = 14


class BroadcastError(ValueError):
    """Why a group message cannot be checked or sent; the words are for staff."""


@dataclass(frozen=True)
class Group:
    kind: str
    name: str  # how the page and the list name it: "everyone on ART24"
    members: Select  # the participant ids in it, as a subquery
    course_id: int | None = None
    session_id: int | None = None


@dataclass(frozen=True)
class Reach:
    """Who in a group a message would reach now, and why the others would not."""

    in_group: int
    by_channel: dict[Channel, int] = field(default_factory=dict)
    # Of those it reaches: paused people, whose copies wait until they start again.
    paused: int = 0
    not_agreed: int = 0
    # Stopped, erased, or with no working address.
    unreachable: int = 0

    @property
    def reaches(self) -> int:
        return sum(self.by_channel.values())


@dataclass(frozen=True)
class Cost:
    sms_segments: int  # each SMS copy's segments
    pence: float  # for the whole group


def clean_text(text: str) -> str:
    """The message as it will be sent. A browser's CRLF becomes LF: staff typed one line
    break, and an SMS would pay for two characters."""
    text = text.replace("\r\n", "\n")
    if not text.strip():
        raise BroadcastError("write the message")
    if len(text) > MOST_CHARACTERS:
        raise BroadcastError(f"the message is longer than {MOST_CHARACTERS} characters")
    return text


def parse_days(text: str) -> int:
    text = text.strip()
    if not text:
        return DEFAULT_DAYS
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MOST_DAYS:
        raise BroadcastError(f"the number of days must be a whole number from 1 to {MOST_DAYS}")
    return int(text)


def choose_group(
    session: Session,
    zone: ZoneInfo,
    *,
    kind: str,
    course_code: str = "",
    day: str = "",
    start: str = "",
    people: str = "",
) -> Group:
    """The group chosen on the form. Anything missing or unknown says what to fix."""
    course_code = course_code.strip()
    if kind not in GROUPS:
        raise BroadcastError("choose who to send to")
    if kind == "everyone":
        return Group(
            kind,
            "everyone",
            select(Participant.id).where(Participant.status != ParticipantStatus.ERASED),
        )
    if kind == "people":
        try:
            named = find_people(session, people)
        except RunError as exc:
            raise BroadcastError(str(exc)) from None
        names = ", ".join(person.pseudonym for person in named)
        return Group(kind, names[:200], select(Participant.id).where(in_list(named)))
    if not course_code:
        raise BroadcastError("give the course code")
    if kind == "session":
        if not day.strip():
            raise BroadcastError("give the date of the session")
        try:
            clock = parse_clock("the start", start.strip()) if start.strip() else None
            found = find_session(session, course_code, parse_date(day.strip()), clock, zone)
        except BadRow as exc:
            raise BroadcastError(str(exc)) from None
        local = found.starts_at.astimezone(zone)
        return Group(
            kind,
            f"booked on {found.course.code}, {local:%a %d %b %Y %H:%M}",
            select(Enrolment.participant_id).where(
                Enrolment.session_id == found.id, Enrolment.removed_at.is_(None)
            ),
            course_id=found.course_id,
            session_id=found.id,
        )
    course = session.scalar(select(Course).where(func.upper(Course.code) == course_code.upper()))
    if course is None:
        raise BroadcastError(f"there is no course {course_code.upper()}")
    return Group(
        kind,
        f"everyone on {course.code}",
        select(CourseMembership.participant_id).where(CourseMembership.course_id == course.id),
        course_id=course.id,
    )


def in_list(people: Iterable[Participant]):
    return Participant.id.in_(sorted(person.id for person in people))


def reach(session: Session, group: Group) -> tuple[Reach, list[int]]:
    """Who the message would reach now, and their ids."""
    members = set(session.scalars(group.members))
    addresses = best_addresses(
        session, group.members, (ParticipantStatus.ACTIVE, ParticipantStatus.PAUSED)
    )
    agreed = said_yes(session, group.members, ConsentPurpose.REMINDERS)
    chosen = sorted(set(addresses) & agreed & members)
    paused = 0
    for among in in_ids(Participant.id, chosen):
        paused += session.scalar(
            select(func.count()).where(among, Participant.status == ParticipantStatus.PAUSED)
        )
    by_channel = Counter(addresses[pid][1] for pid in chosen)
    found = Reach(
        in_group=len(members),
        by_channel=dict(sorted(by_channel.items())),
        paused=paused,
        not_agreed=len((set(addresses) & members) - agreed),
        unreachable=len(members - set(addresses)),
    )
    return found, chosen


def cost(text: str, found: Reach, sending: SendingSettings) -> Cost:
    """About what the group message costs: SMS by segment, WhatsApp by message, Telegram free."""
    total = 0.0
    for channel, people in found.by_channel.items():
        total += estimate(text, channel, sending).pence * people
    return Cost(estimate(text, Channel.SMS, sending).segments, round(total, 2))


def send(
    session: Session,
    group: Group,
    text: str,
    *,
    token: str,
    days: int,
    now: datetime,
    staff_id: int | None,
) -> tuple[Broadcast, bool]:
    """Queue a copy to each person the group reaches. Returns the group message, and False if
    this token had sent it already (nothing more is queued)."""
    if not token or len(token) > 40:
        raise BroadcastError("the form is out of date: check the message again")
    already = session.scalar(select(Broadcast).where(Broadcast.token == token))
    if already is not None:
        return already, False
    text = clean_text(text)
    found, chosen = reach(session, group)
    broadcast = Broadcast(
        token=token,
        body=text,
        group_kind=group.kind,
        group_name=group.name,
        course_id=group.course_id,
        session_id=group.session_id,
        staff_user_id=staff_id,
        created_at=now,
        not_after=now + timedelta(days=days),
        in_group=found.in_group,
        not_agreed=found.not_agreed,
        unreachable=found.unreachable,
    )
    session.add(broadcast)
    session.flush()
    broadcast.queued = queue_broadcast(
        session,
        chosen,
        text,
        kind=KIND,
        key=str(broadcast.id),
        not_after=broadcast.not_after,
        broadcast_id=broadcast.id,
    )
    return broadcast, True


# What staff see of each copy's progress, in this order.
PROGRESS = {
    "waiting": (MessageStatus.QUEUED, MessageStatus.HELD, MessageStatus.SENDING),
    "sent": (MessageStatus.SENT,),
    "delivered": (MessageStatus.DELIVERED,),
    "not delivered": (
        MessageStatus.UNDELIVERED,
        MessageStatus.FAILED,
        MessageStatus.UNKNOWN,
    ),
    "expired or withdrawn": (MessageStatus.EXPIRED, MessageStatus.CANCELLED),
}


def progress(session: Session, broadcast_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """For each group message, how many copies are waiting, sent, delivered and so on."""
    ids = sorted(set(broadcast_ids))
    counts: dict[int, dict[str, int]] = {bid: dict.fromkeys(PROGRESS, 0) for bid in ids}
    heading = {status: name for name, statuses in PROGRESS.items() for status in statuses}
    for among in in_ids(Message.broadcast_id, ids):
        rows = session.execute(
            select(Message.broadcast_id, Message.status, func.count())
            .where(among)
            .group_by(Message.broadcast_id, Message.status)
        )
        for broadcast_id, status, count in rows:
            counts[broadcast_id][heading[status]] += count
    return counts


def newest(session: Session, limit: int = 50) -> list[Broadcast]:
    return list(
        session.scalars(
            select(Broadcast)
            .order_by(Broadcast.created_at.desc(), Broadcast.id.desc())
            .limit(limit)
        )
    )
