"""Every message a participant sees is easy read. This check runs over all shipped copy."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from bot import copy

MESSAGES = Path(copy.FOLDER)
MAX_WORDS = 15
# Keys that are not shown as sentences: labels on buttons and version markers.
NOT_SENTENCES = re.compile(r"(_label|\.version)$")


def banned_words() -> dict[str, str]:
    with (MESSAGES / "jargon.toml").open("rb") as handle:
        return tomllib.load(handle)["banned"]


def shown_copy() -> list[tuple[str, str, str]]:
    return [
        (language, key, value)
        for language in copy.languages()
        for key, value in copy.all_copy(language).items()
        if not NOT_SENTENCES.search(key)
    ]


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.?!])\s+", text.strip()) if s]


def test_there_is_copy_to_check():
    assert len(shown_copy()) >= 10


@pytest.mark.parametrize(("language", "key", "value"), shown_copy(), ids=lambda v: str(v)[:30])
def test_every_sentence_has_at_most_fifteen_words(language, key, value):
    for sentence in sentences(value):
        assert len(sentence.split()) <= MAX_WORDS, f"{language} {key}: {sentence!r}"


@pytest.mark.parametrize(("language", "key", "value"), shown_copy(), ids=lambda v: str(v)[:30])
def test_no_message_uses_banned_jargon(language, key, value):
    for word, instead in banned_words().items():
        pattern = rf"(?<![\w-]){re.escape(word)}(?![\w-])"
        assert not re.search(pattern, value, re.IGNORECASE), (
            f"{language} {key} says {word!r}: write {instead!r} instead"
        )


def test_the_sentence_counter_can_tell_a_long_sentence():
    long = " ".join(["word"] * 16) + "."
    assert len(sentences(long)[0].split()) > MAX_WORDS
    assert sentences("One. Two? Three!") == ["One.", "Two?", "Three!"]


def test_a_missing_key_is_an_error_not_a_blank_message():
    with pytest.raises(copy.CopyError):
        copy.text("no.such.key")


def test_a_language_without_a_key_falls_back_to_english():
    assert copy.text("keywords.stopped", "zz") == copy.text("keywords.stopped", "en")
