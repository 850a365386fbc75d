"""Twilio's message statuses and error codes, and what each means for us.

Sources: Twilio's docs "Messaging webhooks: MessageStatus values" and the error dictionary."""

from __future__ import annotations

from bot.models import MessageStatus

# Twilio MessageStatus in a status callback -> our status. Twilio's own pre-send states
# (accepted, queued, sending, scheduled) tell us nothing new: the worker already marked them.
STATUS_MAP: dict[str, MessageStatus] = {
    "sent": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED,
    "read": MessageStatus.DELIVERED,  # WhatsApp read receipt: delivered, and then some
    "undelivered": MessageStatus.UNDELIVERED,
    "failed": MessageStatus.FAILED,
    "canceled": MessageStatus.CANCELLED,
}

# The recipient replied STOP to the carrier or Twilio: nothing more may be sent to them.
OPTED_OUT = "21610"

# Codes that mean this address cannot be reached: staff need to know and to check the number.
UNDELIVERABLE: dict[str, str] = {
    "21211": "the number is not a valid phone number",
    "21408": "sending to this country is not switched on",
    "21610": "the person opted out with their carrier",
    "21612": "Twilio cannot route to this number",
    "21614": "the number cannot receive text messages (a landline?)",
    "30003": "the phone is switched off or unreachable",
    "30004": "the message was blocked by the carrier or the person",
    "30005": "the number is unknown or no longer exists",
    "30006": "the number is a landline or cannot receive texts",
    "30007": "the carrier filtered the message as spam",
    "30008": "the carrier could not deliver it, for an unknown reason",
    "63016": "outside WhatsApp's 24-hour window without an approved template",
}


def describe(error_code: str | None) -> str | None:
    if not error_code:
        return None
    return UNDELIVERABLE.get(error_code, f"Twilio error {error_code}")
