"""Every message a participant sees is easy read: bot/easy_read.py checks all shipped copy."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import textstat

from bot import copy, easy_read
from bot.easy_read import Problem

FIFTEEN_WORDS = " ".join(["word"] * 15) + "."
SIXTEEN_WORDS = " ".join(["word"] * 16) + "."
HARD = (
    "Notwithstanding contemporaneous pharmacological interventions, multidisciplinary "
    "reassessment necessitates comprehensive documentation."
)
ASK = "Reply 1 if you are coming. Reply 2 if you can't come. Reply 3 if you need help to get there."


@contextmanager
def copy_from(folder: Path) -> Iterator[Path]:
    """bot.copy, and so every check, reading another folder (with the shipped jargon list)."""
    if not (folder / "jargon.toml").exists():
        shutil.copy(copy.FOLDER / "jargon.toml", folder / "jargon.toml")
    shipped = copy.FOLDER
    copy.FOLDER = folder
    # bot.copy keeps each language file once read: forget them on the way in and out.
    copy._load.cache_clear()
    try:
        yield folder
    finally:
        copy.FOLDER = shipped
        copy._load.cache_clear()


def reminders_toml(ask: str) -> str:
    return (
        "[reminders]\n"
        'day_before = "{course} is tomorrow, {day}, at {time}."\n'
        'on_the_day = "{course} is today at {time}."\n'
        'place = "It is at {place}."\n'
        'online = "It is online. Join with this link: {link}"\n'
        f'ask = "{ask}"\n'
    )


def test_there_is_copy_to_check():
    assert len(easy_read.shipped_pieces()) >= 10
    assert {piece.language for piece in easy_read.shipped_pieces()} >= {"en"}


@pytest.mark.parametrize("piece", easy_read.all_pieces(), ids=lambda piece: piece.where)
def test_every_piece_of_shipped_copy_is_easy_read(piece):
    problems = easy_read.check_piece(piece)
    assert not problems, "\n".join(map(str, problems))


def test_every_reminder_fits_in_two_sms_segments_in_every_language():
    problems = easy_read.check_reminder_lengths()
    assert not problems, "\n".join(map(str, problems))


def test_the_whole_check_finds_nothing_wrong_with_the_shipped_copy():
    problems = easy_read.check_all()
    assert not problems, "\n".join(map(str, problems))


def test_a_sentence_of_sixteen_words_is_caught_and_one_of_fifteen_is_not():
    (problem,) = easy_read.check_text(SIXTEEN_WORDS, "cy")
    assert "16 words, more than 15" in problem
    assert problem.endswith("Fix: split it into shorter sentences")
    assert easy_read.check_text(FIFTEEN_WORDS, "cy") == []


def test_each_sentence_is_counted_on_its_own():
    assert easy_read.check_text(f"{FIFTEEN_WORDS} {FIFTEEN_WORDS}\n{FIFTEEN_WORDS}", "cy") == []
    assert easy_read.sentences("One. Two? Three!\nFour") == ["One.", "Two?", "Three!", "Four"]


def test_banned_jargon_is_caught_with_what_to_write_instead():
    assert easy_read.check_text("We saw your DNA last week.", "en") == [
        'it says "DNA". Fix: write "missed session" instead'
    ]
    assert easy_read.check_text("Please respond by Friday.", "cy") == [
        'it says "respond". Fix: write "reply" instead'
    ]


def test_jargon_is_matched_as_whole_words_in_any_case():
    assert easy_read.check_text("The dna clinic is shut.", "cy") != []
    assert easy_read.check_text("We read all your correspondence.", "cy") == []


def test_hard_english_scores_below_seventy_and_is_caught():
    assert textstat.flesch_reading_ease(HARD) < 70
    (problem,) = easy_read.check_text(HARD, "en")
    assert "Flesch reading ease" in problem
    assert "below 70" in problem


def test_reading_ease_is_measured_for_english_only():
    assert easy_read.check_text(HARD, "pl") == []


def test_text_of_five_words_or_fewer_is_not_measured_for_reading_ease():
    # One two-syllable word scores 37 on Flesch's scale: it means nothing for so few words.
    assert textstat.flesch_reading_ease("Sometimes") < 70
    assert easy_read.check_text("Sometimes", "en") == []
    assert easy_read.check_text("Welcome.", "en") == []
    assert easy_read.check_text("Notwithstanding contemporaneous interventions.", "en") == []
    assert easy_read.check_text(
        "Notwithstanding contemporaneous interventions, we shall persevere.", "en"
    )


def test_fields_are_filled_before_measuring_and_count_as_one_word():
    template = " ".join(["{course}"] * 15) + "."
    assert easy_read.check_text(template, "en") == []
    assert easy_read.check_text(template + " {place} {day}.", "cy") == []
    # A stray brace is text staff wrote, not a template: it is checked as it is.
    assert easy_read.check_text("Bring a {pen.", "en") == []


def test_a_reminder_of_three_segments_is_caught(tmp_path):
    (tmp_path / "en.toml").write_text(reminders_toml(f"{ASK} {ASK}"), encoding="utf-8")
    with copy_from(tmp_path):
        problems = easy_read.check_reminder_lengths()
    first = problems[0]
    assert first.where == f"{tmp_path / 'en.toml'}:2 [reminders] day_before"
    assert first.problem.startswith("the day-before SMS reminder with a place is 3 segments")
    assert first.fix == "shorten [reminders] day_before, [reminders] place, [reminders] ask"


def test_a_reminder_that_fits_in_two_segments_passes(tmp_path):
    (tmp_path / "en.toml").write_text(reminders_toml(ASK), encoding="utf-8")
    with copy_from(tmp_path):
        assert easy_read.check_reminder_lengths() == []


def test_one_letter_outside_gsm7_is_named_as_the_cause_of_a_long_reminder(tmp_path):
    (tmp_path / "en.toml").write_text(reminders_toml(ASK + " Dziękujemy."), encoding="utf-8")
    with copy_from(tmp_path):
        problems = easy_read.check_reminder_lengths()
    assert problems
    assert all("UCS-2" in p.problem for p in problems)
    assert all(p.fix.startswith("write ę as plain letters") for p in problems)


LINES = """\
# Keys with the same name in two tables.
[join]
coming = "Welcome."

