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
# "stop survey" ends a survey; it is not a request to stop all messages. (Polish: "koniec".)
_STOP_SURVEY = re.compile(
    r"^\s*(please\s+)?(stop|end)\s+(the\s+|this\s+)?(surveys?|questions?)(\s+please)?\s*[.!]*\s*$"
    r"|^\s*no more questions\s*[.!]*\s*$"
    r"|^\s*koniec(\s+ankiety)?\s*[.!]*\s*$",
    re.I,
)
# In an answer written in someone's own words, "stop" may be a bus stop: only these are clear.
_CLEAR_STOP_REQUEST = re.compile(
    r"\b(stop|quit) (texting|messaging|contacting|sending|msging)\b"
    r"|\b(leave me alone|unsubscribe|opt me out|take me off|remove me)\b"
    r"|\bdon'?t (text|message|contact|msg) me\b"
    r"|\bdo not (text|message|contact) me\b"
    r"|\bno more (texts|messages)\b",
    re.IGNORECASE,
)


def normalise(text: str) -> str:
    """Lower case, folded width, single spaces, no surrounding space or trailing punctuation."""
    folded = unicodedata.normalize("NFKC", text).replace("\u2019", "'").casefold()
    folded = re.sub(r"\s+", " ", folded).strip()
    return folded.rstrip(".!?,;: ").strip()


def without_accents(text: str) -> str:
    """ "średnio" as "srednio": how many people text Polish, and how SMS stays GSM-7."""
    decomposed = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


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


def is_stop_survey(text: str) -> bool:
    """Asking to end the survey under way, and nothing more."""
    return bool(_STOP_SURVEY.match(text))


def is_stop_request(text: str) -> bool:
    if is_stop_survey(text):
        return False
    return bool(_STOP_IN_WORDS.search(text.replace("\u2019", "'")))


def is_clear_stop_request(text: str) -> bool:
    """A stop request that cannot be anything else, even inside a longer answer."""
    return bool(_CLEAR_STOP_REQUEST.search(text.replace("\u2019", "'")))
