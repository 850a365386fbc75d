"""Finding risk phrases: every labelled risk message is found, and everyday words are left be."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot import risk_phrases
from bot.risk_phrases import PhraseFileError, find
from bot.settings import ConfigError, load_settings

CASES_FILE = Path(__file__).with_name("safeguarding_cases.toml")
CASES = tomllib.loads(CASES_FILE.read_text(encoding="utf-8"))["case"]
# Flagging too often is safer than missing someone, but a flood of false alarms teaches staff
# to ignore the flag. Past this share of everyday messages, the phrase list needs a look.
MOST_FALSE_ALARMS = 0.05


def test_every_labelled_risk_message_is_found():
    missed = [case["text"] for case in CASES if case["risk"] and find(case["text"]) is None]
    assert missed == []


def test_false_alarms_on_everyday_messages_stay_rare():
    everyday = [case["text"] for case in CASES if not case["risk"]]
    alarms = [text for text in everyday if find(text) is not None]
    assert len(alarms) / len(everyday) <= MOST_FALSE_ALARMS, alarms


def test_the_labelled_set_covers_slang_misspellings_spacing_leetspeak_and_negation():
    kinds = {case["kind"] for case in CASES if case["risk"]}
    assert {"slang", "misspelling", "spacing", "leetspeak", "negation", "case"} <= kinds
    assert sum(not case["risk"] for case in CASES) >= 50


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("KILL   MY-SELF", "kill myself"),
        ("I've been self harming", "self harm"),
        ("selfharm", "self harm"),
        ("wnat to die", "want to die"),
        ("sucide", "suicide"),
        ("su1c1de", "suicide"),
        ("dieeeee wanna dieeee", "wanna die"),
        ("kil myself", "kill myself"),
        ("overdosing", "overdose"),
        ("I don't want to be here any more", "dont want to be here anymore"),
        ("I DON'T want to die", "want to die"),  # negation is not understood, on purpose
        ("Chcę umrzeć", "chce umrzec"),
    ],
)
def test_case_spacing_typos_repeats_and_endings_are_forgiven(text, phrase):
    assert find(text) == risk_phrases.Match(phrase)


@pytest.mark.parametrize(
    "text",
    [
        "skills workshop tomorrow?",
        "my library book is overdue",
        "I want to dye my hair",
        "can't go on Tuesday sorry",
        "the end of it all was great",
        "1",
        "",
        "🙂🙂",
    ],
)
def test_whole_words_only_so_near_misses_are_not_flagged(text):
    assert find(text) is None


def test_staff_can_add_a_phrase_and_it_is_used_without_a_restart(tmp_path):
    path = tmp_path / "safeguarding.toml"
    path.write_text('[phrases]\nen = ["want to die"]\n', encoding="utf-8")
    assert find("thinking of jumping off the cliff", path) is None
    path.write_text('[phrases]\nen = ["want to die", "jumping off the cliff"]\n', encoding="utf-8")
    assert find("thinking of jumping off the cliff", path) == risk_phrases.Match(
        "jumping off the cliff"
    )


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('[phrases]\nen = ["want to die"', "not valid TOML"),
        ('[other]\nen = ["x"]\n', "[phrases] is missing"),
        ('[phrases]\nen = "want to die"\n', "[phrases] en is not a list"),
        ('[phrases]\nen = ["!!!"]\n', "which has no words"),
        ("[phrases]\nen = []\n", "there are no phrases"),
    ],
)
def test_a_broken_phrase_file_is_named_with_the_problem_and_the_fix(tmp_path, content, problem):
    path = tmp_path / "safeguarding.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PhraseFileError) as caught:
        find("anything", path)
    assert str(path) in str(caught.value)
    assert problem in str(caught.value)
    assert "Fix:" in str(caught.value)


def test_start_up_stops_on_a_broken_phrase_file(tmp_path, monkeypatch):
    path = tmp_path / "safeguarding.toml"
    path.write_text("[phrases]\nen = []\nfr = 3\n", encoding="utf-8")
    monkeypatch.setattr(risk_phrases, "PHRASE_FILE", path)
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config, env={})
    assert str(path) in str(caught.value)
    assert "fr" in str(caught.value)


def test_the_shipped_phrase_file_loads_and_every_phrase_is_found_in_itself():
    phrases = risk_phrases.load()
    assert len(phrases) >= 40
    assert [phrase for phrase, _ in phrases if find(phrase) is None] == []


def test_a_file_broken_while_running_keeps_the_last_good_list_and_says_so(tmp_path, caplog):
    path = tmp_path / "safeguarding.toml"
    path.write_text('[phrases]\nen = ["want to die"]\n', encoding="utf-8")
    assert find("i want to die", path) == risk_phrases.Match("want to die")

    path.write_text('[phrases]\nen = ["want to die", \n', encoding="utf-8")  # a slip mid-edit
    with caplog.at_level("ERROR", logger="bot.risk_phrases"):
        assert find("i want to die", path) == risk_phrases.Match("want to die")
    assert "the last good list" in caplog.text
    assert "i want to die" not in caplog.text  # the message is never logged
    # Start-up and `voices messages check` still refuse the broken file.
    with pytest.raises(PhraseFileError):
        risk_phrases.check(path)


def test_a_file_that_cannot_be_read_also_keeps_the_last_good_list(tmp_path, monkeypatch):
    path = tmp_path / "safeguarding.toml"
    path.write_text('[phrases]\nen = ["want to die"]\n', encoding="utf-8")
    assert find("i want to die", path) is not None
    path.write_text('[phrases]\nen = ["want to die", "kms"]\n', encoding="utf-8")
    real = Path.read_text

    def refuse(self, *args, **kwargs):
        if self == path:
            raise PermissionError(13, "Permission denied")  # saved by another user, say
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", refuse)
    assert find("i want to die", path) == risk_phrases.Match("want to die")
    with pytest.raises(PhraseFileError, match="cannot be read"):
        risk_phrases.check(path)
