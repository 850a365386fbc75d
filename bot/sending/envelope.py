"""What the dispatcher hands an adapter, and the ways an adapter can say it did not work.

Every adapter has one public method, `send(envelope) -> provider id`. It either returns the
provider's id for the accepted message or raises one of the failures below; the dispatcher
decides what each failure means for the message row. Adapters never touch the database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.models import Channel


@dataclass(frozen=True)
class Envelope:
    message_id: int
    channel: Channel
    # E.164 for SMS and WhatsApp (no "whatsapp:" prefix), the chat id for Telegram.
    to: str
    text: str
    # Answer buttons as (label, value) pairs; Telegram shows them as an inline keyboard.
    choices: tuple[tuple[str, str], ...] = ()
    # Where Twilio should post delivery statuses; None to ask for none.
    status_callback: str | None = None
    # WhatsApp outside the 24-hour window: send this approved template (ContentSid) instead of
    # the text, with these variables ({"1": "Many Voices"}).
    template_sid: str | None = None
    template_variables: dict[str, str] | None = None
    # An easy-read picture (a public https URL) to show with the text. Adapters send it only
    # where the channel shows pictures: Telegram and WhatsApp, never SMS (no MMS).
    media_url: str | None = None


class SendFailure(Exception):
    """The provider did not take the message. `code` is the provider's own error code."""

    def __init__(self, reason: str, code: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class TransientFailure(SendFailure):
    """Worth trying again later: timeouts, rate limits, the provider's own outages."""

    def __init__(self, reason: str, code: str | None = None, retry_after: float | None = None):
        super().__init__(reason, code)
        # Seconds the provider asked us to wait (HTTP 429 Retry-After, Telegram retry_after).
        self.retry_after = retry_after


class PermanentFailure(SendFailure):
    """Trying again would fail the same way. Staff see the reason."""

    def __init__(self, reason: str, code: str | None = None, *, stop_address: bool = False):
        super().__init__(reason, code)
        # The person opted out with the carrier or blocked the bot: never send to this address.
        self.stop_address = stop_address


class OutcomeUnknown(SendFailure):
    """The request may have reached the provider, but no answer came back (a read timeout).

    Trying again could send the message twice, so it is never retried: at most once."""


class WindowClosed(SendFailure):
    """WhatsApp refused free text outside the 24-hour window (Twilio error 63016)."""


class Adapter(Protocol):
    def send(self, envelope: Envelope) -> str: ...
