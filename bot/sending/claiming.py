"""Deciding, inside one short transaction, what each due message should do now.

Every due row gets exactly one of: claimed for sending (status `sending`), deferred to its
participant's next send window, held for staff, expired, or cancelled. Only claimed rows leave
this transaction; the provider is called after it commits, outside any transaction."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from bot.delivery_status import WINDOW_CLOSED
from bot.flags import raise_flag
from bot.models import (
    Address,
    AddressStatus,
    Channel,
    Direction,
    FlagKind,
    Message,
    MessageStatus,
    ParticipantStatus,
)
from bot.outbox import SAFETY_KIND
from bot.sending.envelope import Envelope
from bot.sending.send_window import next_opening, window_for
from bot.sending.sms_text import count_segments, plain_for_sms
from bot.settings import Settings
from bot.surveys.asking import without_faces

# WhatsApp lets a business send free text only within 24 hours of the person's last message.
WHATSAPP_WINDOW = timedelta(hours=24)
# Twilio's code for "outside the window": also how a held or re-queued row remembers why.
NO_ADAPTER = "no_adapter"
PAUSED = "paused"
# Someone who asked for fewer messages (paused) still gets these: answers to what they said
# and what staff write to them by hand. Reminders, surveys and broadcasts wait, held.
ESSENTIAL_KINDS = frozenset(
    {"reply", "consent", "stop_confirmation", "staff", SAFETY_KIND, "erasure"}
)
# Sent even to someone who has opted out, because they are answers to what they just wrote:
# the STOP confirmation, safety signposting, and the "delete my data" exchange.
AFTER_STOP_KINDS = frozenset({"stop_confirmation", SAFETY_KIND, "erasure"})
STATUS_PATH = "/webhooks/twilio/status"


def whatsapp_window_open(last_inbound_at: datetime | None, now: datetime) -> bool:
    return last_inbound_at is not None and last_inbound_at + WHATSAPP_WINDOW > now


@dataclass(frozen=True)
class Claimed:
    message_id: int
    envelope: Envelope
    attempts: int


@dataclass
class Claim:
    claimed: list[Claimed] = field(default_factory=list)
    deferred: int = 0
    held: int = 0
    expired: int = 0
    cancelled: int = 0

    @property
    def decided(self) -> int:
        return len(self.claimed) + self.deferred + self.held + self.expired + self.cancelled


def claim_due(
    session: Session,
    settings: Settings,
    channels: Collection[Channel],
    now: datetime,
    limit: int,
) -> Claim:
    """Decide every due row (up to `limit`) and mark the ones to send as `sending`.

    `channels` are the ones with a working adapter; a message for any other waits, held."""
    # Urgent first, then the rest, each oldest first. Two queries rather than ORDER BY urgent
    # DESC, so each is one range of the (status, urgent, next_attempt_at) index and stops at
    # `limit`: a 10,000-message broadcast must not be sorted again for every batch.
    rows = _due(session, now, limit, urgent=True)
    if len(rows) < limit:
        rows += _due(session, now, limit - len(rows), urgent=False)
    addresses = _addresses(session, {row.address_id for row in rows if row.address_id})
    claim = Claim()
    decide = _Decider(session, settings, channels, now, addresses)
    for message in rows:
        decide(message, claim)
    return claim


def _due(session: Session, now: datetime, limit: int, *, urgent: bool) -> list[Message]:
    return list(
        session.scalars(
            select(Message)
            .where(
                Message.status == MessageStatus.QUEUED,
                Message.urgent == urgent,
                Message.next_attempt_at <= now,
                Message.direction == Direction.OUTBOUND,
            )
            .order_by(Message.next_attempt_at, Message.id)
            .limit(limit)
            # Two dispatchers must never take the same row. SQLite ignores this; there the
            # worker lock and BEGIN IMMEDIATE (bot.db) make one dispatcher the only writer.
            .with_for_update(skip_locked=True)
        )
    )


def _addresses(session: Session, ids: set[int]) -> dict[int, Address]:
    if not ids:
        return {}
    found = session.scalars(
        select(Address).options(joinedload(Address.participant)).where(Address.id.in_(ids))
    )
    return {address.id: address for address in found}


class _Decider:
    def __init__(self, session, settings, channels, now, addresses) -> None:
        self.session, self.settings, self.channels = session, settings, channels
        self.now, self.addresses = now, addresses
        self.zone = ZoneInfo(settings.app.timezone)

    def __call__(self, message: Message, claim: Claim) -> None:
        address = self.addresses.get(message.address_id or -1)
        if address is None:
            # Only possible after erasure removed the address: there is no one to send to.
            return self._finish(message, MessageStatus.CANCELLED, claim, "no address")
        person = address.participant
        if person.status is ParticipantStatus.ERASED:
            return self._finish(message, MessageStatus.CANCELLED, claim, "person erased")
        if address.status is AddressStatus.STOPPED and message.kind != SAFETY_KIND:
            # Safety signposting is still tried: if the carrier blocks it, the failure shows.
            return self._finish(message, MessageStatus.CANCELLED, claim, "address stopped")
        if person.status is ParticipantStatus.STOPPED and message.kind not in AFTER_STOP_KINDS:
            return self._finish(message, MessageStatus.CANCELLED, claim, "person opted out")
        if message.not_after is not None and message.not_after <= self.now:
            return self._finish(message, MessageStatus.EXPIRED, claim, "too late to be useful")
        if person.status is ParticipantStatus.PAUSED and message.kind not in ESSENTIAL_KINDS:
            return self._hold(message, claim, PAUSED, "the person asked for fewer messages")
        if not message.urgent and self._defer_to_window(message, person.quiet_hours, claim):
            return None
        template = None
        if message.channel is Channel.WHATSAPP and self._whatsapp_window_closed(message, address):
            address, template = self._outside_whatsapp_window(message, address)
            if address is None:
                return self._hold(
                    message, claim, WINDOW_CLOSED, "WhatsApp's 24-hour window is closed"
                )
        if address.channel not in self.channels:
            return self._hold(message, claim, NO_ADAPTER, f"{address.channel} is not switched on")
        claim.claimed.append(self._mark_sending(message, address, template))
        return None

    def _finish(self, message: Message, status: MessageStatus, claim: Claim, why: str) -> None:
        message.status, message.status_changed_at, message.error_text = status, self.now, why
        if status is MessageStatus.EXPIRED:
            claim.expired += 1
        else:
            claim.cancelled += 1

    def _hold(self, message: Message, claim: Claim, code: str, why: str) -> None:
        message.status, message.status_changed_at = MessageStatus.HELD, self.now
        message.error_code, message.error_text = code, why
        if code == WINDOW_CLOSED:
            # Staff can act on this one (ask them to message us, or add an SMS number). Holds for
            # a pause or a channel that is off are visible in the outbox, not a flag per person.
            raise_flag(
                self.session,
                FlagKind.DELIVERY_FAILURE,
                participant_id=message.participant_id,
                message_id=message.id,
            )
        claim.held += 1

    def _defer_to_window(self, message: Message, own: str | None, claim: Claim) -> bool:
        window = window_for(own, self.settings.app.send_window)
        opening = next_opening(self.now, window, self.zone)
        if opening is None:
            return False
        if message.not_after is not None and opening >= message.not_after:
            self._finish(message, MessageStatus.EXPIRED, claim, "the send window opens too late")
        else:
            message.next_attempt_at = opening
            claim.deferred += 1
        return True

    def _whatsapp_window_closed(self, message: Message, address: Address) -> bool:
        # A 63016 from Twilio beats our own record: the window was closed whatever we thought.
        open_ = whatsapp_window_open(address.last_inbound_at, self.now)
        return not open_ or message.error_code == WINDOW_CLOSED

    def _outside_whatsapp_window(
        self, message: Message, address: Address
    ) -> tuple[Address | None, str | None]:
        """Send the approved template, or by SMS if allowed, or (None, None): hold it."""
        if self.settings.twilio.whatsapp_template_sid:
            return address, self.settings.twilio.whatsapp_template_sid
        if self.settings.sending.whatsapp_fallback_to_sms:
            sms = next(
                (
                    other
                    for other in address.participant.addresses
                    if other.channel is Channel.SMS and other.status is AddressStatus.ACTIVE
                ),
                None,
            )
            if sms is not None:
                message.channel, message.address_id = Channel.SMS, sms.id
                if message.kind == "survey":
                    # Faces were for WhatsApp; on SMS one emoji more than doubles the cost.
                    message.body = without_faces(message.body)
                return sms, None
        return None, None

    def _mark_sending(self, message: Message, address: Address, template: str | None) -> Claimed:
        text = message.body
        if address.channel is Channel.SMS:
            # What is stored is what was sent: the plain form, when that keeps it in GSM-7.
            text = message.body = plain_for_sms(message.body)
            message.segments = count_segments(text).segments
        message.status, message.status_changed_at = MessageStatus.SENDING, self.now
        message.attempts += 1
        twilio = address.channel in (Channel.SMS, Channel.WHATSAPP)
        envelope = Envelope(
            message_id=message.id,
            channel=address.channel,
            to=address.value,
            text=text,
            choices=tuple((label, value) for label, value in message.choices or ()),
            status_callback=self.settings.app.public_url + STATUS_PATH if twilio else None,
            template_sid=template,
            template_variables={"1": text} if template else None,
            media_url=message.media_url,
        )
        return Claimed(message.id, envelope, message.attempts)
