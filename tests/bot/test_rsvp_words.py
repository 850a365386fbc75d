"""RSVP replies as people really send them."""

from __future__ import annotations

import pytest

from bot.models import Rsvp
from bot.rsvp_words import read_rsvp


@pytest.mark.parametrize(
    "text",
    ["1", "1.", " 1 ", "one", "One!", "yes", "Y", "yeah", "👍", "Yes I'll be there", "coming"],
)
def test_replies_that_mean_coming(text):
    assert read_rsvp(text) is Rsvp.COMING


@pytest.mark.parametrize(
    "text",
    [
        "2",
        "2 sorry",
        "two",
        "no",
        "No.",
        "cant come sorry",
        "I can’t make it",
        "not coming",
        "yes but I can't come",
        "Sorry, I'm ill",
    ],
)
def test_replies_that_mean_cant_come(text):
    assert read_rsvp(text) is Rsvp.CANT_COME


@pytest.mark.parametrize(
    "text", ["3", "3)", "three", "I need help to get there", "can I get a lift"]
)
def test_replies_that_mean_need_help(text):
    assert read_rsvp(text) is Rsvp.NEED_HELP


@pytest.mark.parametrize("text", ["12", "4", "maybe", "what time is it?", "", "I can"])
def test_replies_that_are_not_clear_get_none_so_the_caller_reprompts(text):
    assert read_rsvp(text) is None


def test_i_can_come_is_not_read_as_cant_come():
    assert read_rsvp("I can come") is Rsvp.COMING
