"""How many SMS segments a text costs, and how to make it cost fewer.

Carriers bill SMS by the segment. A message written only in the GSM 03.38 alphabet (GSM-7)
fits 160 septets in one SMS, or 153 a part once it is split, because the part header takes
the rest. One character from outside that alphabet, like a curly quote pasted from a word
processor, turns the whole message into UCS-2: 70 UTF-16 code units, or 67 a part. That can
double or treble the cost of a reminder, so `plain_for_sms` swaps the usual typographic
characters for plain ones, and `estimate` shows staff the cost before they send.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.models import Channel
from bot.settings import SendingSettings

# The GSM 03.38 basic character set, each one septet. ESC (0x1B) is left out on purpose: it
# is the switch to the extension table, not a character anyone can send on its own.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each is sent as ESC and a second septet, so it costs two.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67

# Typographic characters with a plain GSM-7 equivalent. Only these are ever changed.
PLAIN_EQUIVALENTS = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "′": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "‟": '"',
        "″": '"',
        "‒": "-",
        "–": "-",
        "—": "-",
        "―": "-",
        "−": "-",
        "…": "...",
        "\u00a0": " ",  # no-break space
        "\u2007": " ",  # figure space
        "\u2009": " ",  # thin space
        "\u202f": " ",  # narrow no-break space
    }
)

Encoding = Literal["GSM-7", "UCS-2"]


@dataclass(frozen=True)
class SegmentCount:
    encoding: Encoding
    # Septets for GSM-7, UTF-16 code units for UCS-2.
    units: int
    segments: int


@dataclass(frozen=True)
class Estimate:
    # SMS segments; for the other channels, messages.
    segments: int
    pence: float


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def count_segments(text: str) -> SegmentCount:
    """Segments as the carrier counts them.

    Empty text is 0 segments: Twilio refuses an empty body, so nothing is sent or charged.
    """
    if is_gsm7(text):
        encoding: Encoding = "GSM-7"
        sizes = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
        single, part = GSM7_SINGLE, GSM7_PART
    else:
        encoding = "UCS-2"
        sizes = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
        single, part = UCS2_SINGLE, UCS2_PART
    units = sum(sizes)
    if units == 0:
        return SegmentCount(encoding, 0, 0)
    if units <= single:
        return SegmentCount(encoding, units, 1)
    # Not plain division: a part never ends between ESC and its character, or between the
    # two halves of a surrogate pair. The whole character moves on, leaving a unit unused.
    segments, used = 1, 0
    for size in sizes:
        if used + size > part:
            segments, used = segments + 1, 0
        used += size
    return SegmentCount(encoding, units, segments)


def plain_for_sms(text: str) -> str:
    """Swap typographic quotes, dashes, ellipses and odd spaces for plain ones.

    Only when the swap makes the whole message GSM-7 without adding segments. Otherwise the
    text comes back as written: an emoji keeps it UCS-2 anyway, and people's words and our copy
    are not changed for nothing. ("…" becomes three characters, so in a rare text full of them
    GSM-7 can cost more than UCS-2.)
    """
    plain = text.translate(PLAIN_EQUIVALENTS)
    if plain == text or not is_gsm7(plain):
        return text
    if count_segments(plain).segments > count_segments(text).segments:
        return text
    return plain


def estimate(text: str, channel: Channel, sending: SendingSettings) -> Estimate:
    """What staff see before a send. Empty text is nothing to send, so it costs nothing."""
    if not text:
        return Estimate(0, 0.0)
    if channel == Channel.SMS:
        segments = count_segments(plain_for_sms(text)).segments
        return Estimate(segments, segments * sending.sms_pence_per_segment)
    if channel == Channel.WHATSAPP:
        return Estimate(1, sending.whatsapp_pence_per_message)
    # Telegram is free to send, and the simulator never leaves our database.
    return Estimate(1, 0.0)
