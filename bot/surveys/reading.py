"""Reading a survey answer the way people really send it.

"4", "four", "5 - great", "Good", "yeah", "nope", 👍, a choice's own words, "skip", "stop survey".
This only reads; the caller keeps the raw text beside whatever is understood, and anything not
understood gets one kind re-prompt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.keywords import is_stop_survey, normalise, without_accents, yes_or_no
from bot.surveys.definitions import ENGLISH, Question, QuestionType


@dataclass(frozen=True)
class Understood:
    # "1".."5" for a scale, "1".."9" for a choice, "yes" or "no", None for free text.
    value: str | None


class Skip:
    """Move on without an answer."""


class StopSurvey:
    """End this survey for this person. Not an opt-out: reminders and other messages go on."""


SKIP, STOP_SURVEY = Skip(), StopSurvey()
Reading = Understood | Skip | StopSurvey | None

SKIP_WORDS = {"skip", "skip it", "skip this", "skip question", "pass", "next", "pomiń", "pomin"}
NUMBER_WORDS = {
    # English, and Polish for the people who chose it; digits cover everyone else.
    **dict.fromkeys(["one", "jeden", "jedna"], 1),
    **dict.fromkeys(["two", "dwa", "dwie"], 2),
    **dict.fromkeys(["three", "trzy"], 3),
    **dict.fromkeys(["four", "cztery"], 4),
    **dict.fromkeys(["five", "pięć", "piec"], 5),
    **dict.fromkeys(["six", "sześć", "szesc"], 6),
    **dict.fromkeys(["seven", "siedem"], 7),
    **dict.fromkeys(["eight", "osiem"], 8),
    **dict.fromkeys(["nine", "dziewięć", "dziewiec"], 9),
}
# The faces shown beside scale points on chat channels, worst first, and their near cousins.
FACES = ("😞", "🙁", "😐", "🙂", "😀")
FACE_VALUES = {
    **dict.fromkeys(["😞", "😢", "😭", "😡", "☹️", "☹"], 1),
    **dict.fromkeys(["🙁", "😕", "😟"], 2),
    **dict.fromkeys(["😐", "😶"], 3),
    **dict.fromkeys(["🙂", "😊"], 4),
    **dict.fromkeys(["😀", "😃", "😄", "😁", "🤩", "😍"], 5),
}

# A number first, not part of a bigger number or a decimal: "4", "4.", "5 - great", "4/5".
# Not "1" from "10.5" either: no digit may follow the digits taken.
# At most 3 digits: a reply of thousands of digits is not an answer, and int() refuses it.
_LEADING_NUMBER = re.compile(r"^\s*(\d{1,3})(?!\d|[.,]\d)")
# After the number, "4/5" and "4 out of 5" still mean 4; any other digit ("1 or 2", "2-3",
# "4 not 5") names a second answer, which is not clear enough to act on.
_OUT_OF = re.compile(r"^\s*(/|out of)\s*\d{1,3}\s*$")
# "not good" is not Good: a "not" outside the answer's own words ("Not often") is unclear.
_NEGATION = re.compile(r"(?<!\w)(?:not|nie|isnt|wasnt|dont|didnt)(?!\w)|n't(?!\w)")


def read(question: Question, text: str, language: str) -> Reading:
    plain = normalise(text)
    if plain in SKIP_WORDS:
        return SKIP
    if is_stop_survey(text):
        return STOP_SURVEY
    if question.type is QuestionType.TEXT:
        # Their words are the answer, whatever they are; only an empty message is not.
        return Understood(None) if text.strip() else None
    if question.type is QuestionType.YES_NO:
        answer = yes_or_no(text)
        return None if answer is None else Understood("yes" if answer else "no")
    return _read_numbered(question, plain, language)


def _read_numbered(question: Question, plain: str, language: str) -> Reading:
    """A scale point or a choice: by number, by number word, by face, or by its own words."""
    count = len(question.answers)
    number = _LEADING_NUMBER.match(plain)
    if number:
        rest = plain[number.end() :]
        if re.search(r"\d", rest) and not _OUT_OF.match(rest):
            return None
        value = int(number.group(1))
        return Understood(str(value)) if 1 <= value <= count else None
    first_word, _, rest = plain.partition(" ")
    if first_word in NUMBER_WORDS:
        # "four - it was good" is 4; "one or two" names two answers.
        if re.search(r"\d", rest) or any(word in NUMBER_WORDS for word in re.findall(r"\w+", rest)):
            return None
        value = NUMBER_WORDS[first_word]
        return Understood(str(value)) if value <= count else None
    if question.type is QuestionType.SCALE:
        face = _face(plain)
        if face is not None:
            return Understood(str(face))
    chosen = _by_words(question, plain, language)
    return None if chosen is None else Understood(str(chosen))


def _face(plain: str) -> int | None:
    found = {value for face, value in FACE_VALUES.items() if face in plain}
    return found.pop() if len(found) == 1 else None


def _by_words(question: Question, plain: str, language: str) -> int | None:
    """The one answer whose words the reply says, in their language or in English.

    "good" is Good; "very good" is Very good, not Good as well: a match inside a longer match
    does not count. Two different answers named is not clear enough to act on, and nor is an
    answer said with "not" ("not good", "not very good")."""
    # Polish is often texted without its accents ("srednio" for "średnio"): compare without.
    plain = without_accents(plain)
    found: dict[int, str] = {}
    for number, words in enumerate(question.answers, start=1):
        for label in {words.in_language(language), words.in_language(ENGLISH)}:
            label = without_accents(normalise(label))
            said = label and re.search(rf"(?<!\w){re.escape(label)}(?!\w)", plain)
            if said and len(label) > len(found.get(number, "")):
                found[number] = label
    # Drop any answer whose words sit inside another answer's words that were also said.
    kept = [
        number
        for number, label in found.items()
        if not any(label != other and label in other for other in found.values())
    ]
    if len(kept) != 1:
        return None
    rest = re.sub(rf"(?<!\w){re.escape(found[kept[0]])}(?!\w)", " ", plain)
    return None if _NEGATION.search(rest) else kept[0]
