"""What the staff Participants pages show: a searchable list, and one person's record with their
whole conversation across channels.

No web code here: webhooks/admin/participants.py is a thin view over these functions. Every
query is bounded (a page of rows, a LIMIT, or an IN list of at most one page of ids) and walks
an index: the thread uses ix_messages_participant_id_created_at, the rest the participant_id
indexes on addresses, consents and course memberships.

Staff see pseudonyms, never numbers: an address reaches a page only through `mask`, unless a
member of staff asks to see one (an audited reveal), which `address_value` serves."""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import phonenumbers
from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import Session

from bot.models import (
    Address,
    AddressStatus,
    Channel,
    Consent,
    ConsentPurpose,
    Course,
    CourseMembership,
    Direction,
    Message,
    MessageStatus,
    Participant,
    ParticipantStatus,
)
from bot.participants import set_status

PAGE_SIZE = 50  # participants a list page shows
THREAD_SIZE = 200  # messages a conversation page shows: the newest, unless asked for older
MOST_ADDRESSES = 20
MOST_CONSENTS = 200
MOST_COURSES = 100
LONGEST_SEARCH = 100  # characters of search text used; a pseudonym is 7, a name at most 120

BULLET = "•"

CHANNEL_NAMES = {
    Channel.SMS: "SMS",
    Channel.WHATSAPP: "WhatsApp",
    Channel.TELEGRAM: "Telegram",
    Channel.SIMULATOR: "Demo phone",
}
STATUS_NAMES = {
    ParticipantStatus.ACTIVE: "Active",
    ParticipantStatus.PAUSED: "Paused",
    ParticipantStatus.STOPPED: "Stopped (opted out)",
    ParticipantStatus.ERASED: "Erased",
}
PURPOSE_NAMES = {
    ConsentPurpose.REMINDERS: "Session reminders",
    ConsentPurpose.SURVEYS: "Surveys",
    ConsentPurpose.QUOTING: "Quoting their words",
    ConsentPurpose.FEEDBACK: "“You said, we did” messages",
}
MESSAGE_STATUS_NAMES = {
    MessageStatus.RECEIVED: "Received",
    MessageStatus.QUEUED: "Waiting to send",
    MessageStatus.HELD: "Held",
    MessageStatus.SENDING: "Sending",
    MessageStatus.SENT: "Sent",
    MessageStatus.DELIVERED: "Delivered",
    MessageStatus.UNDELIVERED: "Not delivered",
    MessageStatus.FAILED: "Failed",
    MessageStatus.EXPIRED: "Expired, not sent",
    MessageStatus.CANCELLED: "Cancelled, not sent",
    MessageStatus.UNKNOWN: "May not have arrived",
}
# Statuses that mean something went wrong with an outbound message: shown with a warning word.
TROUBLE = frozenset({MessageStatus.UNDELIVERED, MessageStatus.FAILED, MessageStatus.UNKNOWN})

# What staff may do to a participant's status: the status they go to, from the one they must be
# in. Stopped and erased are the participant's own choice (or an erasure): staff cannot undo them.
STAFF_MOVES = {
    ParticipantStatus.PAUSED: ParticipantStatus.ACTIVE,
    ParticipantStatus.ACTIVE: ParticipantStatus.PAUSED,
}


# --- masking -------------------------------------------------------------------------------


def mask(value: str, channel: Channel) -> str:
    """An address as staff see it: `+44 7••• •••123` for a phone number (the country code, the
    first digit of the national number, the last three digits), `••••••789` for a chat id.

    Anything too short to hide at least three digits is hidden whole."""
    if channel in (Channel.SMS, Channel.WHATSAPP):
        country = _country_code(value)
        if country is not None:
            national = value[1 + len(country) :]
            if len(national) >= 7:
                kept = national[0] + BULLET * (len(national) - 4) + national[-3:]
                return f"+{country} {kept[:4]} {kept[4:]}"
    text = value.strip()
    if len(text) < 6:
        return BULLET * max(len(text), 3)
    return BULLET * (len(text) - 3) + text[-3:]


def readable(value: str, channel: Channel) -> str:
    """An address in full, spaced for reading aloud: `+44 7700 900123`. Only for a reveal."""
    if channel in (Channel.SMS, Channel.WHATSAPP) and _country_code(value) is not None:
        number = phonenumbers.parse(value, None)
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return value


def _country_code(value: str) -> str | None:
    if not (value.startswith("+") and value[1:].isdigit()):
        return None
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return None
    country = str(number.country_code)
    return country if value[1:].startswith(country) else None


# --- the list ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    text: str = ""
    status: ParticipantStatus | None = None
    channel: Channel | None = None
    course_code: str = ""

    @classmethod
    def from_query(cls, args: Mapping[str, str]) -> Filters:
        """From a page's query string. A value that is not a status or channel is ignored."""
        return cls(
            text=" ".join(args.get("q", "").split())[:LONGEST_SEARCH],
            status=_member(ParticipantStatus, args.get("status", "")),
            channel=_member(Channel, args.get("channel", "")),
            course_code=args.get("course", "").strip().upper()[:20],
        )

    def as_query(self) -> dict[str, str]:
        """The query string that gives these filters back; empty ones are left out."""
        query = {
            "q": self.text,
            "status": self.status.value if self.status else "",
            "channel": self.channel.value if self.channel else "",
            "course": self.course_code,
        }
        return {key: value for key, value in query.items() if value}

    @property
    def any(self) -> bool:
        return bool(self.as_query())


