"""The outbox: every message we send is first a queued row, sent later by the worker.

Nothing here calls a provider. Queuing happens inside the caller's transaction, so a reply
exists if and only if the message that caused it was stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.events import Reply
from bot.models import Address, Channel, Direction, Message, MessageStatus, utcnow

# The kind of a safety signposting reply (bot.safeguarding): never withdrawn but by erasure.
SAFETY_KIND = "safeguarding"

# Statuses a message can still be stopped in: it has not reached the provider.
NOT_YET_SENT = (MessageStatus.QUEUED, MessageStatus.HELD)


def queue(
    session: Session,
    address: Address,
    reply: Reply,
    *,
    send_key: str | None = None,
    urgent: bool = False,
) -> Message:
    now = utcnow()
    message = Message(
        direction=Direction.OUTBOUND,
        channel=address.channel,
        participant_id=address.participant_id,
        address_id=address.id,
        body=reply.text,
        kind=reply.kind,
        choices=[list(choice) for choice in reply.choices] or None,
        media_url=reply.media_url,
        status=MessageStatus.QUEUED,
        send_key=send_key,
        urgent=urgent,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(message)
    return message


def queued_row(
    *,
    participant_id: int,
    address_id: int,
    channel: Channel,
    reply: Reply,
    send_key: str,
    now: datetime,
    not_after: datetime | None = None,
    enrolment_id: int | None = None,
    broadcast_id: int | None = None,
) -> dict[str, Any]:
    """One queued, non-urgent message as a plain row, for producers that insert many at once
    (bot.reminders.audience.insert_rows) rather than one ORM object at a time."""
    return {
        "direction": Direction.OUTBOUND,
        "channel": channel,
        "participant_id": participant_id,
        "address_id": address_id,
        "enrolment_id": enrolment_id,
        "broadcast_id": broadcast_id,
        "body": reply.text,
        "kind": reply.kind,
        "choices": [list(choice) for choice in reply.choices] or None,
        "media_url": reply.media_url,
        "status": MessageStatus.QUEUED,
        "send_key": send_key,
        "urgent": False,
        "attempts": 0,
        "next_attempt_at": now,
        "not_after": not_after,
        "created_at": now,
    }


def cancel_pending(
    session: Session,
    participant_id: int,
    *,
    keep_kind: str | None = None,
    only_kind: str | None = None,
    even_safety: bool = False,
) -> int:
    """Withdraw every not-yet-sent message to one participant. Returns how many.

    Safety signposting stays unless `even_safety` (erasure): "I want to die" then STOP a
    second later must still get its answer."""
    conditions = [
        Message.participant_id == participant_id,
        Message.direction == Direction.OUTBOUND,
        Message.status.in_(NOT_YET_SENT),
    ]
    if keep_kind is not None:
        conditions.append(Message.kind != keep_kind)
    if only_kind is not None:
        conditions.append(Message.kind == only_kind)
    if not even_safety:
        conditions.append(Message.kind != SAFETY_KIND)
    result = session.execute(
        update(Message)
        .where(*conditions)
        .values(status=MessageStatus.CANCELLED, status_changed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
