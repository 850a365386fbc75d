"""Survey files: a mistake is found when the files are read, with its file, line and fix.

Never when a question is due to go: start-up refuses a broken survey folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import ConfigError, load_settings
from bot.surveys import definitions
from bot.surveys.definitions import SurveyFileError, SurveyFilesError, Words

# A good survey file. The line numbers below are this text's: keep them in step.
GOOD = """\
id = "club-night"
title = "Club night"
intro.en = "We have 2 short questions."
intro.pl = "Mamy 2 krótkie pytania."
thanks.en = "Thank you."

[[questions]]
id = "how_was_it"
type = "scale"
text.en = "How was club night?"
points.en = ["Very bad", "Bad", "OK", "Good", "Very good"]
faces = true

[[questions]]
id = "come_again"
type = "yes_no"
text.en = "Will you come again?"
"""
#  1 id              7 [[questions]]     14 [[questions]]
#  2 title           8 id                15 id
#  3 intro.en        9 type              16 type
#  4 intro.pl       10 text.en           17 text.en
#  5 thanks.en      11 points.en
#  6                12 faces


def edited(changes: dict[int, str]) -> str:
    """GOOD with whole lines replaced; a replacement with a newline in it adds lines after."""
    lines = GOOD.splitlines()
    for number, text in changes.items():
        lines[number - 1] = text
    return "\n".join(lines) + "\n"


def write(folder: Path, text: str, name: str = "club-night.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def the_error(errors: list[SurveyFileError], problem: str) -> SurveyFileError:
    found = [error for error in errors if problem in error.problem]
    assert len(found) == 1, f"expected one error about {problem!r}, got: {errors}"
    return found[0]


def test_the_good_example_has_no_mistakes(tmp_path):
    write(tmp_path, GOOD)
    assert definitions.check_files(tmp_path) == []
    survey = definitions.load_all(tmp_path)["club-night"]
    assert [q.key for q in survey.questions] == ["how_was_it", "come_again"]


# (what is wrong, the lines changed, words of the problem, its line, words of the fix)
MISTAKES = [
    (
        "an unknown question type",
        {9: 'type = "rating"'},
        "unknown question type 'rating'",
        9,
        "use one of: scale, choice, yes_no, text",
    ),
    (
        "a choice with no options",
        {16: 'type = "choice"'},
        "a choice question needs its options in English",
        14,
        'add options.en = ["First option", "Second option"]',
    ),
    (
        "a choice with an empty list of options",
        {16: 'type = "choice"\noptions.en = []'},
        "a choice question needs its options in English",
        17,
        "add options.en",
    ),
    (
        "a choice with one option",
        {16: 'type = "choice"\noptions.en = ["Yes"]'},
        "options.en has 1 entries",
        17,
        "give 2 to 9 options",
    ),
    (
        "a duplicate question id",
        {15: 'id = "how_was_it"'},
        'the question id "how_was_it" is used twice',
        15,
        "give each question its own id",
    ),
    (
        "a translation for a language with no messages file",
        {10: 'text.en = "How was club night?"\ntext.fr = "C\'était comment ?"'},
        "text.fr: there is no messages/fr.toml for that language",
        11,
        "use one of: en, pl",
    ),
    (
        "a top-level translation for a language with no messages file",
        {5: 'thanks.en = "Thank you."\nthanks.de = "Danke."'},
        "thanks.de: there is no messages/de.toml",
        6,
        "use one of: en, pl",
    ),
    (
        "a scale with 4 points",
        {11: 'points.en = ["Bad", "OK", "Good", "Very good"]'},
        "points.en has 4 entries",
        11,
        "give exactly 5 points, in order from 1",
    ),
    (
        "a scale with 7 points",
        {11: 'points.en = ["1", "2", "3", "4", "5", "6", "7"]'},
        "points.en has 7 entries",
        11,
        "give exactly 5 points",
    ),
    (
        "a translated list of a different length",
        {11: GOOD.splitlines()[10] + '\npoints.pl = ["Źle", "Średnio", "Dobrze"]'},
        "points.pl has 3 entries but points.en has 5",
        12,
        "translate every entry, in the same order",
    ),
    (
        "a translated list with an empty entry",
        {11: GOOD.splitlines()[10] + '\npoints.pl = ["Bardzo źle", "Źle", "", "Dobrze", "Ok"]'},
        "points.pl must be a list of words",
        12,
        '["Yes", "No"]',
    ),
    (
        "points that are not a list",
        {11: 'points.en = "Very bad, Bad, OK, Good, Very good"'},
        "points.en must be a list of words",
        11,
        '["Yes", "No"]',
    ),
    (
        "options that are a number",
        {16: 'type = "choice"\noptions.en = 5'},
        "options.en must be a list of words",
        17,
        '["Yes", "No"]',
    ),
    (
        "a misspelt question setting",
        {12: "face = true"},
        "unknown setting 'face'",
        12,
        "use only: faces, id, options, picture, points, text, type",
    ),
    (
        "a misspelt survey setting",
        {2: 'titel = "Club night"'},
        "unknown setting 'titel'",
        2,
        "use only: id, intro, questions, thanks, title",
    ),
    (
        "a question with no English text",
        {17: 'text.pl = "Przyjdziesz znowu?"'},
        "text needs English words",
        17,
        'add text.en = "…"',
    ),
    (
        "a survey with no English intro",
        {3: "# no English intro"},
        "intro needs English words",
        4,
        'add intro.en = "…"',
    ),
    (
        "an empty translation",
        {4: 'intro.pl = " "'},
        "intro.pl is empty",
        4,
        "write the words, or remove it",
    ),
    (
        "faces on a yes or no question",
        {17: 'text.en = "Will you come again?"\nfaces = true'},
        "faces = true only fits a scale question",
        18,
        "remove it",
    ),
    (
        "points on a yes or no question",
        {17: 'text.en = "Will you come again?"\npoints.en = ["a", "b", "c", "d", "e"]'},
        "a yes_no question has no points",
        18,
        "remove points, or change the type",
    ),
    (
        "a picture that is not shipped",
        {12: 'faces = true\npicture = "face-9.png"'},
        "the picture 'face-9.png' is not an https address",
        13,
        "give its full https:// address",
    ),
    (
        "a picture of a kind the chat channels cannot show",
        {12: 'faces = true\npicture = "face.gif"'},
        "the picture 'face.gif'",
        13,
        "put the picture file in that folder",
    ),
    (
        "a picture at a plain http address",
        {12: 'faces = true\npicture = "http://example.org/face.png"'},
        "the picture 'http://example.org/face.png'",
        13,
        "https://",
    ),
    (
        "a picture outside the pictures folder",
        {12: 'faces = true\npicture = "../pictures/face-3.png"'},
        "the picture '../pictures/face-3.png'",
        13,
        "https://",
    ),
    (
        "a question id with capitals",
        {15: 'id = "Come Again"'},
        "question 2 needs an id of lower-case letters",
        15,
        'add a line like id = "how_was_it"',
    ),
    (
        "invalid TOML: a missing quote",
        {10: 'text.en = "How was club night?'},
        "this is not valid TOML",
        10,
        "check the quotes, brackets and commas on that line",
    ),
    (
        "invalid TOML: a key set twice",
        {12: 'faces = true\ntext.en = "Again?"'},
        "this is not valid TOML",
        13,
        "check the quotes, brackets and commas",
    ),
    (
        "invalid TOML: a list left open at the end",
        {17: 'text.en = "Will you come again?"\npoints.en = ["Very bad",'},
        "this is not valid TOML",
        18,
        "check the quotes, brackets and commas",
    ),
]


@pytest.mark.parametrize(
    ("changes", "problem", "line", "fix"),
    [case[1:] for case in MISTAKES],
    ids=[case[0] for case in MISTAKES],
)
def test_a_mistake_is_reported_with_its_file_line_and_fix(tmp_path, changes, problem, line, fix):
    path = write(tmp_path, edited(changes))
    error = the_error(definitions.check_files(tmp_path), problem)
    message = str(error)
    assert message.startswith(f"{path}:{line}: "), message
    assert fix in message.split(". Fix: ", 1)[1], message


def test_a_shipped_picture_and_an_https_picture_are_both_fine(tmp_path):
    write(tmp_path, edited({12: 'faces = true\npicture = "face-3.png"'}), "a.toml")
    write(
        tmp_path,
        edited({1: 'id = "b"', 12: 'faces = true\npicture = "https://example.org/f.png"'}),
        "b.toml",
    )
    assert definitions.check_files(tmp_path) == []
    assert definitions.load_all(tmp_path)["club-night"].first().picture == "face-3.png"


def test_a_duplicate_survey_id_across_two_files_names_both_files(tmp_path):
    first = write(tmp_path, GOOD, "a-first.toml")
    second = write(tmp_path, "# The same survey again, by mistake.\n" + GOOD, "b-second.toml")
    [error] = definitions.check_files(tmp_path)
    assert str(error).startswith(f"{second}:2: ")
    assert f'the survey id "club-night" is already used by {first}' in str(error)
    assert "Fix: give each survey its own id" in str(error)


def test_every_mistake_in_a_file_is_reported_not_only_the_first(tmp_path):
    path = write(tmp_path, edited({9: 'type = "rating"', 12: "face = true", 15: 'id = "x y"'}))
    errors = definitions.check_files(tmp_path)
    assert sorted(error.where for error in errors) == sorted(
        [f"{path}:9", f"{path}:12", f"{path}:15"]
    )


def test_a_broken_file_does_not_hide_mistakes_in_the_others(tmp_path):
    write(tmp_path, edited({10: 'text.en = "How was it?'}), "a.toml")
    write(tmp_path, edited({1: 'id = "other"', 9: 'type = "rating"'}), "b.toml")
    errors = definitions.check_files(tmp_path)
    assert {error.path.name for error in errors} == {"a.toml", "b.toml"}


def test_a_file_that_is_not_utf8_is_a_mistake_not_a_crash(tmp_path):
    path = tmp_path / "club-night.toml"
    path.write_bytes(edited({4: 'intro.pl = "Mamy 2 krótkie pytania."'}).encode("cp1250"))
    [error] = definitions.check_files(tmp_path)
    assert str(error) == f"{path}:1: the file is not UTF-8 text. Fix: save it as UTF-8"


def test_loading_a_broken_folder_raises_with_every_mistake_listed(tmp_path):
    write(tmp_path, edited({9: 'type = "rating"', 12: "face = true"}))
    with pytest.raises(SurveyFilesError) as caught:
        definitions.load_all(tmp_path)
    assert len(caught.value.errors) == 2
    assert str(caught.value) == "\n".join(str(error) for error in caught.value.errors)


def test_a_file_in_the_project_is_named_from_the_project_folder():
    inside = definitions.FOLDER / "post-session.toml"
    error = SurveyFileError(inside, 7, "something is wrong", "put it right")
    assert (
        str(error) == "messages/surveys/post-session.toml:7: something is wrong. Fix: put it right"
    )


def test_a_missing_translation_falls_back_to_english_string_by_string():
    words = Words({"en": "How was it?", "pl": "Jak było?"})
    assert words.in_language("pl") == "Jak było?"
    assert words.in_language("en") == "How was it?"
    assert words.in_language("fr") == "How was it?"


def test_a_partly_translated_survey_is_polish_where_it_can_be_and_english_elsewhere(tmp_path):
    write(tmp_path, edited({11: GOOD.splitlines()[10] + "\n" + 'text.pl = "Jak było?"'}))
    survey = definitions.load_all(tmp_path)["club-night"]
    scale, yes_no = survey.questions
    assert survey.intro.in_language("pl") == "Mamy 2 krótkie pytania."
    assert survey.thanks.in_language("pl") == "Thank you."
    assert scale.text.in_language("pl") == "Jak było?"
    assert [point.in_language("pl") for point in scale.answers][-1] == "Very good"
    assert yes_no.text.in_language("pl") == "Will you come again?"


def test_the_shipped_surveys_have_no_mistakes():
    assert definitions.check_files() == []
    shipped = definitions.load_all()
    assert {"post-session", "what-matters"} <= set(shipped)


def test_every_piece_of_every_shipped_survey_has_polish():
    for survey in definitions.load_all().values():
        pieces = {"intro": survey.intro, "thanks": survey.thanks}
        for question in survey.questions:
            pieces[f"{question.key}.text"] = question.text
            for number, answer in enumerate(question.answers, start=1):
                pieces[f"{question.key} answer {number}"] = answer
        missing = [name for name, words in pieces.items() if "pl" not in words.by_language]
        assert missing == [], f"{survey.path.name} has no Polish for {missing}"


def test_the_shipped_surveys_have_the_questions_the_sessions_need():
    post = definitions.load_all()["post-session"]
    kinds = {question.type.value for question in post.questions}
    assert kinds == {"scale", "yes_no", "choice", "text"}
    assert all(len(q.answers) == 5 for q in post.questions if q.type.value == "scale")


# Start-up: settings are read before anything is sent, and a broken survey stops them.


@pytest.fixture
def survey_folder(tmp_path, monkeypatch):
    """An empty survey folder in place of messages/surveys, with the cached surveys forgotten
    before and after, so that no other test sees it."""
    folder = tmp_path / "surveys"
    folder.mkdir()
    definitions.shipped.cache_clear()
    monkeypatch.setattr(definitions, "FOLDER", folder)
    yield folder
    definitions.shipped.cache_clear()


def config(tmp_path: Path, text: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_start_up_refuses_a_broken_survey_file_naming_its_file_line_and_fix(
    tmp_path, survey_folder
):
    broken = write(survey_folder, edited({9: 'type = "rating"'}))
    with pytest.raises(ConfigError) as caught:
        load_settings(config(tmp_path), env={})
    message = str(caught.value)
    assert message.startswith(f"{broken}:9: type: unknown question type 'rating'"), message
    assert "Fix it like this: use one of: scale, choice, yes_no, text" in message


def test_start_up_says_how_many_more_mistakes_there_are(tmp_path, survey_folder):
    write(survey_folder, edited({9: 'type = "rating"', 12: "face = true"}))
    with pytest.raises(ConfigError, match=r"\(1 more: run voices messages check\)"):
        load_settings(config(tmp_path), env={})


def test_start_up_refuses_invalid_toml_in_a_survey_file(tmp_path, survey_folder):
    broken = write(survey_folder, edited({10: 'text.en = "How was club night?'}))
    with pytest.raises(ConfigError) as caught:
        load_settings(config(tmp_path), env={})
    assert str(caught.value).startswith(f"{broken}:10: survey: this is not valid TOML")
    assert "check the quotes" in str(caught.value)


def test_start_up_goes_ahead_with_a_good_survey_folder(tmp_path, survey_folder):
    write(survey_folder, GOOD)
    settings = load_settings(config(tmp_path, '[surveys]\nafter_session = "club-night"\n'), env={})
    assert settings.surveys.after_session == "club-night"


def test_start_up_refuses_an_after_session_survey_that_does_not_exist(tmp_path):
    definitions.shipped.cache_clear()
    path = config(tmp_path, '[surveys]\nafter_session = "nope"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    message = str(caught.value)
    assert message.startswith(f"{path}: [surveys] after_session: ")
    assert 'there is no survey "nope" in messages/surveys' in message
    assert '(or "off")' in message


def test_the_shipped_after_session_survey_is_accepted(tmp_path):
    definitions.shipped.cache_clear()
    path = config(tmp_path, '[surveys]\nafter_session = "post-session"\n')
    assert load_settings(path, env={}).surveys.after_session == "post-session"
