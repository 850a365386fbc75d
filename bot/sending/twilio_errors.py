"""What a refusal from Twilio means for us: the table the Twilio adapter classifies errors by.

Nothing here may carry a phone number, a message body or a secret into a reason: reasons are
shown to staff and end up in logs. Twilio's own messages sometimes quote the number ("The 'To'
number +44… is not a valid phone number"), so they are scrubbed before use."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from bot.channels.twilio_codes import describe
from bot.sending.envelope import (
    OutcomeUnknown,
    PermanentFailure,
    SendFailure,
    TransientFailure,
    WindowClosed,
)

# Twilio error code -> what it means for us. The reasons come from twilio_codes.describe, so
# staff read the same words here as in delivery-status callbacks.
BY_CODE: dict[str, Callable[[str, str], SendFailure]] = {
    # The person texted STOP: Twilio refuses everything until they text START, so stop too.
    "21610": lambda reason, code: PermanentFailure(reason, code, stop_address=True),
    # Not a valid number / not able to receive SMS (a landline): retrying cannot help, but the
    # person has not opted out, so staff may fix the number.
    "21211": lambda reason, code: PermanentFailure(reason, code),
    "21614": lambda reason, code: PermanentFailure(reason, code),
    # WhatsApp free text outside the 24-hour window: the dispatcher decides on a template or SMS.
    "63016": lambda reason, code: WindowClosed(reason, code),
}
# Anything else by HTTP status: 502 and 504 (a gateway timed out; Twilio may have the message)
# are unknown, never retried; 429 and other 5xx are Twilio's load and outages, worth another try;
# any other 4xx means this request is wrong and would fail the same way again.

REASON_LIMIT = 200
# A phone number, with or without the channel prefix and the separators people type.
_NUMBER = re.compile(r"(?:whatsapp:)?\+?\d[\d\s().-]{4,}\d")
# twilio's Version.exception puts this in front of the server's message.
_LIBRARY_PREFIX = "Unable to create record: "


def classify(
    status: int, code: int | str | None, message: str, headers: Mapping[str, Any] | None
) -> SendFailure:
    """The failure to raise for an HTTP error answer from Twilio's Messages endpoint."""
    code_text = str(code) if code is not None and code != status else None
    if code_text in BY_CODE:
        return BY_CODE[code_text](describe(code_text) or code_text, code_text)
    if status in (502, 504):
        # A gateway gave up waiting on Twilio: the message may be on its way all the same.
        return OutcomeUnknown(
            f"Twilio answered HTTP {status}; the message may have gone", code_text
        )
    if status == 429 or status >= 500:
        return TransientFailure(
            f"Twilio answered HTTP {status}; try again later",
            code_text,
            retry_after=retry_after(headers),
        )
    said = scrub(message) or "no reason given"
    return PermanentFailure(f"Twilio refused the message (HTTP {status}): {said}", code_text)


def scrub(message: str) -> str:
    """Twilio's message without phone numbers, on one line and at most REASON_LIMIT long."""
    text = message.removeprefix(_LIBRARY_PREFIX)
    text = " ".join(_NUMBER.sub("[number]", text).split())
    if len(text) > REASON_LIMIT:
        text = text[: REASON_LIMIT - 1].rstrip() + "…"
    return text


def retry_after(headers: Mapping[str, Any] | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not headers:
        return None
    # requests gives a case-insensitive dict, a fake may give a plain one.
    value = next((v for k, v in headers.items() if str(k).lower() == "retry-after"), None)
    if value is None:
        return None
    value = str(value).strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return max(seconds, 0.0)
