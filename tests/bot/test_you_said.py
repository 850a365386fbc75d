""" "You said, we did": recording an action and the words that led to it, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.models import Direction
from bot.surveys.you_said import ActionError, record_action
from tests.factories import create_answer, create_message

NOW = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)


def test_what_was_done_may_not_repeat_someones_words_either(session):
    answer = create_answer(session, raw_text="my bus stops running at six so I cannot come")
    with pytest.raises(ActionError, match="own words"):
        record_action(
            session,
            said="Buses are a problem for some of you.",
            did="We heard my bus stops running at six, so we start earlier.",
            answer_ids=[answer.id],
            now=NOW,
        )


def test_a_short_answer_is_only_refused_when_it_is_copied_whole(session):
    answer = create_answer(session, raw_text="More art")
    with pytest.raises(ActionError):
        record_action(
            session, said="More art", did="We added art.", answer_ids=[answer.id], now=NOW
        )
    action = record_action(
        session,
        said="You want more art sessions.",
        did="We added two art sessions.",
        answer_ids=[answer.id],
        now=NOW,
    )
    assert (action.said, action.did) == (
        "You want more art sessions.",
        "We added two art sessions.",
    )


def test_each_part_ends_as_a_sentence_so_the_message_reads_well(session):
    answer = create_answer(session, raw_text="evenings")
    action = record_action(
        session,
        said="  Some of you   want evenings ",
        did="We moved it",
        answer_ids=[answer.id],
        now=NOW,
    )
    assert (action.said, action.did) == ("Some of you want evenings.", "We moved it.")


def test_an_action_must_name_where_it_came_from_and_only_real_inbound_messages(session):
    with pytest.raises(ActionError, match="link the answers"):
        record_action(session, said="A.", did="B.", now=NOW)
    with pytest.raises(ActionError, match="no answer 999"):
        record_action(session, said="A.", did="B.", answer_ids=[999], now=NOW)
    ours = create_message(session, direction=Direction.OUTBOUND, body="Reminder")
    with pytest.raises(ActionError, match="no message from a participant"):
        record_action(session, said="A.", did="B.", message_ids=[ours.id], now=NOW)
    theirs = create_message(session, body="The room is too cold")
    action = record_action(
        session,
        said="The room was cold.",
        did="We fixed the heating.",
        message_ids=[theirs.id],
        now=NOW,
    )
    assert action.id is not None
