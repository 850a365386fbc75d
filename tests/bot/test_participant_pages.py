"""What the Participants pages are built from: masked numbers, the filters, the paged thread,
marking replies read, staff pause and resume, and the address a one-off goes to."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.models import (
    AddressStatus,
    Channel,
    Direction,
    Message,
    ParticipantStatus,
)
from bot.one_off import OneOffError
from bot.one_off_to_participant import best_address, describe, queue_to_participant
from bot.participant_pages import (
    BULLET,
    Filters,
    mark_read,
    mask,
    readable,
    staff_set_status,
    thread,
)
from bot.sending.sms_text import Estimate
from bot.settings import Settings
from tests.factories import create_address, create_message, create_participant

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


# --- mask ----------------------------------------------------------------------------------


@pytest.mark.parametrize("channel", [Channel.SMS, Channel.WHATSAPP])
def test_a_uk_mobile_keeps_the_country_code_the_first_digit_and_the_last_three(channel):
    assert mask("+447700900123", channel) == "+44 7••• •••123"


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("+14155550123", "+1 4••• •••123"),  # a one-digit country code
        ("+353871234567", "+353 8••• ••567"),  # a three-digit one, and a shorter number
        ("+61412345678", "+61 4••• ••678"),  # nine national digits
    ],
)
def test_other_countries_keep_their_whole_country_code(number, masked):
    assert mask(number, Channel.SMS) == masked


@pytest.mark.parametrize(
    ("chat", "masked"),
    [("123456789", "••••••789"), ("-1001234567890", BULLET * 11 + "890")],
)
def test_a_telegram_chat_id_keeps_only_its_last_three_digits(chat, masked):
    assert mask(chat, Channel.TELEGRAM) == masked


@pytest.mark.parametrize(
    ("value", "channel", "masked"),
    [
        ("12345", Channel.TELEGRAM, "•••••"),  # too short to keep three and hide three
        ("12", Channel.TELEGRAM, "•••"),
        ("07700900123", Channel.SMS, "••••••••123"),  # not E.164: no country code to keep
        ("+44123", Channel.SMS, "•••123"),  # a national number too short to show a digit of
    ],
)
def test_anything_else_hides_all_but_at_most_the_last_three(value, channel, masked):
    assert mask(value, channel) == masked


@given(
    country=st.sampled_from(["1", "44", "353", "91", "61", "49"]),
    national=st.from_regex(r"\A[1-9][0-9]{6,11}\Z"),
)
def test_a_masked_number_shows_no_digits_but_the_code_the_first_and_the_last_three(
    country, national
):
    masked = mask(f"+{country}{national}", Channel.SMS)
    assert re.sub(r"\D", "", masked) == country + national[0] + national[-3:]
    assert masked.startswith(f"+{country} {national[0]}")
    assert masked.count(BULLET) == len(national) - 4


def test_a_revealed_number_is_spaced_for_reading_aloud():
    assert readable("+447911123456", Channel.SMS) == "+44 7911 123456"
    assert readable("987654321", Channel.TELEGRAM) == "987654321"


# --- filters -------------------------------------------------------------------------------


def test_filters_ignore_what_is_not_a_status_or_a_channel_and_tidy_the_rest():
    filters = Filters.from_query(
        {"q": "  Priya   Shah ", "status": "nonsense", "channel": "Telegram", "course": " art24 "}
    )
    assert filters == Filters(text="Priya Shah", channel=Channel.TELEGRAM, course_code="ART24")
    assert filters.as_query() == {"q": "Priya Shah", "channel": "telegram", "course": "ART24"}
    assert Filters.from_query({}).any is False


# --- the thread ----------------------------------------------------------------------------


def test_messages_stored_in_the_same_instant_are_paged_with_none_lost_or_repeated(session):
    address = create_address(session)
    made = [create_message(session, address, body=str(n), created_at=NOW).id for n in range(5)]
    pages = []
    before = None
    while True:
        page = thread(session, address.participant_id, before=before, size=2)
        pages.append([m.id for m in page.messages])
        if page.older_than is None:
            break
        before = page.older_than
    assert pages == [made[3:5], made[1:3], made[0:1]]


def test_a_before_id_from_another_person_shows_the_newest(session):
    mine = create_message(session, body="mine")
    theirs = create_message(session, body="theirs")
    page = thread(session, mine.participant_id, before=theirs.id)
    assert [m.body for m in page.messages] == ["mine"] and page.newest


def test_marking_read_touches_only_unread_replies_among_those_shown(session):
    address = create_address(session)
    reply = create_message(session, address, body="in")
    ours = create_message(session, address, body="out", direction=Direction.OUTBOUND)
    earlier = create_message(session, address, body="seen", read_at=NOW - timedelta(days=1))
    shown = thread(session, address.participant_id).messages
    assert mark_read(session, shown, NOW) == 1
    session.expire_all()
    assert session.get(Message, reply.id).read_at == NOW
    assert session.get(Message, ours.id).read_at is None
    assert session.get(Message, earlier.id).read_at == NOW - timedelta(days=1)


# --- pause and resume ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "to", "moved"),
    [
        (ParticipantStatus.ACTIVE, ParticipantStatus.PAUSED, True),
        (ParticipantStatus.PAUSED, ParticipantStatus.ACTIVE, True),
        (ParticipantStatus.PAUSED, ParticipantStatus.PAUSED, False),
        (ParticipantStatus.STOPPED, ParticipantStatus.ACTIVE, False),
        (ParticipantStatus.ERASED, ParticipantStatus.ACTIVE, False),
        (ParticipantStatus.ACTIVE, ParticipantStatus.STOPPED, False),
    ],
)
def test_staff_may_only_pause_the_active_and_resume_the_paused(session, start, to, moved):
    person = create_participant(session, status=start)
    assert staff_set_status(person, to) is moved
    assert person.status is (to if moved else start)


# --- the address a one-off goes to ---------------------------------------------------------


def test_a_one_off_goes_to_a_working_address_the_free_channels_first(session):
    person = create_participant(session)
    create_address(session, person, channel=Channel.SMS, value="+447911123456")
    create_address(
        session, person, channel=Channel.TELEGRAM, value="111", status=AddressStatus.STOPPED
    )
    whatsapp = create_address(session, person, channel=Channel.WHATSAPP, value="+447911123456")
    create_address(session, person, channel=Channel.SIMULATOR, value="demo-1")
    assert best_address(session, person.id) == whatsapp


def test_someone_on_the_demo_phone_only_cannot_get_a_one_off(session):
    person = create_participant(session, pseudonym="V-DEMO1")
    create_address(session, person, channel=Channel.SIMULATOR, value="demo-1")
    assert best_address(session, person.id) is None
    with pytest.raises(OneOffError, match="V-DEMO1 has no phone number or Telegram chat"):
        queue_to_participant(session, Settings(), person, "Hello")


def test_a_one_off_to_a_participant_is_queued_by_bot_one_off_on_their_best_address(session):
    person = create_participant(session)
    create_address(session, person, channel=Channel.SMS, value="+447911123456")
    telegram = create_address(session, person, channel=Channel.TELEGRAM, value="-100200300")
    message, cost = queue_to_participant(session, Settings(), person, "Hello")
    assert (message.address_id, message.kind, message.body) == (telegram.id, "staff", "Hello")
    assert cost == Estimate(1, 0.0)


@pytest.mark.parametrize(
    ("channel", "cost", "text", "words"),
    [
        (Channel.SMS, Estimate(1, 4.0), "Hi", "1 SMS segment, about 4p"),
        (Channel.SMS, Estimate(3, 12.0), "Hi", "3 SMS segments, about 12p"),
        (Channel.WHATSAPP, Estimate(1, 3.0), "Hi", "1 WhatsApp message, about 3p"),
        (Channel.TELEGRAM, Estimate(1, 0.0), "Hi", "1 Telegram message, free"),
        (Channel.SMS, Estimate(0, 0.0), "", "0 SMS segments, free"),
    ],
)
def test_the_cost_is_told_in_words(channel, cost, text, words):
    assert describe(channel, cost, text) == words


def test_an_sms_outside_the_plain_alphabet_says_why_its_segments_are_shorter():
    assert describe(Channel.SMS, Estimate(1, 4.0), "Diolch ŵ").endswith("holds 70 not 160")
    # A curly quote is swapped for a plain one before sending, so it costs nothing extra.
    assert describe(Channel.SMS, Estimate(1, 4.0), "It’s on") == "1 SMS segment, about 4p"