[rsvp]
# The one below is the one we mean.
coming = "Thank you. We saw your DNA."
"need_help" = "Someone will phone you."
"""


def test_line_numbers_point_at_the_key_in_its_own_table():
    assert easy_read.line_of(LINES, "join.coming") == 3
    assert easy_read.line_of(LINES, "rsvp.coming") == 7
    assert easy_read.line_of(LINES, "rsvp.need_help") == 8
    assert easy_read.line_of(LINES, "join.need_help") is None
    assert easy_read.line_of(LINES, "nowhere.coming") is None


def test_a_problem_in_a_language_file_names_its_file_line_and_fix(tmp_path):
    (tmp_path / "en.toml").write_text(LINES, encoding="utf-8")
    with copy_from(tmp_path):
        problems = easy_read.check_language_files()
    assert problems == [
        Problem(
            f"{tmp_path / 'en.toml'}:7 [rsvp] coming",
            'it says "DNA"',
            'write "missed session" instead',
        )
    ]
    assert str(problems[0]) == (
        f'{tmp_path / "en.toml"}:7 [rsvp] coming: it says "DNA". '
        'Fix: write "missed session" instead'
    )


def test_shipped_copy_is_named_as_it_is_in_the_repository():
    wheres = [piece.where for piece in easy_read.shipped_pieces()]
    lines = (copy.FOLDER / "en.toml").read_text(encoding="utf-8").splitlines()
    line = easy_read.line_of("\n".join(lines), "keywords.stopped")
    assert lines[line - 1].startswith("stopped = ")
    assert f"messages/en.toml:{line} [keywords] stopped" in wheres


def test_extra_copy_is_checked_too_and_labels_only_for_jargon():
    problems = easy_read.check_all(
        [("survey.toml:4 question", "en", SIXTEEN_WORDS), ("survey.toml:5 ok_label", "en", HARD)]
    )
    ours = [p for p in problems if p.where.startswith("survey.toml")]
    assert [p.where for p in ours] == ["survey.toml:4 question"]


def test_a_problem_from_another_checker_keeps_its_where_problem_and_fix():
    class SurveyFileError:
        def __str__(self) -> str:
            return "messages/surveys/x.toml:3: no id. Fix: add id = ..."

    assert easy_read._as_problem(SurveyFileError()) == Problem(
        "messages/surveys/x.toml:3", "no id", "add id = ..."
    )


def test_a_missing_key_is_an_error_not_a_blank_message():
    with pytest.raises(copy.CopyError):
        copy.text("no.such.key")


def test_a_language_without_a_key_falls_back_to_english():
    assert copy.text("keywords.stopped", "zz") == copy.text("keywords.stopped", "en")
