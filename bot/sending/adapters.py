"""Which adapter sends on which channel, from settings.

A channel that is not switched on has no adapter, so its messages are held for staff rather
than quietly marked sent: a reminder that never left must not look as if it did."""

from __future__ import annotations

from bot.models import Channel
from bot.sending.envelope import Adapter, Envelope


class SimulatorAdapter:
    """The demo phone page's channel: the message row in our own database is the delivery."""

    def send(self, envelope: Envelope) -> str:
        return f"SIM{envelope.message_id}"


def build_adapters(settings) -> dict[Channel, Adapter]:
    adapters: dict[Channel, Adapter] = {Channel.SIMULATOR: SimulatorAdapter()}
    # Imported only when switched on: each pulls in a large client library.
    if settings.twilio.enabled:
        from bot.sending.twilio_adapter import TwilioAdapter

        twilio = TwilioAdapter(settings.twilio)
        adapters[Channel.SMS] = twilio
        if settings.twilio.whatsapp_from:
            adapters[Channel.WHATSAPP] = twilio
    if settings.telegram.enabled:
        from bot.sending.telegram_adapter import TelegramAdapter

        adapters[Channel.TELEGRAM] = TelegramAdapter(settings.telegram)
    return adapters
