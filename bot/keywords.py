"""Reading what people really type: keywords, yes and no, joins, and stop requests in words."""

from __future__ import annotations

import re
import unicodedata

# Twilio's standard opt-out and opt-in words. A message that is only one of these is a keyword.
OPT_OUT = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"}
OPT_IN = {"start", "unstop"}
HELP = {"help", "info"}

# "tak" and "nie" are Polish: the Polish copy asks people to reply TAK or NIE.
YES = {
    "yes",
    "y",
    "yeah",
    "yep",
    "yup",
    "ye",
    "yes please",
    "ok",
    "okay",
    "sure",
    "👍",
    "✅",
    "tak",
}
NO = {"no", "n", "nah", "nope", "no thanks", "no thank you", "👎", "❌", "nie"}

_JOIN = re.compile(r"^\s*(?:join|/start)\s+([A-Za-z0-9_-]{2,20})\s*[.!]*\s*$", re.IGNORECASE)
_BARE_START = re.compile(r"^\s*/start\s*$", re.IGNORECASE)

# Asking to stop in words. Erring towards a flag: a person reads every one.
_STOP_IN_WORDS = re.compile(
    r"\b(stop|quit|leave me alone|unsubscribe|opt me out|take me off|remove me)\b"
    r"|\bdon'?t (text|message|contact|msg) me\b"
    r"|\bdo not (text|message|contact) me\b"
    r"|\bno more (texts|messages)\b",
    re.IGNORECASE,
)
# "stop survey" ends a survey; it is not a request to stop all messages.
_NOT_A_STOP_REQUEST = re.compile(r"^\s*stop\s+(the\s+)?(survey|questions?)\s*[.!]*\s*$", re.I)


def normalise(text: str) -> str:
    """Lower case, folded width, single spaces, no surrounding space or trailing punctuation."""
    folded = unicodedata.normalize("NFKC", text).replace("\u2019", "'").casefold()
    folded = re.sub(r"\s+", " ", folded).strip()
    return folded.rstrip(".!?,;: ").strip()


def is_opt_out(text: str) -> bool:
    return normalise(text) in OPT_OUT


def is_opt_in(text: str) -> bool:
    return normalise(text) in OPT_IN


def is_help(text: str) -> bool:
    return normalise(text) in HELP


def yes_or_no(text: str) -> bool | None:
    word = normalise(text)
    if word in YES:
        return True
    if word in NO:
        return False
    return None


def join_code(text: str) -> str | None:
    """The group code in "JOIN ART24" or a Telegram deep link "/start ART24", upper-cased."""
    match = _JOIN.match(text)
    return match.group(1).upper() if match else None


def is_bare_start(text: str) -> bool:
    return bool(_BARE_START.match(text))


def is_stop_request(text: str) -> bool:
    if _NOT_A_STOP_REQUEST.match(text):
        return False
    return bool(_STOP_IN_WORDS.search(text.replace("\u2019", "'")))