@dataclass(frozen=True)
class ListRow:
    id: int
    pseudonym: str
    display_name: str | None
    status: ParticipantStatus
    channels: tuple[Channel, ...]
    courses: tuple[str, ...]


@dataclass(frozen=True)
class ParticipantList:
    filters: Filters
    rows: list[ListRow]
    total: int
    page: int
    pages: int
    # The course code asked for names no course: nobody is found, and the page says why.
    unknown_course: bool = False

    @property
    def first(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def search(session: Session, filters: Filters, page: int = 1) -> ParticipantList:
    """One page of participants matching `filters`, in pseudonym order."""
    conditions = []
    if filters.text:
        pattern = f"%{_escape_like(filters.text.lower())}%"
        conditions.append(
            or_(
                func.lower(Participant.pseudonym).like(pattern, escape="\\"),
                func.lower(Participant.display_name).like(pattern, escape="\\"),
            )
        )
    if filters.status is not None:
        conditions.append(Participant.status == filters.status)
    if filters.channel is not None:
        conditions.append(
            exists().where(
                Address.participant_id == Participant.id, Address.channel == filters.channel
            )
        )
    if filters.course_code:
        course_id = session.scalar(select(Course.id).where(Course.code == filters.course_code))
        if course_id is None:
            return ParticipantList(filters, [], 0, 1, 1, unknown_course=True)
        # The unique key (course_id, participant_id) is the index this walks.
        conditions.append(
            exists().where(
                CourseMembership.course_id == course_id,
                CourseMembership.participant_id == Participant.id,
            )
        )
    total = session.scalar(select(func.count()).select_from(Participant).where(*conditions)) or 0
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(page, 1), pages)
    found = session.execute(
        select(Participant.id, Participant.pseudonym, Participant.display_name, Participant.status)
        .where(*conditions)
        .order_by(Participant.pseudonym)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    ids = [row.id for row in found]
    channels: dict[int, set[Channel]] = {}
    courses: dict[int, list[str]] = {}
    if ids:
        for participant_id, channel in session.execute(
            select(Address.participant_id, Address.channel)
            .where(Address.participant_id.in_(ids))
            .distinct()
        ):
            channels.setdefault(participant_id, set()).add(channel)
        for participant_id, code in session.execute(
            select(CourseMembership.participant_id, Course.code)
            .join(Course, Course.id == CourseMembership.course_id)
            .where(CourseMembership.participant_id.in_(ids))
            .order_by(Course.code)
        ):
            courses.setdefault(participant_id, []).append(code)
    order = list(CHANNEL_NAMES)
    rows = [
        ListRow(
            row.id,
            row.pseudonym,
            row.display_name,
            row.status,
            tuple(sorted(channels.get(row.id, ()), key=order.index)),
            tuple(courses.get(row.id, ())),
        )
        for row in found
    ]
    return ParticipantList(filters, rows, total, page, pages)


# --- one participant -----------------------------------------------------------------------


@dataclass(frozen=True)
class AddressRow:
    id: int
    channel: Channel
    masked: str
    status: AddressStatus
    last_inbound_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class ConsentRow:
    purpose: ConsentPurpose
    granted: bool
    recorded_at: datetime
    wording_version: str
    # The newest answer for its purpose: the one in force.
    in_force: bool


@dataclass(frozen=True)
class CourseRow:
    code: str
    title: str
    joined_at: datetime


@dataclass(frozen=True)
class ThreadMessage:
    id: int
    direction: Direction
    channel: Channel
    body: str
    status: MessageStatus
    kind: str
    created_at: datetime
    read_at: datetime | None
    error_text: str | None

    @property
    def inbound(self) -> bool:
        return self.direction is Direction.INBOUND

    @property
    def unread(self) -> bool:
        return self.inbound and self.read_at is None


@dataclass(frozen=True)
class Thread:
    messages: list[ThreadMessage]  # oldest first
    # Pass as `before` to see the messages before these; None when there are none.
    older_than: int | None
    # Inbound messages before these that no member of staff has seen.
    older_unread: int
    # True when these end with the newest message.
    newest: bool


@dataclass(frozen=True)
class ParticipantRecord:
    participant: Participant
    addresses: list[AddressRow]
    consents: list[ConsentRow]
    courses: list[CourseRow]
    thread: Thread = field(repr=False)


def find_participant(session: Session, pseudonym: str) -> Participant | None:
    return session.scalar(select(Participant).where(Participant.pseudonym == pseudonym))


def load_record(
    session: Session, participant: Participant, *, before: int | None = None
) -> ParticipantRecord:
    return ParticipantRecord(
        participant=participant,
        addresses=addresses_of(session, participant.id),
        consents=consent_history(session, participant.id),
        courses=courses_of(session, participant.id),
        thread=thread(session, participant.id, before=before),
    )


def addresses_of(session: Session, participant_id: int) -> list[AddressRow]:
    found = session.scalars(
        select(Address)
        .where(Address.participant_id == participant_id)
        .order_by(Address.id)
        .limit(MOST_ADDRESSES)
    )
    return [
        AddressRow(
            a.id,
            a.channel,
            mask(a.value, a.channel),
            a.status,
            a.last_inbound_at,
            a.created_at,
        )
        for a in found
    ]


def consent_history(session: Session, participant_id: int) -> list[ConsentRow]:
    """Every consent answer, newest first; the first for each purpose is the one in force."""
    found = session.execute(
        select(Consent.purpose, Consent.granted, Consent.recorded_at, Consent.wording_version)
        .where(Consent.participant_id == participant_id)
        .order_by(Consent.recorded_at.desc(), Consent.id.desc())
        .limit(MOST_CONSENTS)
    ).all()
    seen: set[ConsentPurpose] = set()
    rows = []
    for purpose, granted, recorded_at, wording in found:
        rows.append(ConsentRow(purpose, granted, recorded_at, wording, purpose not in seen))
        seen.add(purpose)
    return rows


def courses_of(session: Session, participant_id: int) -> list[CourseRow]:
    found = session.execute(
        select(Course.code, Course.title, CourseMembership.joined_at)
        .join(Course, Course.id == CourseMembership.course_id)
        .where(CourseMembership.participant_id == participant_id)
        .order_by(Course.code)
        .limit(MOST_COURSES)
    )
    return [CourseRow(*row) for row in found]


def thread(
    session: Session, participant_id: int, *, before: int | None = None, size: int = THREAD_SIZE
) -> Thread:
    """The conversation on every channel as one thread, oldest first: the newest `size`
    messages, or the `size` before message `before` (one of this participant's)."""
    conditions = [Message.participant_id == participant_id]
    anchor = None
    if before is not None:
        anchor = session.execute(
            select(Message.created_at, Message.id).where(
                Message.id == before, Message.participant_id == participant_id
            )
        ).first()
    if anchor is not None:
        conditions.append(_earlier_than(anchor.created_at, anchor.id))
    found = session.execute(
        select(
            Message.id,
            Message.direction,
            Message.channel,
            Message.body,
            Message.status,
            Message.kind,
            Message.created_at,
            Message.read_at,
            Message.error_text,
        )
        .where(*conditions)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(size + 1)
    ).all()
    more = len(found) > size
    messages = [ThreadMessage(*row) for row in reversed(found[:size])]
    older_unread = 0
    if more:
        oldest = messages[0]
        older_unread = (
            session.scalar(
                select(func.count())
                .select_from(Message)
                .where(
                    Message.participant_id == participant_id,
                    _earlier_than(oldest.created_at, oldest.id),
                    Message.direction == Direction.INBOUND,
                    Message.read_at.is_(None),
                )
            )
            or 0
        )
    return Thread(
        messages=messages,
        older_than=messages[0].id if more else None,
        older_unread=older_unread,
        newest=anchor is None,
    )


def _earlier_than(created_at: datetime, message_id: int):
    # The plain `created_at <=` lets the (participant_id, created_at) index bound the range;
    # the rest breaks ties between messages stored in the same instant.
    return and_(
        Message.created_at <= created_at,
        or_(
            Message.created_at < created_at,
            and_(Message.created_at == created_at, Message.id < message_id),
        ),
    )


def mark_read(session: Session, messages: list[ThreadMessage], now: datetime) -> int:
    """Mark as read the unread inbound messages among those shown. Returns how many.

    Only what staff were shown: on a long unread thread, the older replies stay unread (and on
    the dashboard) until someone pages back to them."""
    ids = [m.id for m in messages if m.unread]
    if not ids:
        return 0
    result = session.execute(
        update(Message)
        .where(
            Message.id.in_(ids),
            Message.direction == Direction.INBOUND,
            Message.read_at.is_(None),
        )
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def find_address(session: Session, participant_id: int, address_id: int | None) -> Address | None:
    """One of this participant's addresses, or None (also for another person's address)."""
    if address_id is None:
        return None
    return session.scalar(
        select(Address).where(Address.id == address_id, Address.participant_id == participant_id)
    )


def address_value(session: Session, participant_id: int, address_id: int | None) -> str | None:
    """The full address, readable, for the one view after an audited reveal."""
    address = find_address(session, participant_id, address_id)
    return readable(address.value, address.channel) if address is not None else None


def staff_set_status(participant: Participant, to: ParticipantStatus) -> bool:
    """Pause or resume for staff. False, and no change, unless the move is one staff may make
    (pause an active participant, resume a paused one)."""
    if to not in STAFF_MOVES or participant.status is not STAFF_MOVES[to]:
        return False
    set_status(participant, to)
    return True


def _member(kind: type[enum.StrEnum], raw: str) -> Any:
    try:
        return kind(raw.strip().lower())
    except ValueError:
        return None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
