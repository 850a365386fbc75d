"""The outbox: every message we send is first a queued row, sent later by the worker.

Nothing here calls a provider. Queuing happens inside the caller's transaction, so a reply
exists if and only if the message that caused it was stored."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.events import Reply
from bot.models import Address, Direction, Message, MessageStatus, utcnow

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
        status=MessageStatus.QUEUED,
        send_key=send_key,
        urgent=urgent,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(message)
    return message


def cancel_pending(session: Session, participant_id: int, *, keep_kind: str | None = None) -> int:
    """Withdraw every not-yet-sent message to one participant. Returns how many."""
    conditions = [
        Message.participant_id == participant_id,
        Message.direction == Direction.OUTBOUND,
        Message.status.in_(NOT_YET_SENT),
    ]
    if keep_kind is not None:
        conditions.append(Message.kind != keep_kind)
    result = session.execute(
        update(Message)
        .where(*conditions)
        .values(status=MessageStatus.CANCELLED, status_changed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
