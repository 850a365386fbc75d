"""Erasing a participant: their personal data leaves every table; anonymous counts stay.

What goes: every address (phone numbers, Telegram chat ids), their name, quiet hours, the words
of every message to and from them, their survey answers' words, their reasons for missing a
session, consent notes, and staff notes on their flags. Every message not yet sent is cancelled.

What stays, so that the numbers staff report do not change: the participant row with its
random pseudonym and status "erased", the fact and time of each message, RSVPs and attendance
(the DNA rate), scale and choice values of survey answers, consent yes/no answers, and flags.
Provider ids of messages they sent stay too, so a replayed webhook from before the erasure is
still recognised and cannot bring their words back; the Telegram ids of messages we sent them
hold the chat id, so those go.

Only an admin erases, from the admin page or `voices participant erase`; each erasure is audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot import audit, conversation
from bot.models import (
    Address,
    Answer,
    Channel,
    Consent,
    Direction,
    Enrolment,
    Flag,
    FlagKind,
    FlagStatus,
    InviteStatus,
    Message,
    Participant,
    ParticipantStatus,
    SurveyInvite,
    utcnow,
)
from bot.outbox import cancel_pending
from bot.surveys.runs import UNFINISHED

# What an erased message body, answer or note reads as.
ERASED = "[erased]"
CLOSED_BY_ERASURE = "Closed: the participant was erased."


@dataclass(frozen=True)
class Erased:
    messages: int
    addresses: int
    answers: int
    cancelled: int


class CannotErase(ValueError):
    """The participant is not there, or is already erased. Safe to show to staff."""


def erase(session: Session, participant_id: int, *, staff_user_id: int | None) -> Erased:
    """Erase one participant, in the caller's transaction. Raises CannotErase."""
    person = session.get(Participant, participant_id, with_for_update=True)
    if person is None:
        raise CannotErase(f"There is no participant {participant_id}.")
    if person.status is ParticipantStatus.ERASED:
        raise CannotErase(f"{person.pseudonym} is already erased.")
    if _open_safeguarding_flag(session, person.id):
        # Erasing would close the flag with a stock note and cancel any signposting still to
        # go: a safeguarding concern must be closed by a person, with what they did.
        raise CannotErase(
            f"{person.pseudonym} has an open safeguarding flag. "
            "Close it first, with a note of what was done."
        )
    now = utcnow()
    cancelled = cancel_pending(session, person.id, even_safety=True)
    conversation.clear(session, person.id)
    messages = _set(session, Message, person.id, body=ERASED, media_url=None, address_id=None)
    forget_chat_ids(session, [person.id])
    addresses = session.execute(delete(Address).where(Address.participant_id == person.id))
    answers = _set(session, Answer, person.id, Answer.raw_text.is_not(None), raw_text=ERASED)
    _set(session, Enrolment, person.id, Enrolment.rsvp_reason.is_not(None), rsvp_reason=ERASED)
    _set(session, Consent, person.id, Consent.note.is_not(None), note=ERASED)
    _set(session, Flag, person.id, Flag.action_taken.is_not(None), action_taken=ERASED)
    _set(
        session,
        Flag,
        person.id,
        Flag.status == FlagStatus.OPEN,
        status=FlagStatus.RESOLVED,
        resolved_at=now,
        resolved_by_id=staff_user_id,
        action_taken=CLOSED_BY_ERASURE,
    )
    _set(
        session,
        SurveyInvite,
        person.id,
        SurveyInvite.status.in_(UNFINISHED),
        status=InviteStatus.EXPIRED,
        finished_at=now,
    )
    session.expire(person, ["addresses"])
    person.display_name, person.quiet_hours = None, None
    person.status, person.status_changed_at = ParticipantStatus.ERASED, now
    found = Erased(messages, addresses.rowcount, answers, cancelled)
    audit.record(
        session,
        "participant.erase",
        staff_user_id=staff_user_id,
        target=person,
        detail={"messages": found.messages, "addresses": found.addresses},
    )
    return found


def forget_chat_ids(session: Session, participant_ids: list[int]) -> None:
    """Telegram ids of messages we sent read "<chat id>:<message id>" (bot.sending.
    telegram_adapter): a chat id is a contact detail. Inbound ids (update ids) are not."""
    session.execute(
        update(Message)
        .where(
            Message.participant_id.in_(participant_ids),
            Message.channel == Channel.TELEGRAM,
            Message.direction == Direction.OUTBOUND,
            Message.provider_id.is_not(None),
        )
        .values(provider_id=None)
        .execution_options(synchronize_session=False)
    )


def _open_safeguarding_flag(session: Session, participant_id: int) -> bool:
    found = session.scalar(
        select(Flag.id).where(
            Flag.participant_id == participant_id,
            Flag.kind == FlagKind.SAFEGUARDING,
            Flag.status == FlagStatus.OPEN,
        )
    )
    return found is not None


def _set(session: Session, model: type, participant_id: int, *where, **values) -> int:
    result = session.execute(
        update(model)
        .where(model.participant_id == participant_id, *where)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
