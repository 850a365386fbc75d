"""`voices messages check`: the easy-read check from the command line, with no database."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot import copy, easy_read
from tests.messages.test_easy_read import copy_from
from voices.cli import cli


@pytest.fixture
def no_usable_config(tmp_path, monkeypatch):
    # A command that read settings or opened the database would stop on this file.
    bad = tmp_path / "bad.toml"
    bad.write_text('[app]\ntimezone = "Mars/Olympus"\n', encoding="utf-8")
    monkeypatch.setenv("VOICES_CONFIG", str(bad))
    monkeypatch.chdir(tmp_path)


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_messages_check_passes_the_shipped_copy_without_settings_or_a_database(no_usable_config):
    result = run("messages", "check")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    report = easy_read.report()
    assert result.stdout == (
        f"All copy is easy read: {report.pieces} pieces checked in {report.languages} languages.\n"
    )


def test_messages_check_fails_naming_the_file_line_and_fix(no_usable_config, tmp_path):
    folder = tmp_path / "copy"
    folder.mkdir()
    for path in copy.FOLDER.glob("*.toml"):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    english = (folder / "en.toml").read_text(encoding="utf-8")
    broken = english.replace('"Thank you. See you there."', '"Thank you. Sorry about the DNA."')
    assert broken != english
    (folder / "en.toml").write_text(broken, encoding="utf-8")
    line = easy_read.line_of(broken, "rsvp.coming")
    assert broken.splitlines()[line - 1].startswith("coming = ")

    with copy_from(folder):
        result = run("messages", "check")

    assert result.exit_code == 1
    problems = result.stderr.splitlines()
    assert (
        f'{folder / "en.toml"}:{line} [rsvp] coming: it says "DNA". '
        'Fix: write "missed session" instead'
    ) in problems
    count = len(problems) - 1
    assert problems[-1] == f"{count} problem{'' if count == 1 else 's'}."
    assert result.stdout == ""


def test_messages_check_is_listed_with_a_one_line_help():
    result = run("messages", "--help")
    assert result.exit_code == 0
    assert "check" in result.output
    assert "easy read" in result.output


def test_messages_check_fails_on_a_broken_safeguarding_phrase_file(
    no_usable_config, tmp_path, monkeypatch
):
    from bot import risk_phrases

    broken = tmp_path / "safeguarding.toml"
    broken.write_text('[phrases]\nen = ["want to die", 7]\n', encoding="utf-8")
    monkeypatch.setattr(risk_phrases, "PHRASE_FILE", broken)
    result = run("messages", "check")
    assert result.exit_code == 1
    assert f"{broken}: [phrases] en has 7, which has no words" in result.stderr
    assert "Fix: write the phrase in letters, or delete it" in result.stderr
