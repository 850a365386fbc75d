"""A one-off message from staff to one participant, chosen by who they are, not by a number.

The admin page knows the person, not the address, so this picks their best address and hands it
to `bot.one_off.queue_one_off` in the form that function reads (`+44…`, `whatsapp:+44…`,
`telegram:<chat id>`). Every check (empty, too long, stopped address, opted out) stays there."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Address, AddressStatus, Channel, Message, Participant
from bot.one_off import OneOffError, queue_one_off
from bot.sending.broadcast import PREFERENCE
from bot.sending.sms_text import Estimate, estimate, is_gsm7, plain_for_sms
from bot.settings import Settings

# What `bot.one_off.parse_to` reads for each channel it can reach. The demo phone is not one.
_AS_TO = {
    Channel.SMS: "{value}",
    Channel.WHATSAPP: "whatsapp:{value}",
    Channel.TELEGRAM: "telegram:{value}",
}


def best_address(session: Session, participant_id: int) -> Address | None:
    """The address a one-off goes to: a working one before a stopped one, then the free
    channels first, as for broadcasts (bot.sending.broadcast.PREFERENCE).

    A stopped address is still chosen when it is all there is, so that `queue_one_off` says
    why nothing can be sent."""
    found = session.scalars(
        select(Address).where(
            Address.participant_id == participant_id, Address.channel.in_(list(_AS_TO))
        )
    ).all()
    if not found:
        return None
    return min(
        found,
        key=lambda a: (a.status is not AddressStatus.ACTIVE, PREFERENCE[a.channel], a.id),
    )


def preview(
    session: Session, settings: Settings, participant: Participant, text: str
) -> tuple[Channel, Estimate]:
    """The channel and the cost of `text`, queueing nothing."""
    address = _address_or_refuse(session, participant)
    return address.channel, estimate(text, address.channel, settings.sending)


def queue_to_participant(
    session: Session, settings: Settings, participant: Participant, text: str
) -> tuple[Message, Estimate]:
    """Queue `text` to the participant's best address. Raises OneOffError, safe to show."""
    address = _address_or_refuse(session, participant)
    to = _AS_TO[address.channel].format(value=address.value)
    return queue_one_off(session, settings, to, text)


def describe(channel: Channel, cost: Estimate, text: str = "") -> str:
    """ "2 SMS segments, about 8p", "1 Telegram message, free", in the same words as the live
    count in webhooks/admin/static/segments.js. With the text, says when an SMS is UCS-2."""
    if channel is Channel.SMS:
        unit = "SMS segment" if cost.segments == 1 else "SMS segments"
    else:
        name = {Channel.WHATSAPP: "WhatsApp", Channel.TELEGRAM: "Telegram"}.get(channel, "")
        unit = f"{name} message" if cost.segments == 1 else f"{name} messages"
    price = f"about {cost.pence:g}p" if cost.pence else "free"
    words = f"{cost.segments} {unit}, {price}"
    if channel is Channel.SMS and cost.segments and not is_gsm7(plain_for_sms(text)):
        words += (
            ". It has a character outside the plain SMS alphabet, so each segment holds 70 not 160"
        )
    return words


def _address_or_refuse(session: Session, participant: Participant) -> Address:
    address = best_address(session, participant.id)
    if address is None:
        raise OneOffError(
            f"{participant.pseudonym} has no phone number or Telegram chat to send to"
        )
    return address
