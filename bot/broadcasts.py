"""Group messages: staff write one message and send it to a whole group at once.

For news a group needs: "Art is moving to Room 2 from next week." The group is everyone on a
course, everyone booked on one session, people named by pseudonym, or everyone. A copy goes to
each person who agreed to hear about their sessions (the reminders question) and can be
reached. Stopped people get nothing; paused people's copies wait until they start again, and
expire with the rest. Staff see who is left out, and why, before anything is sent.

Sending is once only: the form carries a token, and a second press of Send finds the group
message the first press made."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, String, case, cast, func, insert, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.importing.attendance import find_session
from bot.importing.rows import BadRow
from bot.importing.sessions import parse_clock, parse_date
from bot.models import (
    Address,
    AddressStatus,
    Broadcast,
    Channel,
    Consent,
    ConsentPurpose,
    Course,
    CourseMembership,
    Direction,
    Enrolment,
    Message,
    MessageStatus,
    Participant,
    ParticipantStatus,
)
from bot.one_off import MOST_CHARACTERS
from bot.sending.broadcast import PREFERENCE, in_ids
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


def _best_addresses(group: Group):
    """Each member's best working address (the free channels first, as PREFERENCE), for the
    people who may be sent to at all (active or paused), as a subquery. In SQL, not Python:
    "everyone" at 100,000 people must not cross the wire twice on its way to the outbox."""
    preference = case(
        *((Address.channel == channel, rank) for channel, rank in PREFERENCE.items()), else_=99
    )
    ranked = (
        select(
            Address.participant_id,
            Address.id.label("address_id"),
            Address.channel,
            Participant.status,
            func.row_number()
            .over(partition_by=Address.participant_id, order_by=(preference, Address.id))
            .label("rank"),
        )
        .join(Participant, Participant.id == Address.participant_id)
        .where(
            Address.participant_id.in_(group.members),
            Address.status == AddressStatus.ACTIVE,
            Participant.status.in_((ParticipantStatus.ACTIVE, ParticipantStatus.PAUSED)),
        )
        .subquery()
    )
    return select(ranked).where(ranked.c.rank == 1).subquery()


def _agreed(group: Group):
    """The members whose newest answer to "may we send you messages about your sessions?" is
    yes. No answer means no."""
    newest = (
        select(
            Consent.participant_id,
            Consent.granted,
            func.row_number()
            .over(
                partition_by=Consent.participant_id,
                order_by=(Consent.recorded_at.desc(), Consent.id.desc()),
            )
            .label("rank"),
        )
        .where(
            Consent.purpose == ConsentPurpose.REMINDERS,
            Consent.participant_id.in_(group.members),
        )
        .subquery()
    )
    return select(newest.c.participant_id).where(newest.c.rank == 1, newest.c.granted.is_(True))


def reach(session: Session, group: Group) -> Reach:
    """Who the message would reach now, counted in the database."""
    best = _best_addresses(group)
    in_group = session.scalar(select(func.count()).select_from(group.members.distinct().subquery()))
    reachable = session.scalar(select(func.count()).select_from(best))
    agreed = best.c.participant_id.in_(_agreed(group))
    by_channel = dict(
        session.execute(
            select(best.c.channel, func.count()).where(agreed).group_by(best.c.channel)
        ).all()
    )
    paused = session.scalar(
        select(func.count())
        .select_from(best)
        .where(agreed, best.c.status == ParticipantStatus.PAUSED)
    )
    reaches = sum(by_channel.values())
    return Reach(
        in_group=in_group,
        by_channel={Channel(c): n for c, n in sorted(by_channel.items())},
        paused=paused,
        not_agreed=reachable - reaches,
        unreachable=in_group - reachable,
    )


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
    found = reach(session, group)
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
    try:
        # A savepoint: a second press of Send, waiting on the first's token, finds its row.
        with session.begin_nested():
            session.add(broadcast)
            session.flush()
    except IntegrityError:
        return session.scalars(select(Broadcast).where(Broadcast.token == token)).one(), False
    broadcast.queued = _queue_copies(session, group, broadcast, now)
    return broadcast, True


def _queue_copies(session: Session, group: Group, broadcast: Broadcast, now: datetime) -> int:
    """One INSERT ... SELECT: a queued copy for each member who agreed and can be reached."""
    best = _best_addresses(group)
    column = Message.__table__.c
    values = {
        "direction": literal(Direction.OUTBOUND, column.direction.type),
        "channel": best.c.channel,
        "participant_id": best.c.participant_id,
        "address_id": best.c.address_id,
        "body": literal(broadcast.body, column.body.type),
        "kind": literal(KIND, column.kind.type),
        "status": literal(MessageStatus.QUEUED, column.status.type),
        # The same send key as bot.sending.broadcast.queue_broadcast would give.
        "send_key": literal(f"{KIND}:{broadcast.id}:", String)
        + cast(best.c.participant_id, String),
        "urgent": literal(False, column.urgent.type),
        "attempts": literal(0, column.attempts.type),
        "next_attempt_at": literal(now, column.next_attempt_at.type),
        "not_after": literal(broadcast.not_after, column.not_after.type),
        "created_at": literal(now, column.created_at.type),
        "broadcast_id": literal(broadcast.id, column.broadcast_id.type),
    }
    chosen = select(*values.values()).where(best.c.participant_id.in_(_agreed(group)))
    session.execute(insert(Message.__table__).from_select(list(values), chosen))
    # Counted, not rowcount: SQLite's driver gives -1 for an INSERT ... SELECT.
    return session.scalar(select(func.count()).where(Message.broadcast_id == broadcast.id))


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
