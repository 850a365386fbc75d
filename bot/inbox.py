"""The front door for every inbound message, from every channel.

`receive` runs inside the caller's one transaction: find or make the participant, store the
message verbatim, run the engine, and queue any replies. A replay (the same provider id on the
same channel) is stopped by the database's unique key with INSERT … ON CONFLICT DO NOTHING, not
by a look-up first, so concurrent replays also make exactly one row and one reply."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot import engine, safeguarding
from bot.events import InboundMessage
from bot.models import Address, Direction, Message, MessageStatus
from bot.outbox import queue
from bot.participants import find_or_create_address
from bot.settings import Settings
from bot.turn import Turn

log = logging.getLogger(__name__)

_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


@dataclass(frozen=True)
class Receipt:
    message_id: int | None
    duplicate: bool = False
    replies: int = 0


def receive(session: Session, msg: InboundMessage, settings: Settings | None = None) -> Receipt:
    settings = settings or Settings()
    address, _ = find_or_create_address(
        session, msg.channel, msg.address, language=settings.app.default_language
    )
    message_id = _store_once(session, msg, address)
    if message_id is None:
        log.info("inbound %s message: replay ignored", msg.channel.value)
        return Receipt(None, duplicate=True)
    address.last_inbound_at = msg.received_at
    turn = Turn(session, settings, address.participant, address, message_id, msg.text, tag=msg.tag)
    if msg.edited:
        # An edit is not answered again, unless it now says they may be at risk.
        safeguarding.check(turn)
    else:
        engine.run(turn)
    for then in turn.afterwards:
        then()
    for index, reply in enumerate(turn.replies):
        # A reply to the person's own message is wanted now: it is never held for quiet hours.
        queue(session, address, reply, send_key=f"reply:{message_id}:{index}", urgent=True)
    log.info("inbound message %s stored; %d replies queued", message_id, len(turn.replies))
    return Receipt(message_id, replies=len(turn.replies))


def _store_once(session: Session, msg: InboundMessage, address: Address) -> int | None:
    """Insert the message unless this provider id is already stored. Returns the new id."""
    insert = _INSERT[session.get_bind().dialect.name]
    statement = (
        insert(Message)
        .values(
            direction=Direction.INBOUND,
            channel=msg.channel,
            participant_id=address.participant_id,
            address_id=address.id,
            body=msg.text,
            provider_id=msg.provider_id,
            status=MessageStatus.RECEIVED,
            kind="edit" if msg.edited else "button" if msg.button else "message",
            created_at=msg.received_at,
        )
        .on_conflict_do_nothing(index_elements=["channel", "provider_id"])
        .returning(Message.id)
    )
    return session.scalar(statement)
