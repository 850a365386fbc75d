"""Survey files (messages/surveys/*.toml): reading them, and refusing a broken one early.

A survey file holds an id, a title for staff, intro and thank-you copy, and its questions:

    id = "post-session"
    title = "After a session"
    intro.en = "We have 3 short questions about today."
    intro.pl = "Mamy 3 krótkie pytania o dzisiejsze zajęcia."
    thanks.en = "Thank you. Your answers help us."

    [[questions]]
    id = "how_was_it"
    type = "scale"                  # scale, choice, yes_no or text
    text.en = "How was the session today?"
    points.en = ["Very bad", "Bad", "OK", "Good", "Very good"]
    faces = true                    # faces beside the points on chat channels
    picture = "face-5.png"          # optional: a file in surveys/pictures, or an https URL

Every piece of copy is a table of language to words. A language may leave any piece out, and
English is used for that piece alone. `check_files` finds every mistake with its file, line and
fix, for `voices messages check` and the tests; the service refuses to start a run of a broken
survey, so nothing can fail when a question is due to go.
"""

from __future__ import annotations

import enum
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import messages
from bot import copy
from bot.pictures import PICTURES

FOLDER = Path(messages.__file__).parent / "surveys"
# Paths in error messages are shown from here, the project folder.
_PROJECT = Path(messages.__file__).parent.parent

ENGLISH = copy.FALLBACK
SCALE_POINTS = 5
MAX_OPTIONS = 9  # one digit to reply with
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")


class QuestionType(enum.StrEnum):
    SCALE = "scale"  # 1 to 5, each point with words
    CHOICE = "choice"  # numbered options
    YES_NO = "yes_no"
    TEXT = "text"  # free text, kept verbatim


SURVEY_KEYS = {"id", "title", "intro", "thanks", "questions"}
QUESTION_KEYS = {"id", "type", "text", "points", "options", "faces", "picture"}


@dataclass(frozen=True)
class Words:
    """One piece of copy in every language it has. English is always there."""

    by_language: Mapping[str, str]

    def in_language(self, language: str) -> str:
        return self.by_language.get(language) or self.by_language[ENGLISH]


@dataclass(frozen=True)
class Question:
    key: str
    type: QuestionType
    text: Words
    # The scale's points (1 first) or the choice's options (1 first), as copy.
    answers: tuple[Words, ...] = ()
    faces: bool = False
    picture: str | None = None


@dataclass(frozen=True)
class SurveyDefinition:
    key: str
    title: str
    intro: Words
    thanks: Words
    questions: tuple[Question, ...]
    path: Path

    def first(self) -> Question:
        return self.questions[0]

    def question(self, key: str) -> Question | None:
        return next((q for q in self.questions if q.key == key), None)

    def after(self, key: str) -> Question | None:
        keys = [q.key for q in self.questions]
        if key not in keys or keys.index(key) + 1 == len(keys):
            return None
        return self.questions[keys.index(key) + 1]


@dataclass(frozen=True)
class SurveyFileError:
    path: Path
    line: int
    problem: str
    fix: str
    # The setting at fault, e.g. "type", when there is one.
    key: str | None = None

    @property
    def where(self) -> str:
        return f"{_shown(self.path)}:{self.line}"

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}. Fix: {self.fix}"


