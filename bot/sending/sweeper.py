"""Tidying the outbox: stuck sends become unknown, held messages go again when they can, and
held messages whose moment has passed expire.

Runs on its own schedule, so that a worker that died mid-send is noticed even when nothing
else is happening."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.delivery_status import flag_unknown
from bot.models import (
    Address,
    Channel,
    Direction,
    Message,
    MessageStatus,
    Participant,
    ParticipantStatus,
)
from bot.sending.claiming import NO_ADAPTER, PAUSED, WINDOW_CLOSED, whatsapp_window_open
from bot.settings import Settings


@dataclass
class SweepReport:
    unknown: int = 0
    released: int = 0
    expired: int = 0


def sweep(
    session: Session, settings: Settings, channels: Collection[Channel], now: datetime
) -> SweepReport:
    report = SweepReport()
    stuck_before = now - timedelta(seconds=settings.sending.stuck_after_seconds)
    for message in session.scalars(
        select(Message)
        .where(
            Message.direction == Direction.OUTBOUND,
            Message.status == MessageStatus.SENDING,
            Message.status_changed_at < stuck_before,
        )
        .with_for_update(skip_locked=True)
    ):
        # The provider may have taken it before the worker died: tell staff, never resend.
        message.status, message.status_changed_at = MessageStatus.UNKNOWN, now
        message.error_text = "the worker stopped while sending; it may or may not have gone"
        flag_unknown(session, message)
        report.unknown += 1
    for message, address, person_status in session.execute(
        select(Message, Address, Participant.status)
        .join(Address, Address.id == Message.address_id)
        .join(Participant, Participant.id == Message.participant_id)
        .where(
            Message.direction == Direction.OUTBOUND,
            Message.status == MessageStatus.HELD,
            Message.error_code.in_((WINDOW_CLOSED, NO_ADAPTER, PAUSED)),
        )
        .with_for_update(skip_locked=True, of=Message)
    ):
        if message.not_after is not None and message.not_after <= now:
            message.status, message.status_changed_at = MessageStatus.EXPIRED, now
            report.expired += 1
        elif _can_go_now(message, address, person_status, channels, now):
            message.status, message.next_attempt_at, message.status_changed_at = (
                MessageStatus.QUEUED,
                now,
                now,
            )
            message.error_code = message.error_text = None
            report.released += 1
    return report


def _can_go_now(
    message: Message,
    address: Address,
    person_status: ParticipantStatus,
    channels: Collection[Channel],
    now: datetime,
) -> bool:
    if message.error_code == PAUSED:
        # Held while the person asked for fewer messages; it goes if they have come back.
        return person_status is ParticipantStatus.ACTIVE
    if message.error_code == NO_ADAPTER:
        return address.channel in channels
    # Held for WhatsApp's window: it reopens only when the person writes to us again, after
    # the hold. (Trusting an older last_inbound_at would loop: Twilio's 63016 already said no.)
    last = address.last_inbound_at
    held_at = message.status_changed_at
    wrote_since = last is not None and (held_at is None or last > held_at)
    return wrote_since and whatsapp_window_open(last, now)
