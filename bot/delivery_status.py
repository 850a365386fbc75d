"""Moving sent messages on when a provider tells us what happened. A status never goes back."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.channels import twilio_codes
from bot.flags import raise_flag
from bot.models import (
    Address,
    AddressStatus,
    Channel,
    Direction,
    FlagKind,
    Message,
    MessageStatus,
    StatusEvent,
    utcnow,
)

# How far along its road each status is. An update may only move a message further.
PROGRESS: dict[MessageStatus, int] = {
    MessageStatus.QUEUED: 0,
    MessageStatus.HELD: 0,
    MessageStatus.SENDING: 1,
    MessageStatus.UNKNOWN: 1,
    MessageStatus.SENT: 2,
    MessageStatus.DELIVERED: 3,
    MessageStatus.UNDELIVERED: 3,
    MessageStatus.FAILED: 3,
    MessageStatus.EXPIRED: 3,
    MessageStatus.CANCELLED: 3,
}


def record_event(
    session: Session, channel: Channel, provider_id: str, status: str, error_code: str | None
) -> bool:
    """Store a status callback once. Returns False for a replay of one already stored."""
    try:
        with session.begin_nested():
            session.add(
                StatusEvent(
                    channel=channel.value,
                    provider_id=provider_id,
                    status=status,
                    error_code=error_code,
                )
            )
    except IntegrityError:
        return False
    return True


def apply_twilio_status(
    session: Session, channel: Channel, provider_id: str, status: str, error_code: str | None
) -> Message | None:
    """Act on one Twilio status for one message: move it on, stop an opted-out address, send
    a 63016 again by the closed-window road, and flag failures for staff. Returns the message
    if this status moved it on, else None."""
    new = twilio_codes.STATUS_MAP.get(status)
    if new is None:
        return None
    reason = twilio_codes.describe(error_code)
    message = advance(session, channel, provider_id, new, error_code, reason)
    if message is None:
        # Unknown id, or a status it had already reached or passed: nothing more to do, so a
        # second callback (undelivered, then failed), or the same one applied again after a
        # batch, never flags or resends twice.
        return None
    if error_code == twilio_codes.OPTED_OUT:
        stop_address(session, message.address_id)
    if (
        error_code == WINDOW_CLOSED
        and channel is Channel.WHATSAPP
        and resend_outside_window(session, message) is not None
    ):
        return message  # not a failure yet: it goes again by the template or SMS, or is held
    if new in (MessageStatus.UNDELIVERED, MessageStatus.FAILED) or (
        error_code in twilio_codes.UNDELIVERABLE
    ):
        flag_failure(session, message)
    return message


def apply_early_statuses(session: Session, sent: list[tuple[Channel, str]]) -> int:
    """Apply callbacks that arrived before we had stored the provider's id.

    Twilio can call back ("sent", even "delivered") before the dispatcher's record of the id
    commits; the webhook then stores the event but finds no message. Run after a batch's
    records, this applies those, oldest first. Returns how many were applied."""
    applied = 0
    by_channel: dict[Channel, list[str]] = {}
    for channel, provider_id in sent:
        by_channel.setdefault(channel, []).append(provider_id)
    for channel, ids in by_channel.items():
        events = session.execute(
            select(StatusEvent.provider_id, StatusEvent.status, StatusEvent.error_code)
            .where(StatusEvent.channel == channel.value, StatusEvent.provider_id.in_(ids))
            .order_by(StatusEvent.id)
        ).all()
        for provider_id, status, error_code in events:
            if apply_twilio_status(session, channel, provider_id, status, error_code):
                applied += 1
    return applied


def advance(
    session: Session,
    channel: Channel,
    provider_id: str,
    new: MessageStatus,
    error_code: str | None,
    reason: str | None,
) -> Message | None:
    """Move the message on, if this status is further along than the one it has. Returns the
    message if it moved, else None."""
    message = session.scalar(
        select(Message).where(
            Message.channel == channel,
            Message.provider_id == provider_id,
            Message.direction == Direction.OUTBOUND,
        )
    )
    if message is None or PROGRESS[new] <= PROGRESS.get(message.status, 0):
        return None
    message.status, message.status_changed_at = new, utcnow()
    if error_code:
        message.error_code, message.error_text = error_code, reason
    return message


# Twilio's "outside WhatsApp's 24-hour window" (the same code as bot.sending.claiming's).
WINDOW_CLOSED = "63016"


def resend_outside_window(session: Session, message: Message) -> Message | None:
    """WhatsApp refused free text after Twilio took it (63016 arrives by status callback, not
    when sending). Queue the same message again marked window-closed, so the claim sends the
    approved template, or falls back to SMS, or holds it and tells staff, exactly as for a
    message it knew was outside the window. Once per message, however many callbacks say so,
    and never for a copy: a 63016 on the copy (say, the template was refused) is a failure for
    staff, not another try. Returns the copy, or None if none was made."""
    if (message.send_key or "").startswith("63016:"):
        return None
    again_key = f"63016:{message.id}"
    if session.scalar(select(Message.id).where(Message.send_key == again_key)) is not None:
        return None
    now = utcnow()
    again = Message(
        direction=Direction.OUTBOUND,
        channel=message.channel,
        participant_id=message.participant_id,
        address_id=message.address_id,
        enrolment_id=message.enrolment_id,
        body=message.body,
        kind=message.kind,
        choices=message.choices,
        status=MessageStatus.QUEUED,
        send_key=again_key,
        urgent=message.urgent,
        error_code=WINDOW_CLOSED,
        error_text="WhatsApp's 24-hour window was closed; sending another way",
        next_attempt_at=now,
        not_after=message.not_after,
        created_at=now,
    )
    session.add(again)
    return again


def stop_address(session: Session, address_id: int | None) -> None:
    address = session.get(Address, address_id) if address_id else None
    if address is not None:
        address.status = AddressStatus.STOPPED


def flag_failure(session: Session, message: Message) -> None:
    _flag_message(session, message, FlagKind.DELIVERY_FAILURE)


def flag_unknown(session: Session, message: Message) -> None:
    """The message may or may not have gone: staff check with the person, we never resend."""
    _flag_message(session, message, FlagKind.UNKNOWN_DELIVERY)


def _flag_message(session: Session, message: Message, kind: FlagKind) -> None:
    # One flag per message, not per person: each failed message needs its own look.
    raise_flag(
        session, kind, participant_id=message.participant_id, message_id=message.id, once=False
    )
