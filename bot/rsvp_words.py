"""Reading an RSVP reply the way people really write it: "1", "one", "yeah", "cant come sorry".

The reminder asks for 1 (coming), 2 (can't come) or 3 (need help to get there). People answer
with the number, a word, a thumb, or a sentence. This only reads the reply; the raw text is
always kept by the caller, and anything not understood gets one kind re-prompt."""

from __future__ import annotations

import re

from bot.keywords import NO, YES, normalise
from bot.models import Rsvp

NUMBERS = {"1": Rsvp.COMING, "2": Rsvp.CANT_COME, "3": Rsvp.NEED_HELP}
WORDS = {"one": Rsvp.COMING, "two": Rsvp.CANT_COME, "three": Rsvp.NEED_HELP}

# A choice number first, then anything that is not another digit: "1", "1.", "2 sorry", "3)".
_LEADING_NUMBER = re.compile(r"^\s*([123])(?!\d)")
_CANT_COME = re.compile(
    r"\b(can'?t|cannot|can not|won'?t|unable to|not able to)\b.{0,20}"
    r"\b(come|coming|make it|attend|attending|go|going)\b"
    r"|\bnot (coming|going|attending)\b"
    r"|\b(i'?m|i am) (ill|sick|unwell)\b",
    re.IGNORECASE,
)
_NEED_HELP = re.compile(
    r"\b(need|want|get) (some )?help\b|\bhelp (to get|getting)\b|\b(a )?lift\b|\btransport\b",
    re.IGNORECASE,
)
_COMING = re.compile(
    r"\b(i'?ll be there|i will be there|see you (there|then)|coming"
    r"|i can (come|make it|be there))\b",
    re.IGNORECASE,
)


def read_rsvp(text: str) -> Rsvp | None:
    """The choice the reply makes, or None if it is not clear enough to act on."""
    plain = normalise(text)
    number = _LEADING_NUMBER.match(plain)
    if number:
        return NUMBERS[number.group(1)]
    if plain in WORDS:
        return WORDS[plain]
    # Words before yes/no: "no, I can come" is rare; "yes but I can't come" is not.
    if _CANT_COME.search(plain):
        return Rsvp.CANT_COME
    if _NEED_HELP.search(plain):
        return Rsvp.NEED_HELP
    if plain in YES or _COMING.search(plain):
        return Rsvp.COMING
    if plain in NO:
        return Rsvp.CANT_COME
    return None
