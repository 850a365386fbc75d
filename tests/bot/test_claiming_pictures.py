"""A message's picture travels to the adapter: the claim puts it in the envelope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.models import Channel, Direction
from bot.sending.claiming import claim_due
from tests.factories import create_address, create_message

# A Monday in November: GMT, inside the default 09:00-20:00 send window.
NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
PICTURE = "https://voices.example.org/pictures/face-4.png"


def claimed_envelopes(session, settings, **message):
    address = create_address(session, channel=Channel.TELEGRAM, value="4242")
    create_message(
        session,
        address,
        direction=Direction.OUTBOUND,
        kind="survey",
        next_attempt_at=NOON - timedelta(minutes=1),
        **message,
    )
    session.commit()
    claim = claim_due(session, settings, {Channel.TELEGRAM}, NOON, limit=10)
    return [item.envelope for item in claim.claimed]


def test_a_message_with_a_picture_is_claimed_with_the_picture_in_its_envelope(session, settings):
    (envelope,) = claimed_envelopes(session, settings, body="How was today?", media_url=PICTURE)
    assert (envelope.text, envelope.media_url) == ("How was today?", PICTURE)


def test_a_message_without_a_picture_is_claimed_without_one(session, settings):
    (envelope,) = claimed_envelopes(session, settings)
    assert envelope.media_url is None
