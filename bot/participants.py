"""Finding the participant behind an address, or making one, safely under concurrency."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from bot.flags import raise_flag
from bot.models import Address, Channel, FlagKind, Participant, ParticipantStatus, utcnow
from bot.pseudonyms import new_pseudonym


def find_address(session: Session, channel: Channel, value: str) -> Address | None:
    # The participant comes in the same query: every caller goes on to use it.
    return session.scalar(
        select(Address)
        .options(joinedload(Address.participant))
        .where(Address.channel == channel, Address.value == value)
    )


def find_or_create_address(
    session: Session, channel: Channel, value: str, language: str = "en"
) -> tuple[Address, bool]:
    """Return (address, created). Two first messages from one new number at once make one person:
    the unique key on (channel, value) decides, and the loser reads the winner's row."""
    address = find_address(session, channel, value)
    if address is not None:
        return address, False
    try:
        with session.begin_nested():
            participant = Participant(pseudonym=new_pseudonym(session), language=language)
            address = Address(participant=participant, channel=channel, value=value)
            session.add(address)
    except IntegrityError:
        existing = find_address(session, channel, value)
        if existing is None:
            raise
        return existing, False
    return address, True


def set_status(participant: Participant, status: ParticipantStatus) -> None:
    if participant.status is not status:
        participant.status = status
        participant.status_changed_at = utcnow()


def hold_for_stop_request(session: Session, participant: Participant, message_id: int) -> None:
    """Someone asked in words to stop: staff get a flag, and non-essential messages are held
    (paused, not stopped: a person reads the words and decides). Anyone not active stays so."""
    raise_flag(session, FlagKind.STOP_REQUEST, participant_id=participant.id, message_id=message_id)
    if participant.status is ParticipantStatus.ACTIVE:
        set_status(participant, ParticipantStatus.PAUSED)
