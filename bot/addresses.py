"""Turning what people and files give us into one normalised address per channel."""

from __future__ import annotations

import re

import phonenumbers

from bot.models import Channel

_CHAT_ID = re.compile(r"^-?\d{1,20}$")


class AddressError(ValueError):
    """An address that cannot be used. The message is safe to show: it never repeats the number."""


def normalise_phone(raw: str, region: str = "GB") -> str:
    """Return the E.164 form (+447700900123) of a phone number, or raise AddressError."""
    text = raw.strip()
    if text.lower().startswith("whatsapp:"):
        text = text.split(":", 1)[1]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise AddressError("this is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise AddressError("this phone number is not valid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_address(channel: Channel, raw: str, region: str = "GB") -> str:
    if channel in (Channel.SMS, Channel.WHATSAPP):
        return normalise_phone(raw, region)
    text = raw.strip()
    if channel is Channel.TELEGRAM and not _CHAT_ID.match(text):
        raise AddressError("a Telegram chat id is a whole number")
    if not text:
        raise AddressError("the address is empty")
    return text


def parse_channel(raw: str) -> Channel:
    try:
        return Channel(raw.strip().lower())
    except ValueError:
        names = ", ".join(c.value for c in Channel if c is not Channel.SIMULATOR)
        raise AddressError(f"the channel must be one of: {names}") from None
