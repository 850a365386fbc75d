"""Survey answers as people really send them: numbers, words, faces, yes and no, skip and stop."""

from __future__ import annotations

import pytest

from bot.keywords import is_opt_out, is_stop_request
from bot.surveys.definitions import Question, QuestionType, Words
from bot.surveys.reading import SKIP, STOP_SURVEY, Understood, read


def _answers(english: list[str], polish: list[str]) -> tuple[Words, ...]:
    return tuple(Words({"en": en, "pl": pl}) for en, pl in zip(english, polish, strict=True))


# The shipped surveys' questions, written out here so that a copy edit does not move the tests.
HOW_WAS_IT = Question(
    "how_was_it",
    QuestionType.SCALE,
    Words({"en": "How was the session today?"}),
    _answers(
        ["Very bad", "Bad", "OK", "Good", "Very good"],
        ["Bardzo źle", "Źle", "Średnio", "Dobrze", "Bardzo dobrze"],
    ),
    faces=True,
)
LISTENED_TO = Question(
    "listened_to",
    QuestionType.SCALE,
    Words({"en": "Do our staff listen to you?"}),
    _answers(
        ["Never", "Not often", "Sometimes", "Often", "Always"],
        ["Nigdy", "Rzadko", "Czasami", "Często", "Zawsze"],
    ),
    faces=True,
)
FELT_WELCOME = Question("felt_welcome", QuestionType.YES_NO, Words({"en": "Did you feel welcome?"}))
WHAT_HELPS = Question(
    "what_helps",
    QuestionType.CHOICE,
    Words({"en": "What would help you most next time?"}),
    _answers(
        ["A text the day before", "Help to get there", "A different time", "Nothing, it is fine"],
        ["Wiadomość dzień wcześniej", "Pomoc w dojeździe", "Inny dzień lub godzina", "Nic"],
    ),
)
ANYTHING_ELSE = Question(
    "anything_else", QuestionType.TEXT, Words({"en": "Anything else? Use your own words."})
)
EVERY_KIND = [HOW_WAS_IT, FELT_WELCOME, WHAT_HELPS, ANYTHING_ELSE]


@pytest.mark.parametrize(
    ("text", "point"),
    [
        ("1", "1"),
        ("5", "5"),
        (" 4 ", "4"),
        ("4.", "4"),
        ("３", "3"),  # a full-width digit from a phone keyboard
        ("5 - great", "5"),
        ("5-great", "5"),
        ("4/5", "4"),
        ("4 out of 5", "4"),
        ("one", "1"),
        ("Five!", "5"),
        ("two", "2"),
        ("five - great", "5"),
        ("Very good", "5"),
        ("very good!", "5"),
        ("it was very good", "5"),
        ("Good", "4"),
        ("ok", "3"),
        ("bad", "2"),
        ("very bad", "1"),
    ],
)
def test_a_scale_point_is_read_from_a_number_its_word_or_the_points_own_words(text, point):
    assert read(HOW_WAS_IT, text, "en") == Understood(point)


@pytest.mark.parametrize(
    ("text", "point"),
    [
        ("pięć", "5"),
        ("Pięć", "5"),
        ("piec", "5"),  # without the Polish letters
        ("cztery", "4"),
        ("jeden", "1"),
        ("Bardzo dobrze", "5"),
        ("dobrze", "4"),
        ("średnio", "3"),
        ("źle", "2"),
        ("bardzo źle", "1"),
        ("very good", "5"),  # English words still count for someone who chose Polish
        ("srednio", "3"),  # texted without the Polish letters
        ("bardzo zle", "1"),
    ],
)
def test_a_polish_speaker_can_answer_a_scale_in_polish(text, point):
    assert read(HOW_WAS_IT, text, "pl") == Understood(point)


@pytest.mark.parametrize(
    ("face", "point"),
    [("😞", "1"), ("🙁", "2"), ("😐", "3"), ("🙂", "4"), ("😀", "5"), ("😢", "1"), ("😁", "5")],
)
def test_a_face_answers_a_scale_question(face, point):
    assert read(HOW_WAS_IT, face, "en") == Understood(point)


def test_very_good_is_very_good_and_not_good():
    assert read(HOW_WAS_IT, "very good", "en") == Understood("5")


