"""Easy read: the checks that keep the words participants see short and plain.

The rules: sentences of at most 15 words; none of the words in messages/jargon.toml; every
reminder fits in 2 SMS segments; and English must score at least 70 on the Flesch reading ease
scale ("fairly easy" and up). The tests and `voices messages check` run them over all shipped
copy. `check_text` takes one piece of text, so it can also warn staff about words they write.

What is checked is what `bot.copy` serves: its folder, its languages and its English fallback.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from string import Formatter
from zoneinfo import ZoneInfo

import textstat

from bot import copy
from bot.models import Channel, Course, CourseSession, ReminderKind
from bot.reminders import wording
from bot.sending.sms_text import count_segments, is_gsm7, plain_for_sms

MAX_WORDS = 15
MAX_SEGMENTS = 2
MIN_FLESCH = 70
# Flesch's formula means nothing for a few words: "Welcome." scores 37 and "Yes." 121. So
# short text, like an answer to pick, is not measured.
MIN_FLESCH_WORDS = 6
# Copy that is not read as sentences: button labels and version markers. Only jargon applies.
NOT_SENTENCES = re.compile(r"(_label|\bversion)$")
# One short word per {field}, so a field counts as one word, as the template reads.
SAMPLE_WORDS = {
    "course": "Art",
    "day": "Monday",
    "time": "2pm",
    "place": "Leeds",
    "link": "bit.ly/art",
    "service": "Voices",
    "contact": "phone",
    "code": "ART",
}
SAMPLE_WORD = "it"
# The folder that holds messages/: file names are shown from here.
ROOT = copy.FOLDER.parent

# Reminders are measured at their longest: long but real values, the longest day name and time.
SAMPLE_TITLE = "Cooking on a Budget for Carers"  # 30 characters
SAMPLE_PLACE = "Room 2, Hillside Community Centre, Leeds"  # 40
SAMPLE_LINK = "https://meet.example.org/j/8812-3345-771"  # 40
SAMPLE_START = datetime(2026, 9, 30, 11, 30, tzinfo=UTC)  # Wednesday 30 September, 12:30pm
SAMPLE_ZONE = ZoneInfo("Europe/London")
REMINDER_CASES = [
    (kind, place, link)
    for kind in (ReminderKind.DAY_BEFORE, ReminderKind.ON_THE_DAY)
    for place, link in ((SAMPLE_PLACE, None), (None, SAMPLE_LINK), (SAMPLE_PLACE, SAMPLE_LINK))
]


@dataclass(frozen=True)
class Problem:
    where: str
    problem: str
    fix: str

    def __str__(self) -> str:
        fix = f". Fix: {self.fix}" if self.fix else ""
        return f"{self.where}: {self.problem}{fix}"


@dataclass(frozen=True)
class Piece:
    """One piece of copy to check, and where it is written."""

    where: str
    language: str
    text: str
    is_sentence: bool = True


@dataclass(frozen=True)
class Report:
    problems: list[Problem]
    pieces: int
    languages: int


def check_text(text: str, language: str) -> list[str]:
    """What is not easy read in one piece of text, each as "problem. Fix: what to do"."""
    return [f"{problem}. Fix: {fix}" for problem, fix in _findings(text, language)]


def _findings(text: str, language: str, is_sentence: bool = True) -> list[tuple[str, str]]:
    filled = _filled(text)
    found = []
    if is_sentence:
        for sentence in sentences(filled):
            words = len(sentence.split())
            if words > MAX_WORDS:
                found.append(
                    (
                        f'a sentence has {words} words, more than {MAX_WORDS}: "{sentence}"',
                        "split it into shorter sentences",
                    )
                )
    for word, instead in banned_words().items():
        # Other forms of the word count too: "consented", "responding", "DNAs", "facilitated".
        pattern = rf"(?<![\w-]){re.escape(word)}(?:s|es|d|ed|ing)?(?![\w-])"
        if re.search(pattern, filled, re.IGNORECASE):
            # An entry like "(leave it out)" is advice, not a word to write.
            fix = instead.strip("()") if instead.startswith("(") else f'write "{instead}" instead'
            found.append((f'it says "{word}"', fix))
    if is_sentence and language == "en" and len(filled.split()) >= MIN_FLESCH_WORDS:
        score = textstat.flesch_reading_ease(filled)
        if score < MIN_FLESCH:
            found.append(
                (
                    f"its Flesch reading ease is {score:.0f}, below {MIN_FLESCH}",
                    "use shorter words and shorter sentences",
                )
            )
    return found


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.?!])\s+|\n+", text.strip()) if s]


def banned_words() -> dict[str, str]:
    # Read each time: staff may add words while the service runs.
    with (copy.FOLDER / "jargon.toml").open("rb") as handle:
        return tomllib.load(handle)["banned"]


def _filled(text: str) -> str:
    """The text with each {field} as one short word. Text that is no template stays as it is."""
    try:
        parts = list(Formatter().parse(text))
    except ValueError:
        return text
    return "".join(
        literal + ("" if name is None else SAMPLE_WORDS.get(name, SAMPLE_WORD))
        for literal, name, _, _ in parts
    )


def shipped_pieces() -> list[Piece]:
    """Every piece of copy in every language file, with the file and line it is on."""
    pieces = []
    for language in copy.languages():
        path = copy.FOLDER / f"{language}.toml"
        file_text = path.read_text(encoding="utf-8")
        for key, value in copy.all_copy(language).items():
            is_sentence = not NOT_SENTENCES.search(key)
            pieces.append(Piece(_where(path, file_text, key), language, value, is_sentence))
    return pieces


def check_piece(piece: Piece) -> list[Problem]:
    return [
        Problem(piece.where, problem, fix)
        for problem, fix in _findings(piece.text, piece.language, piece.is_sentence)
    ]


def check_language_files() -> list[Problem]:
    return [problem for piece in shipped_pieces() for problem in check_piece(piece)]


def check_reminder_lengths() -> list[Problem]:
    """Every reminder, in every language, composed as it is sent by SMS, in at most 2 segments."""
    return [problem for problem in _reminders() if problem]


def _reminders() -> Iterator[Problem | None]:
    """One result for each reminder composed: its problem, or None if it fits."""
    for language in copy.languages():
        path = copy.FOLDER / f"{language}.toml"
        file_text = path.read_text(encoding="utf-8")
        for kind, place, link in REMINDER_CASES:
            when_key = f"reminders.{kind.value}"
            where = _where(path, file_text, when_key)
            course = Course(title=SAMPLE_TITLE, location=place, online_url=link)
            session = CourseSession(starts_at=SAMPLE_START, location=None, online_url=None)
            try:
                reply = wording.reminder(kind, course, session, language, Channel.SMS, SAMPLE_ZONE)
            except copy.CopyError as exc:
                yield Problem(where, str(exc), f"add it to {_shown(copy.FOLDER / 'en.toml')}")
                continue
            # Counted as the sender counts: after swapping typographic quotes and dashes.
            text = plain_for_sms(reply.text)
            count = count_segments(text)
            if count.segments <= MAX_SEGMENTS:
                yield None
                continue
            at = " and ".join(w for w, v in (("a place", place), ("a link", link)) if v)
            keys = [when_key, *(["reminders.place"] if place else [])]
            keys += [*(["reminders.online"] if link else []), "reminders.ask"]
            fix = "shorten " + ", ".join(_section_key(k) for k in keys)
            odd = sorted({ch for ch in text if not is_gsm7(ch)})
            if odd:
                # One such letter makes the whole SMS UCS-2: 67 characters a segment, not 153.
                fix = f"write {' '.join(odd)} as plain letters (they are not in GSM-7), or {fix}"
            yield Problem(
                where,
                f"the {kind.value.replace('_', '-')} SMS reminder with {at} is {count.segments} "
                f"segments ({count.units} {count.encoding} characters), more than {MAX_SEGMENTS}",
                fix,
            )


def check_all(extra: Iterable[tuple[str, str, str]] = ()) -> list[Problem]:
    """Every check over all shipped copy, and over each extra (where, language, text)."""
    return report(extra).problems


def report(extra: Iterable[tuple[str, str, str]] = ()) -> Report:
    """`check_all`, with how many pieces and languages were checked."""
    definitions = _survey_definitions()
    problems = [_as_problem(found) for found in definitions.check_files()] if definitions else []
    pieces = all_pieces(extra)
    for piece in pieces:
        problems += check_piece(piece)
    reminders = list(_reminders())
    problems += [problem for problem in reminders if problem]
    languages = set(copy.languages()) | {piece.language for piece in pieces}
    return Report(problems, len(pieces) + len(reminders), len(languages))


def all_pieces(extra: Iterable[tuple[str, str, str]] = ()) -> list[Piece]:
    """The language files' copy, the surveys' copy, and each extra (where, language, text)."""
    items = list(extra)
    definitions = _survey_definitions()
    if definitions is not None:
        items += list(definitions.copy_items())
    # An extra whose where ends like a label key (…_label) is a label, as in the files.
    extras = [Piece(w, lang, text, not NOT_SENTENCES.search(w)) for w, lang, text in items]
    return shipped_pieces() + extras


def _survey_definitions():
    try:
        from bot.surveys import definitions
    except ModuleNotFoundError as exc:  # bot.surveys is new work: until it lands, no surveys.
        if exc.name not in ("bot.surveys", "bot.surveys.definitions"):
            raise
        return None
    return definitions


def _as_problem(found: object) -> Problem:
    """A survey file problem, which prints as "file:line: problem. Fix: ...", as a Problem."""
    if isinstance(found, Problem):
        return found
    where, _, rest = str(found).partition(": ")
    problem, _, fix = rest.partition(". Fix: ")
    return Problem(where, problem, fix)


def line_of(file_text: str, key: str) -> int | None:
    """The line (from 1) of a flattened key like "rsvp.coming" in a TOML file's text.

    tomllib gives no positions, so this finds the [section] header, then the `key =` line after
    it. None if the key is not written that plainly.
    """
    lines = file_text.splitlines()
    section, _, name = key.rpartition(".")
    start = 0
    if section:
        header = re.compile(rf"\s*\[\s*{re.escape(section)}\s*\]\s*(#.*)?$")
        start = next((i + 1 for i, line in enumerate(lines) if header.match(line)), -1)
        if start < 0:
            return None
    quoted = re.escape(name)
    assignment = re.compile(rf"\s*({quoted}|\"{quoted}\"|'{quoted}')\s*=")
    for number, line in enumerate(lines[start:], start=start + 1):
        if line.lstrip().startswith("["):
            return None  # the next table: the key is not in this one
        if assignment.match(line):
            return number
    return None


def _where(path: Path, file_text: str, key: str) -> str:
    line = line_of(file_text, key)
    return f"{_shown(path)}{'' if line is None else f':{line}'} {_section_key(key)}"


def _section_key(key: str) -> str:
    section, _, name = key.rpartition(".")
    return f"[{section}] {name}" if section else name


def _shown(path: Path) -> str:
    # As people know it, messages/en.toml, wherever the command runs; another folder in full.
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)
