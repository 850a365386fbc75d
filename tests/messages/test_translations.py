"""The Polish copy is complete, keeps every {field}, and falls back to English key by key."""

from __future__ import annotations

import shutil
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import copy
from bot.consent import yes_no_choices
from bot.models import Participant
from bot.turn import Turn

MESSAGES = Path(copy.FOLDER)


def flat_keys(language: str) -> list[str]:
    """The keys of messages/<language>.toml in file order, read straight from the file."""
    with (MESSAGES / f"{language}.toml").open("rb") as handle:
        return list(copy._flatten(tomllib.load(handle)))


ENGLISH = copy.all_copy("en")
POLISH = copy.all_copy("pl")


def test_every_english_key_has_a_polish_translation():
    missing = [key for key in flat_keys("en") if key not in flat_keys("pl")]
    assert not missing, f"pl.toml lacks {missing}"


def test_polish_has_no_key_that_english_lacks():
    extra = [key for key in flat_keys("pl") if key not in flat_keys("en")]
    assert not extra, f"pl.toml has keys en.toml does not: {extra}"


def test_polish_keys_come_in_the_same_order_as_english():
    assert flat_keys("pl") == flat_keys("en")


@pytest.mark.parametrize("key", sorted(ENGLISH))
def test_every_polish_string_has_exactly_the_fields_of_its_english_string(key):
    if key not in POLISH:
        pytest.fail(f"pl.toml lacks {key}")
    assert copy.fields_of(POLISH[key]) == copy.fields_of(ENGLISH[key]), key


def test_the_consent_version_is_the_same_in_polish_and_english():
    assert POLISH["consent.version"] == ENGLISH["consent.version"]


def words_for(language: str, key: str, **fields: object) -> str:
    """What the engine says to a participant in this language (no database needed)."""
    participant = Participant(display_name="Ola", language=language)
    turn = Turn(
        session=None,  # type: ignore[arg-type]
        settings=None,  # type: ignore[arg-type]
        participant=participant,
        address=None,  # type: ignore[arg-type]
        message_id=0,
        text="",
    )
    return turn.words(key, **fields)


def test_a_participant_whose_language_is_polish_gets_polish_words():
    said = words_for("pl", "join.joined", course="Grupa plastyczna")
    assert said == "Dziękujemy. Jesteś teraz w grupie Grupa plastyczna."
    assert copy.text("keywords.stopped", "pl").startswith("Nie będziesz już dostawać")


def test_polish_buttons_say_tak_and_nie():
    assert yes_no_choices("pl") == (("Tak", "yes"), ("Nie", "no"))


def test_polish_yes_and_no_questions_ask_for_tak_or_nie():
    assert copy.text("consent.ask_reminders", "pl").endswith("Odpisz TAK lub NIE.")


def test_a_participant_with_an_unknown_language_gets_english():
    said = words_for("xx", "join.joined", course="Art")
    assert said == "Thank you. You are now in the group Art."
    assert copy.text("keywords.stopped", "xx") == ENGLISH["keywords.stopped"]


@pytest.fixture
def polish_missing_one_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A copy folder whose pl.toml lacks join.joined; the cache is cleared before and after."""
    shutil.copy(MESSAGES / "en.toml", tmp_path / "en.toml")
    polish = (MESSAGES / "pl.toml").read_text(encoding="utf-8")
    lines = [line for line in polish.splitlines() if not line.startswith("joined = ")]
    assert len(lines) == len(polish.splitlines()) - 1
    (tmp_path / "pl.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(copy, "FOLDER", tmp_path)
    copy._load.cache_clear()
    yield "join.joined"
    monkeypatch.undo()
    copy._load.cache_clear()


def test_a_key_missing_from_polish_comes_back_in_english_while_the_rest_stay_polish(
    polish_missing_one_key,
):
    assert "join.joined" not in copy.all_copy("pl")
    said = copy.text(polish_missing_one_key, "pl", course="Art")
    assert said == "Thank you. You are now in the group Art."
    assert copy.text("join.unknown_code", "pl", code="ART24") == (
        "Przepraszamy, nie znamy kodu ART24. Sprawdź go i spróbuj jeszcze raz."
    )
    assert copy.text("keywords.stopped", "pl") == POLISH["keywords.stopped"]


def test_the_real_copy_folder_is_back_after_the_fallback_test():
    assert Path(copy.FOLDER) == MESSAGES
    assert copy.text("join.joined", "pl", course="Art").startswith("Dziękujemy.")
