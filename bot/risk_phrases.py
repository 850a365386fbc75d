"""Finding risk phrases (messages/safeguarding.toml) in what a participant wrote.

It errs towards flagging: people in distress type fast, misspell, use slang, and split or join
words. So the text and each phrase are reduced to comparable words (lower case, no accents, no
punctuation, numbers-as-letters read as letters, repeated letters squeezed), and each phrase
word may match a text word with a typo, an ending (-s, -ed, -ing), or across a space ("my self",
"selfharm"). Matching is on whole words, so "skills" is not "kill". Negation is not understood,
on purpose: "I don't want to die" is flagged.

The phrase file is read again whenever it changes, so staff can add a phrase without a restart.
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot import copy
from bot.keywords import without_accents

log = logging.getLogger(__name__)

PHRASE_FILE = copy.FOLDER / "safeguarding.toml"

# Digits and symbols people use for letters, read as letters inside a word that has letters:
# "su1c1de", "k1ll", "$elf". A number on its own ("2", "116") is left alone.
_AS_LETTERS = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "@": "a", "$": "s"})
_WORD = re.compile(r"[a-z0-9@$*!]+")
# "*" inside a word stands for any one letter ("k*ll"); "!" inside a word is an i ("su!c!de").
# At a word's edges they are punctuation ("die!!!").
_EDGES = "*!"
_HAS_LETTER = re.compile(r"[a-z]")
_REPEATS = re.compile(r"(.)\1+")
ENDINGS = ("s", "es", "d", "ed", "ing", "in")
# A typo is forgiven only in longer words: in short ones it makes a different word
# ("kill"/"fill", "die"/"dye"). Squeezing repeats already forgives "kil" and "diee".
ONE_TYPO_FROM = 5
TWO_TYPOS_FROM = 10
# Two letters typed the wrong way round is forgiven from 4 letters: "wnat", "slef".
SWAP_FROM = 4


class PhraseFileError(ValueError):
    """The phrase file cannot be used. It names the file, the problem and the fix."""

    def __init__(self, path: Path, problem: str, fix: str) -> None:
        self.path, self.problem, self.fix = path, problem, fix
        super().__init__(f"{path}: {problem}. Fix: {fix}")


@dataclass(frozen=True)
class Match:
    phrase: str  # the phrase as written in the file, never the participant's words


def words(text: str) -> list[str]:
    """The comparable words of a text: lower case, no accents or punctuation, repeats squeezed."""
    folded = without_accents(text.casefold()).replace("'", "").replace("’", "")
    found = [w.strip(_EDGES) for w in _WORD.findall(folded)]
    return [
        _squeeze(w.replace("!", "i").translate(_AS_LETTERS) if _HAS_LETTER.search(w) else w)
        for w in found
        if w
    ]


def find(text: str, path: Path | None = None) -> Match | None:
    """The leftmost risk phrase in `text`, or None. `path` is the phrase file (PHRASE_FILE)."""
    tokens = words(text)
    by_letter = _current(path).by_letter
    for start, token in enumerate(tokens):
        # Every way a phrase can match keeps the first letter of its first word (a typo or a
        # swap is never forgiven there), so only phrases starting with this letter are tried.
        for phrase, phrase_words in by_letter.get(token[0], ()):
            if _matches_at(tokens, start, phrase_words, 0):
                return Match(phrase)
    return None


Phrases = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class _Loaded:
    phrases: Phrases
    # The phrases by the first letter of their first word.
    by_letter: dict[str, list[tuple[str, tuple[str, ...]]]]


# The last list read cleanly from each file. If staff break the file while the service runs,
# matching goes on with this list (and says so in the log) rather than failing every message:
# a message that cannot be stored is a risk message missed.
_LAST_GOOD: dict[Path, _Loaded] = {}


def load(path: Path | None = None) -> Phrases:
    """Every phrase in the file, with its comparable words, as matching uses them now."""
    return _current(path).phrases


def check(path: Path | None = None) -> Phrases:
    """Read the file strictly, with no fallback: for start-up and `voices messages check`.
    Raises PhraseFileError. A clean read becomes the last good list."""
    path = path or PHRASE_FILE
    found = _LAST_GOOD[path] = _load(*_stamped(path))
    return found.phrases


def _current(path: Path | None) -> _Loaded:
    path = path or PHRASE_FILE
    try:
        found = _load(*_stamped(path))
    except PhraseFileError as exc:
        last = _LAST_GOOD.get(path)
        if last is None:
            raise
        log.error("safeguarding phrases: %s; matching goes on with the last good list", exc)
        return last
    _LAST_GOOD[path] = found
    return found


def _stamped(path: Path) -> tuple[Path, int]:
    try:
        return path, path.stat().st_mtime_ns
    except OSError:
        raise PhraseFileError(path, "the file is missing", "restore it from git") from None


@lru_cache(maxsize=4)
def _load(path: Path, stamp: int) -> _Loaded:
    del stamp  # part of the cache key only: an edited file is read again
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PhraseFileError(
            path, f"this is not valid TOML ({exc})", 'write each phrase in quotes: "want to die",'
        ) from None
    except OSError as exc:
        # Saved by another user with the wrong permissions, say: as bad as a broken file.
        raise PhraseFileError(
            path, f"the file cannot be read ({type(exc).__name__})", "let the service read it"
        ) from None
    lists = data.get("phrases")
    if not isinstance(lists, dict) or not lists:
        raise PhraseFileError(path, "[phrases] is missing", 'add [phrases], then en = ["…"]')
    found: dict[str, tuple[str, ...]] = {}
    for language, phrases in lists.items():
        if not isinstance(phrases, list):
            raise PhraseFileError(
                path, f"[phrases] {language} is not a list", f'{language} = ["…", "…"]'
            )
        for phrase in phrases:
            phrase_words = tuple(words(phrase)) if isinstance(phrase, str) else ()
            if not phrase_words:
                raise PhraseFileError(
                    path,
                    f"[phrases] {language} has {phrase!r}, which has no words",
                    "write the phrase in letters, or delete it",
                )
            found.setdefault(phrase, phrase_words)
    if not found:
        # An empty list would switch safeguarding off without a word.
        raise PhraseFileError(
            path, "there are no phrases", 'add at least one, like en = ["suicide"]'
        )
    by_letter: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for phrase, phrase_words in found.items():
        by_letter.setdefault(phrase_words[0][0], []).append((phrase, phrase_words))
    return _Loaded(tuple(found.items()), by_letter)


def _matches_at(tokens: list[str], i: int, phrase: tuple[str, ...], j: int) -> bool:
    """Does phrase[j:] match the text from token i? Each step takes one word from each, or
    joins two on one side: "my self" for "myself", "selfharm" for "self harm"."""
    if j == len(phrase):
        return True
    if i == len(tokens):
        return False
    if _same_word(tokens[i], phrase[j]) and _matches_at(tokens, i + 1, phrase, j + 1):
        return True
    # One written word for several of the phrase's: "selfharm", "wanttodie", "enditall".
    for k in range(j + 2, len(phrase) + 1):
        if _same_word(tokens[i], "".join(phrase[j:k])) and _matches_at(tokens, i + 1, phrase, k):
            return True
    if i + 1 < len(tokens) and _same_word(_squeeze(tokens[i] + tokens[i + 1]), phrase[j]):
        return _matches_at(tokens, i + 2, phrase, j + 1)
    return False


@lru_cache(maxsize=65536)
def _same_word(written: str, wanted: str) -> bool:
    # Cached: a long message repeats its words, and every phrase asks about the same few.
    wanted = _squeeze(wanted)
    if written == wanted:
        return True
    if "*" in written:
        return _wildcard(written, wanted)
    if len(wanted) >= 3 and _with_ending(written, wanted):
        return True
    if len(wanted) >= SWAP_FROM and len(written) == len(wanted) and _one_swap(written, wanted):
        return True
    if len(wanted) < ONE_TYPO_FROM or written[0] != wanted[0]:
        return False
    allowed = 2 if len(wanted) >= TWO_TYPOS_FROM else 1
    return abs(len(written) - len(wanted)) <= allowed and _typos(written, wanted) <= allowed


def _wildcard(written: str, wanted: str) -> bool:
    """ "k*ll" for "kill", "k*lling" for "kill" with its ending: each * is one letter."""
    pattern = re.compile(re.escape(written).replace(r"\*", "[a-z]"))
    stems = (wanted, wanted[:-1]) if wanted.endswith("e") else (wanted,)
    forms = [wanted, *(stem + ending for stem in stems for ending in ENDINGS)]
    return any(pattern.fullmatch(form) for form in forms)


def _with_ending(written: str, wanted: str) -> bool:
    # "overdose" → "overdosing": a final e goes before -ing and -ed.
    stems = (wanted, wanted[:-1]) if wanted.endswith("e") else (wanted,)
    return any(written.startswith(s) and written[len(s) :] in ENDINGS for s in stems)


def _one_swap(written: str, wanted: str) -> bool:
    """ "wnat" for "want": two neighbouring letters typed the wrong way round (not the first)."""
    differ = [k for k, (a, b) in enumerate(zip(written, wanted, strict=True)) if a != b]
    return (
        len(differ) == 2
        and differ[0] > 0
        and differ[1] == differ[0] + 1
        and written[differ[0]] == wanted[differ[1]]
        and written[differ[1]] == wanted[differ[0]]
    )


def _typos(a: str, b: str) -> int:
    """Edits between two words, a swap of neighbours counting as one (Damerau-Levenshtein)."""
    before, row = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (ca != cb))
            if before is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        before, row = row, current
    return row[-1]


def _squeeze(word: str) -> str:
    return _REPEATS.sub(r"\1", word)
