"""A one-off message from staff to one known participant, queued like any other."""

from __future__ import annotations

import uuid

from bot.addresses import AddressError, normalise_address
from bot.events import Reply
from bot.models import AddressStatus, Channel, Message, ParticipantStatus
from bot.outbox import queue
from bot.participants import find_address
from bot.sending.sms_text import Estimate, estimate
from bot.settings import Settings

MOST_CHARACTERS = 1600  # Twilio's limit for one message body; Telegram's is larger


class OneOffError(ValueError):
    """Why the message cannot be queued. Safe to show: it never repeats the address."""


def parse_to(raw: str, region: str) -> tuple[Channel, str]:
    """`+44…` or `07…` is SMS, `whatsapp:+44…` is WhatsApp, `telegram:<chat id>` is Telegram."""
    text = raw.strip()
    scheme, _, rest = text.partition(":")
    channel = {"whatsapp": Channel.WHATSAPP, "telegram": Channel.TELEGRAM}.get(scheme.lower())
    try:
        if channel is None:
            return Channel.SMS, normalise_address(Channel.SMS, text, region)
        return channel, normalise_address(channel, rest, region)
    except AddressError as exc:
        raise OneOffError(str(exc)) from None


def queue_one_off(session, settings: Settings, to: str, text: str) -> tuple[Message, Estimate]:
    if not text.strip():
        raise OneOffError("the message is empty")
    if len(text) > MOST_CHARACTERS:
        raise OneOffError(f"the message is longer than {MOST_CHARACTERS} characters")
    channel, value = parse_to(to, settings.app.phone_region)
    address = find_address(session, channel, value)
    if address is None:
        # Only people who joined or were imported have been asked for consent.
        raise OneOffError(
            "nobody has this address. Add them first with `voices import participants`"
        )
    if address.status is AddressStatus.STOPPED:
        raise OneOffError(f"{address.participant.pseudonym} cannot get messages at this address")
    if address.participant.status in (ParticipantStatus.STOPPED, ParticipantStatus.ERASED):
        raise OneOffError(f"{address.participant.pseudonym} has opted out, so nothing is sent")
    message = queue(session, address, Reply(text, kind="staff"), send_key=f"staff:{uuid.uuid4()}")
    session.flush()
    return message, estimate(text, channel, settings.sending)