def test_not_often_is_read_as_not_often_and_not_as_often():
    assert read(LISTENED_TO, "not often", "en") == Understood("2")
    assert read(LISTENED_TO, "Not often.", "en") == Understood("2")
    assert read(LISTENED_TO, "often", "en") == Understood("4")


@pytest.mark.parametrize(
    "text",
    [
        "7",  # out of range on a 1-5 scale
        "0",
        "10",
        "6",
        "seven",
        "3.5",  # a decimal is not a point
        "3,5",
        "10.5",
        "10,5",
        "25.5",
        "-1",
        "good and bad",  # two different answers named
        "1 or 2",
        "2-3",
        "4 not 5",
        "one or two",
        "⑳" * 2200,  # NFKC makes 4,400 digits: not an answer, and never a crash
        "1000",
        "bad but good",
        "😞😀",  # two different faces
        "not good",  # the opposite of Good
        "not very good",
        "wasn't good",
        "nie dobrze",
        "maybe",
        "",
        "   ",
    ],
)
def test_a_reply_that_is_not_a_clear_scale_point_is_not_understood(text):
    assert read(HOW_WAS_IT, text, "en") is None


@pytest.mark.parametrize(
    "text", ["yes", "Yes", "y", "Y", "yeah", "yep", "Yes!", "👍", "tak", "Tak."]
)
def test_replies_that_mean_yes(text):
    assert read(FELT_WELCOME, text, "en") == Understood("yes")


@pytest.mark.parametrize("text", ["no", "No.", "n", "nah", "nope", "👎", "nie", "NIE"])
def test_replies_that_mean_no(text):
    assert read(FELT_WELCOME, text, "en") == Understood("no")


@pytest.mark.parametrize("text", ["maybe", "1", "😀", "yes and no", "", "   "])
def test_a_yes_no_question_does_not_guess(text):
    assert read(FELT_WELCOME, text, "en") is None


@pytest.mark.parametrize(
    ("text", "language", "option"),
    [
        ("2", "en", "2"),
        ("four", "en", "4"),
        ("cztery", "pl", "4"),
        ("Help to get there", "en", "2"),
        ("help to get there please", "en", "2"),
        ("A different time.", "en", "3"),
        ("Nothing, it is fine", "en", "4"),
        ("Pomoc w dojeździe", "pl", "2"),
        ("nic", "pl", "4"),
    ],
)
def test_a_choice_is_read_from_its_number_or_its_own_words(text, language, option):
    assert read(WHAT_HELPS, text, language) == Understood(option)


@pytest.mark.parametrize("text", ["5", "0", "nine", "12", "2.5", "😀", "money", "no idea"])
def test_a_choice_that_is_not_one_of_the_options_is_not_understood(text):
    assert read(WHAT_HELPS, text, "en") is None


def test_a_choice_naming_two_options_is_not_understood():
    assert read(WHAT_HELPS, "help to get there or a different time", "en") is None


@pytest.mark.parametrize(
    "text", ["It was fun", "no", "5", "stop", "😀", "x", " Loud room. \n Nice staff "]
)
def test_any_free_text_that_is_not_blank_is_an_answer_with_no_value(text):
    assert read(ANYTHING_ELSE, text, "en") == Understood(None)


@pytest.mark.parametrize("text", ["", " ", "\n\t "])
def test_a_blank_free_text_reply_is_not_an_answer(text):
    assert read(ANYTHING_ELSE, text, "en") is None


@pytest.mark.parametrize("question", EVERY_KIND, ids=lambda q: q.type.value)
@pytest.mark.parametrize("text", ["skip", "SKIP", "Skip.", "pomiń", "pomin", "POMIŃ"])
def test_skip_moves_on_from_any_kind_of_question(question, text):
    assert read(question, text, "pl") is SKIP


@pytest.mark.parametrize("question", EVERY_KIND, ids=lambda q: q.type.value)
@pytest.mark.parametrize("text", ["stop survey", "STOP SURVEY", "Stop survey!", "koniec"])
def test_stop_survey_ends_the_survey_from_any_kind_of_question(question, text):
    assert read(question, text, "pl") is STOP_SURVEY


def test_stop_survey_is_not_an_opt_out():
    assert not is_opt_out("stop survey")
    assert not is_stop_request("stop survey")
    assert not is_stop_request("Stop the survey.")