class SurveyFilesError(Exception):
    """At least one survey file is broken; the message lists every mistake."""

    def __init__(self, errors: list[SurveyFileError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


def check_files(folder: Path | None = None) -> list[SurveyFileError]:
    return _read_folder(folder or FOLDER)[1]


def load_all(folder: Path | None = None) -> dict[str, SurveyDefinition]:
    """Every survey, by id. Raises SurveyFilesError if any file has a mistake."""
    surveys, errors = _read_folder(folder or FOLDER)
    if errors:
        raise SurveyFilesError(errors)
    return surveys


@cache
def shipped() -> dict[str, SurveyDefinition]:
    """The surveys in messages/surveys, read once per process."""
    return load_all()


def get(key: str) -> SurveyDefinition | None:
    return shipped().get(key)


def after_session_choice(text: str) -> str | None:
    """A course's survey after each session as staff give it (`voices course survey`, the course
    page): a shipped survey's id, "off", or "default" for [surveys] after_session. Returns what
    Course.survey_after_session stores: the id, "off", or None for the default.

    Raises ValueError naming the surveys there are."""
    wanted = text.strip().lower()
    if wanted == "default":
        return None
    if wanted != "off" and get(wanted) is None:
        known = ", ".join(sorted(shipped()))
        raise ValueError(f'there is no survey "{text}". The surveys are: {known}')
    return wanted


def copy_items(folder: Path | None = None) -> Iterator[tuple[str, str, str]]:
    """(where, language, text) for every piece of survey copy, for the easy-read check."""
    surveys, _ = _read_folder(folder or FOLDER)
    for survey in surveys.values():
        where = _shown(survey.path)
        pieces: list[tuple[str, Words]] = [("intro", survey.intro), ("thanks", survey.thanks)]
        for question in survey.questions:
            pieces.append((f"{question.key}.text", question.text))
            pieces.extend(
                (f"{question.key}.answer {n}", words)
                for n, words in enumerate(question.answers, start=1)
            )
        for name, words in pieces:
            for language, text in words.by_language.items():
                yield f"{where} {survey.key} {name} [{language}]", language, text


def _read_folder(folder: Path) -> tuple[dict[str, SurveyDefinition], list[SurveyFileError]]:
    surveys: dict[str, SurveyDefinition] = {}
    errors: list[SurveyFileError] = []
    for path in sorted(folder.glob("*.toml")):
        survey, found = _read_file(path)
        errors.extend(found)
        if survey is None:
            continue
        if survey.key in surveys:
            other = _shown(surveys[survey.key].path)
            errors.append(
                SurveyFileError(
                    path,
                    _Lines(path).of(None, "id"),
                    f'the survey id "{survey.key}" is already used by {other}',
                    "give each survey its own id",
                    "id",
                )
            )
            continue
        surveys[survey.key] = survey
    return surveys, errors


def _read_file(path: Path) -> tuple[SurveyDefinition | None, list[SurveyFileError]]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, [SurveyFileError(path, 1, "the file is not UTF-8 text", "save it as UTF-8")]
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # The parser names a line, or says "at end of document": the last line.
        last = max(1, len(text.splitlines()))
        line = int(m.group(1)) if (m := re.search(r"line (\d+)", str(exc))) else last
        problem = f"this is not valid TOML ({str(exc).split(' (at')[0]})"
        fix = "check the quotes, brackets and commas on that line"
        return None, [SurveyFileError(path, line, problem, fix)]
    reader = _Reader(path, _Lines(path, text))
    survey = reader.survey(raw)
    return (survey if not reader.errors else None), reader.errors


class _Reader:
    """Reads one parsed file, collecting every mistake rather than stopping at the first."""

    def __init__(self, path: Path, lines: _Lines) -> None:
        self.path, self.lines = path, lines
        self.errors: list[SurveyFileError] = []
        self.languages = set(copy.languages())

    def error(self, question: int | None, key: str | None, problem: str, fix: str) -> None:
        line = self.lines.of(question, key)
        self.errors.append(SurveyFileError(self.path, line, problem, fix, key))

    def survey(self, raw: dict[str, Any]) -> SurveyDefinition | None:
        self.unknown_keys(raw, SURVEY_KEYS, None)
        key = raw.get("id")
        if not isinstance(key, str) or not _ID.match(key):
            self.error(None, "id", "the survey needs an id", 'add a line like id = "post-session"')
        title = raw.get("title")
        if not isinstance(title, str) or not title.strip():
            self.error(None, "title", "the survey needs a title", 'add title = "After a session"')
        intro = self.words(raw, "intro", None)
        thanks = self.words(raw, "thanks", None)
        questions = raw.get("questions")
        if not isinstance(questions, list) or not questions:
            self.error(
                None, None, "the survey has no questions", "add a [[questions]] table for each"
            )
            questions = []
        read = [self.question(index, q) for index, q in enumerate(questions)]
        seen: set[str] = set()
        for index, question in enumerate(read):
            if question is None:
                continue
            if question.key in seen:
                self.error(
                    index,
                    "id",
                    f'the question id "{question.key}" is used twice',
                    "give each question its own id",
                )
            seen.add(question.key)
        if self.errors or intro is None or thanks is None:
            return None
        return SurveyDefinition(
            key,
            title.strip(),
            intro,
            thanks,
            tuple(q for q in read if q is not None),
            self.path,
        )

    def question(self, index: int, raw: Any) -> Question | None:
        if not isinstance(raw, dict):
            self.error(index, None, "a question must be a table", "start it with [[questions]]")
            return None
        self.unknown_keys(raw, QUESTION_KEYS, index)
        key = raw.get("id")
        if not isinstance(key, str) or not _ID.match(key):
            self.error(
                index,
                "id",
                f"question {index + 1} needs an id of lower-case letters, digits, _ or -",
                'add a line like id = "how_was_it"',
            )
        kind = raw.get("type")
        types = ", ".join(t.value for t in QuestionType)
        if kind not in {t.value for t in QuestionType}:
            self.error(index, "type", f"unknown question type {kind!r}", f"use one of: {types}")
            return None
        kind = QuestionType(kind)
        text = self.words(raw, "text", index)
        answers = self.answers(raw, kind, index)
        picture = raw.get("picture")
        if picture is not None and not self.picture_ok(picture):
            self.error(
                index,
                "picture",
                f"the picture {picture!r} is not an https address or a .png or .jpg file in "
                f"{_shown(PICTURES)}",
                "put the picture file in that folder, or give its full https:// address",
            )
        faces = raw.get("faces", False)
        if not isinstance(faces, bool) or (faces and kind is not QuestionType.SCALE):
            self.error(index, "faces", "faces = true only fits a scale question", "remove it")
        if text is None or answers is None or not isinstance(key, str):
            return None
        return Question(key, kind, text, answers, bool(faces), picture)

    def answers(self, raw: dict, kind: QuestionType, index: int) -> tuple[Words, ...] | None:
        name = {QuestionType.SCALE: "points", QuestionType.CHOICE: "options"}.get(kind)
        for other in ("points", "options"):
            if other in raw and other != name:
                self.error(
                    index,
                    other,
                    f"a {kind.value} question has no {other}",
                    f"remove {other}, or change the type",
                )
        if name is None:
            return ()
        lists = raw.get(name)
        if not isinstance(lists, dict) or not lists.get(ENGLISH):
            fix = (
                f'add {name}.en = ["Very bad", "Bad", "OK", "Good", "Very good"]'
                if kind is QuestionType.SCALE
                else f'add {name}.en = ["First option", "Second option"]'
            )
            self.error(index, name, f"a {kind.value} question needs its {name} in English", fix)
            return None
        english = lists[ENGLISH]
        if not isinstance(english, list):
            self.error(index, f"{name}.en", f"{name}.en must be a list of words", '["Yes", "No"]')
            return None
        wanted = f"exactly {SCALE_POINTS}" if kind is QuestionType.SCALE else f"2 to {MAX_OPTIONS}"
        count_ok = (
            len(english) == SCALE_POINTS
            if kind is QuestionType.SCALE
            else 2 <= len(english) <= MAX_OPTIONS
        )
        if not count_ok:
            self.error(
                index,
                f"{name}.en",
                f"{name}.en has {len(english)} entries",
                f"give {wanted} {name}, in order from 1",
            )
            return None
        per_point: list[dict[str, str]] = [{} for _ in english]
        for language, values in lists.items():
            if not self.language_ok(language, index, name):
                continue
            if not isinstance(values, list) or not all(
                isinstance(v, str) and v.strip() for v in values
            ):
                self.error(
                    index,
                    f"{name}.{language}",
                    f"{name}.{language} must be a list of words",
                    '["Yes", "No"]',
                )
                continue
            if len(values) != len(english):
                self.error(
                    index,
                    f"{name}.{language}",
                    f"{name}.{language} has {len(values)} entries but {name}.en has {len(english)}",
                    "translate every entry, in the same order",
                )
                continue
            for point, value in zip(per_point, values, strict=True):
                point[language] = value
        return tuple(Words(point) for point in per_point)

    def words(self, raw: dict, name: str, index: int | None) -> Words | None:
        value = raw.get(name)
        if isinstance(value, str):
            value = {ENGLISH: value}
        if not isinstance(value, dict) or not isinstance(value.get(ENGLISH), str):
            self.error(
                index,
                name,
                f"{name} needs English words",
                f'add {name}.en = "…" (and {name}.pl = "…" for Polish)',
            )
            return None
        clean: dict[str, str] = {}
        for language, text in value.items():
            if not self.language_ok(language, index, name):
                continue
            if not isinstance(text, str) or not text.strip():
                self.error(
                    index,
                    f"{name}.{language}",
                    f"{name}.{language} is empty",
                    "write the words, or remove it",
                )
                continue
            clean[language] = text
        return Words(clean) if ENGLISH in clean else None

    def language_ok(self, language: str, index: int | None, name: str) -> bool:
        if language in self.languages:
            return True
        known = ", ".join(sorted(self.languages))
        self.error(
            index,
            f"{name}.{language}",
            f"{name}.{language}: there is no messages/{language}.toml for that language",
            f"use one of: {known}",
        )
        return False

    def unknown_keys(self, raw: dict, allowed: set[str], index: int | None) -> None:
        for key in sorted(set(raw) - allowed):
            self.error(
                index,
                key,
                f"unknown setting {key!r}",
                f"use only: {', '.join(sorted(allowed))}",
            )

    def picture_ok(self, picture: object) -> bool:
        if not isinstance(picture, str) or not picture:
            return False
        if picture.startswith("https://"):
            return True
        # Only the kinds of picture the /pictures route serves and both chat channels show.
        shown = picture.lower().endswith((".png", ".jpg", ".jpeg"))
        return shown and "/" not in picture and (PICTURES / picture).is_file()


class _Lines:
    """Line numbers for error messages: tomllib keeps none, so the text is searched."""

    def __init__(self, path: Path, text: str | None = None) -> None:
        if text is None:
            text = path.read_text(encoding="utf-8")
        self.lines = text.splitlines()
        self.question_starts = [
            n for n, line in enumerate(self.lines) if re.match(r"^\s*\[\[\s*questions\s*\]\]", line)
        ]

    def of(self, question: int | None, key: str | None) -> int:
        """The 1-based line of `key` in the top of the file, or in the n-th question.

        A dotted key, like "text.pl", is looked for whole first, then as "text"."""
        if question is None:
            start = 0
            end = self.question_starts[0] if self.question_starts else len(self.lines)
        elif question < len(self.question_starts):
            start = self.question_starts[question]
            later = self.question_starts[question + 1 :]
            end = later[0] if later else len(self.lines)
        else:
            return 1
        for each in [] if key is None else [key, key.split(".")[0]]:
            pattern = re.compile(rf"^\s*{re.escape(each)}\s*[.=]")
            for n in range(start, end):
                if pattern.match(self.lines[n]):
                    return n + 1
        return start + 1


def _shown(path: Path) -> str:
    """The path as people know it: relative to the project when it is inside it."""
    try:
        return str(path.relative_to(_PROJECT))
    except ValueError:
        return str(path)
