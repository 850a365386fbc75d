"""Channel-neutral events: what every channel adapter turns a provider's payload into."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from bot.models import Channel, utcnow

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable_text(text: str) -> str:
    """The text as sent, except for the two things no database column can hold.

    NUL (which PostgreSQL text refuses, and no handset sends) and lone UTF-16 surrogates (which
    are not Unicode characters at all) become U+FFFD. Everything else is kept exactly."""
    return _UNSTORABLE.sub("\ufffd", text)


# A button's value carries the question it answers, "4|s12.3456", so that a press under an
# old message is never read as the answer to the question open now.
TAG_MARK = "|"


def tagged(choices: tuple[tuple[str, str], ...], tag: str | None) -> tuple[tuple[str, str], ...]:
    if tag is None:
        return choices
    return tuple((label, f"{value}{TAG_MARK}{tag}") for label, value in choices)


def split_tag(data: str) -> tuple[str, str | None]:
    """A button's value and the question it belongs to ("4", "s12.3456"), or (data, None)."""
    value, mark, tag = data.partition(TAG_MARK)
    return (value, tag) if mark and tag else (data, None)


class PayloadError(ValueError):
    """A webhook body that is not what the provider sends. The message is safe to return."""


@dataclass(frozen=True)
class InboundMessage:
    """One thing a participant said or pressed, exactly as it arrived."""

    channel: Channel
    # Normalised: E.164 for phones, the chat id for Telegram.
    address: str
    # The provider's unique id (Twilio MessageSid, Telegram update_id): the replay guard.
    provider_id: str
    text: str
    received_at: datetime = field(default_factory=utcnow)
    # Telegram lets people edit a sent message; an edit is kept but not answered again.
    edited: bool = False
    # A button press rather than typed text (Telegram callback_query).
    button: bool = False
    # Which question the pressed button belonged to (see `tagged`); None for typed text.
    tag: str | None = None


@dataclass(frozen=True)
class Reply:
    """Something the engine wants to say back. The outbox turns it into a queued message."""

    text: str
    kind: str = "reply"
    # Buttons for chat channels as (label, value) pairs; SMS shows the words of the text.
    choices: tuple[tuple[str, str], ...] = ()
    # Sent even though the participant has opted out (only the STOP confirmation).
    after_stop: bool = False
    # An easy-read picture to send with the words on channels that show pictures.
    media_url: str | None = None
