import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.models import Channel
from bot.sending.sms_text import Estimate, SegmentCount, count_segments, estimate, plain_for_sms
from bot.settings import SendingSettings

# "ŵ" (Welsh) is not in GSM-7, so it makes a message UCS-2 at one code unit a character.
WELSH_W = "ŵ"
EMOJI = "😀"  # outside the Basic Multilingual Plane: two UTF-16 code units

# The brief's list, written out again here so the test notices if the module's table drifts.
LISTED = {
    **dict.fromkeys("‘’‚‛′", "'"),
    **dict.fromkeys("“”„‟″", '"'),
    **dict.fromkeys("‒–—―−", "-"),
    "…": "...",
    **dict.fromkeys("\u00a0\u2007\u2009\u202f", " "),
}

SENDING = SendingSettings(sms_pence_per_segment=4.0, whatsapp_pence_per_message=3.0)


@pytest.mark.parametrize(
    ("length", "segments"), [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)]
)
def test_plain_text_fits_160_in_one_message_and_153_in_each_part(length, segments):
    assert count_segments("a" * length) == SegmentCount("GSM-7", length, segments)


@pytest.mark.parametrize(
    ("length", "segments"), [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)]
)
def test_one_character_outside_gsm7_makes_it_70_in_one_and_67_in_each_part(length, segments):
    text = WELSH_W + "a" * (length - 1)
    assert count_segments(text) == SegmentCount("UCS-2", length, segments)


def test_extension_characters_count_two_septets():
    assert count_segments("€" * 80) == SegmentCount("GSM-7", 160, 1)
    assert count_segments("€" * 80 + "a") == SegmentCount("GSM-7", 161, 2)
    assert count_segments("^{}\\[~]|€\f").units == 20


def test_an_extension_character_that_would_straddle_a_part_moves_whole_to_the_next():
    # 306 septets either way, which plain division would call two parts. With "{" at septets
    # 153-154 the first part can only hold 152, and the last septet spills into a third part.
    straddling = "a" * 152 + "{" + "a" * 152
    fitting = "a" * 151 + "{" + "a" * 153
    assert count_segments(straddling) == SegmentCount("GSM-7", 306, 3)
    assert count_segments(fitting) == SegmentCount("GSM-7", 306, 2)


def test_an_emoji_that_would_straddle_a_part_moves_whole_to_the_next():
    straddling = WELSH_W * 66 + EMOJI + WELSH_W * 66
    fitting = WELSH_W * 65 + EMOJI + WELSH_W * 67
    assert count_segments(straddling) == SegmentCount("UCS-2", 134, 3)
    assert count_segments(fitting) == SegmentCount("UCS-2", 134, 2)


def test_an_emoji_counts_two_code_units():
    assert count_segments(EMOJI * 35) == SegmentCount("UCS-2", 70, 1)
    assert count_segments(EMOJI * 35 + "a") == SegmentCount("UCS-2", 71, 2)


def counting(first: int, last: int) -> str:
    """ "2345…": the last digit of each position, the way Twilio's test bodies are written."""
    return "".join(str(i % 10) for i in range(first, last + 1))


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        # Twilio's Message Segment Calculator (TwilioDevEd/message-segment-calculator) gives
        # these: its own test cases, rebuilt here, and a one-character message of each kind.
        ("{" + counting(2, 159), "GSM-7", 1),
        ("{" + counting(2, 160), "GSM-7", 2),
        ("😜" + counting(2, 69), "UCS-2", 1),
        ("😜" + counting(2, 70), "UCS-2", 2),
        ("Hi", "GSM-7", 1),
        ("Hi 👋", "UCS-2", 1),
    ],
)
def test_counts_agree_with_twilios_segment_calculator(text, encoding, segments):
    result = count_segments(text)
    assert (result.encoding, result.segments) == (encoding, segments)


def test_a_lone_escape_character_is_not_gsm7():
    # ESC only switches to the extension table; it cannot be sent as a character by itself.
    assert count_segments("\x1b").encoding == "UCS-2"


def test_empty_text_is_no_segments_because_twilio_refuses_an_empty_body():
    assert count_segments("") == SegmentCount("GSM-7", 0, 0)
    assert estimate("", Channel.SMS, SENDING) == Estimate(0, 0.0)
    assert estimate("", Channel.WHATSAPP, SENDING) == Estimate(0, 0.0)


def test_smart_quotes_dashes_and_spaces_are_made_plain_when_that_keeps_it_gsm7():
    text = "It’s “fine” – really…\u00a0See you at 2\u2009pm — ‘ok’?"
    assert plain_for_sms(text) == "It's \"fine\" - really... See you at 2 pm - 'ok'?"


def test_smart_quotes_are_left_alone_when_an_emoji_keeps_it_ucs2_anyway():
    assert plain_for_sms("It’s fine 😀") == "It’s fine 😀"
    assert plain_for_sms("Croeso’n ôl") == "Croeso’n ôl"  # ô is not GSM-7 either


def test_ellipses_are_left_alone_when_spelling_them_out_would_cost_more():
    assert count_segments("…" * 60).segments == 1
    assert plain_for_sms("…" * 60) == "…" * 60
    assert plain_for_sms("…" * 50) == "..." * 50


def test_an_sms_estimate_prices_the_plain_version_by_the_segment():
    # One curly apostrophe would make 100 characters two UCS-2 segments; plain, it is one.
    text = "We’re " + "a" * 94
    assert count_segments(text).segments == 2
    assert estimate(text, Channel.SMS, SENDING) == Estimate(1, 4.0)
    assert estimate("a" * 161, Channel.SMS, SENDING) == Estimate(2, 8.0)


def test_whatsapp_is_one_message_whatever_its_length_and_telegram_is_free():
    assert estimate("a" * 1000, Channel.WHATSAPP, SENDING) == Estimate(1, 3.0)
    assert estimate("a" * 1000, Channel.TELEGRAM, SENDING) == Estimate(1, 0.0)
    assert estimate("Hi", Channel.SIMULATOR, SENDING) == Estimate(1, 0.0)


# Texts near the segment boundaries, mixing plain, extension, listed and non-GSM characters.
texts = st.text(
    alphabet=st.sampled_from("ab {€\n" + "".join(LISTED) + WELSH_W + EMOJI) | st.characters(),
    max_size=350,
)


@given(texts, st.sampled_from("a{’" + WELSH_W + EMOJI) | st.characters())
def test_appending_a_character_never_lowers_the_segment_count_or_the_estimate(text, char):
    assert count_segments(text + char).segments >= count_segments(text).segments
    before, after = (
        estimate(text, Channel.SMS, SENDING),
        estimate(text + char, Channel.SMS, SENDING),
    )
    assert after.segments >= before.segments


@given(texts)
def test_making_text_plain_is_idempotent_changes_only_listed_characters_and_never_costs_more(
    text,
):
    plain = plain_for_sms(text)
    assert plain_for_sms(plain) == plain
    assert plain in (text, "".join(LISTED.get(ch, ch) for ch in text))
    assert count_segments(plain).segments <= count_segments(text).segments
