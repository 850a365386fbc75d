"""One flag, for the staff page that shows it and records what was done about it.

A flag is closed only with a note of what staff did: for a safeguarding flag, that note is the
record that someone acted. Closing is audited, and so is the view, which shows their words."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit, safeguarding
from bot.models import (
    Direction,
    Flag,
    FlagKind,
    FlagStatus,
    Message,
    Participant,
    StaffAlert,
    StaffUser,
    utcnow,
)
from bot.outbox import SAFETY_KIND

# Their messages since the flag was raised, newest last: enough to see what happened next.
SHOWN_AFTER = 20
MOST_NOTE = 2000


class FlagError(ValueError):
    """Why a flag cannot be closed as asked. Safe to show to staff."""


@dataclass
class FlagPage:
    flag: Flag
    pseudonym: str | None
    message: Message | None
    later: list[Message]
    alerts: list[StaffAlert]
    resolved_by: str | None
    # The safety signposting sent since the flag was raised, with its real delivery status.
    signposting: list[Message] = field(default_factory=list)


def load(session: Session, flag_id: int) -> FlagPage | None:
    flag = session.get(Flag, flag_id)
    if flag is None:
        return None
    person = session.get(Participant, flag.participant_id) if flag.participant_id else None
    later: list[Message] = []
    signposting: list[Message] = []
    if person is not None and flag.kind is FlagKind.SAFEGUARDING:
        signposting = list(
            session.scalars(
                select(Message)
                .where(
                    Message.participant_id == person.id,
                    Message.kind == SAFETY_KIND,
                    Message.created_at >= flag.raised_at,
                )
                .order_by(Message.id)
                .limit(SHOWN_AFTER)
            )
        )
    if person is not None:
        later = list(
            session.scalars(
                select(Message)
                .where(
                    Message.participant_id == person.id,
                    Message.direction == Direction.INBOUND,
                    Message.created_at >= flag.raised_at,
                    Message.id != flag.message_id,
                )
                .order_by(Message.created_at, Message.id)
                .limit(SHOWN_AFTER)
            )
        )
    alerts = session.scalars(select(StaffAlert).where(StaffAlert.flag_id == flag.id)).all()
    by = session.get(StaffUser, flag.resolved_by_id) if flag.resolved_by_id else None
    return FlagPage(
        flag,
        person.pseudonym if person else None,
        session.get(Message, flag.message_id) if flag.message_id else None,
        later,
        list(alerts),
        by.email if by else None,
        signposting,
    )


def resolve(
    session: Session,
    flag_id: int,
    note: str,
    *,
    staff_user_id: int,
    resume_surveys: bool = False,
    now: datetime | None = None,
) -> Flag:
    flag = session.get(Flag, flag_id, with_for_update=True)
    if flag is None:
        raise FlagError("there is no such flag")
    if flag.status is FlagStatus.RESOLVED:
        raise FlagError("someone has already closed this flag")
    note = note.strip()
    if not note:
        raise FlagError("write what you did before closing the flag")
    if len(note) > MOST_NOTE:
        raise FlagError(f"the note is {len(note)} characters: keep it to {MOST_NOTE}")
    flag.status, flag.action_taken = FlagStatus.RESOLVED, note
    flag.resolved_at, flag.resolved_by_id = now or utcnow(), staff_user_id
    resumed = 0
    if resume_surveys and flag.kind is FlagKind.SAFEGUARDING and flag.participant_id:
        resumed = safeguarding.resume_surveys(session, flag.participant_id)
    audit.record(
        session,
        "flag.resolve",
        staff_user_id=staff_user_id,
        target=flag,
        detail={"kind": flag.kind.value, "surveys_resumed": resumed},
    )
    return flag
