"""The demo's phones: one per participant address, each with what that phone has seen.

A phone shows what the person sent and what reached them: messages the dispatcher handed to
the adapter (sent or delivered), not those still waiting in the outbox, so the demo shows the
real road, quiet hours and pacing included. Typing on a phone goes into `bot.inbox.receive`
like any provider's webhook. Used only by `voices demo`'s simulator page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.events import InboundMessage, split_tag, storable_text
from bot.inbox import Receipt, receive
from bot.models import (
    Address,
    Channel,
    Direction,
    Message,
    MessageStatus,
    Participant,
    ParticipantStatus,
)
from bot.reminders.wording import BUTTON_CHANNELS
from bot.settings import Settings

ARRIVED = (MessageStatus.SENT, MessageStatus.DELIVERED)
MOST_SHOWN = 200  # a phone's newest messages; older ones are in the admin page


@dataclass(frozen=True)
class Phone:
    pseudonym: str
    name: str
    channel: Channel
    language: str
    easy_read: bool
    address_id: int


@dataclass(frozen=True)
class Bubble:
    id: int
    mine: bool  # typed on this phone
    text: str
    at: datetime
    # Buttons to press, on the chat apps that show them; SMS shows the choices in the words.
    buttons: tuple[tuple[str, str], ...] = ()


def phones(session: Session) -> list[Phone]:
    rows = session.execute(
        select(Participant, Address)
        .join(Address, Address.participant_id == Participant.id)
        .where(Participant.status != ParticipantStatus.ERASED)
        .order_by(Participant.id, Address.id)
    ).all()
    return [
        Phone(
            person.pseudonym,
            person.display_name or person.pseudonym,
            address.channel,
            person.language,
            person.easy_read,
            address.id,
        )
        for person, address in rows
    ]


def find_phone(session: Session, pseudonym: str) -> Phone | None:
    return next((p for p in phones(session) if p.pseudonym == pseudonym), None)


def conversation(session: Session, phone: Phone) -> list[Bubble]:
    newest = list(
        session.scalars(
            select(Message)
            .where(
                Message.address_id == phone.address_id,
                (Message.direction == Direction.INBOUND) | Message.status.in_(ARRIVED),
            )
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(MOST_SHOWN)
        )
    )
    return [
        Bubble(
            m.id,
            m.direction is Direction.INBOUND,
            m.body,
            m.created_at,
            tuple((label, value) for label, value in m.choices or ())
            if phone.channel in BUTTON_CHANNELS and m.direction is Direction.OUTBOUND
            else (),
        )
        for m in reversed(newest)
    ]


def type_on(
    session: Session,
    settings: Settings,
    phone: Phone,
    text: str,
    token: str,
    *,
    button: bool = False,
) -> Receipt:
    """What the person typed, or the button they pressed, into the inbox. `token` comes from
    the phone's form, so pressing Send twice is one message, as with a provider's replay."""
    value = session.get(Address, phone.address_id).value
    tag = None
    if button:
        # As a Telegram button press: the value pressed is kept; the tag says which question.
        text, tag = split_tag(text)
    return receive(
        session,
        InboundMessage(
            phone.channel, value, f"SIM-{token}", storable_text(text), button=button, tag=tag
        ),
        settings,
    )
