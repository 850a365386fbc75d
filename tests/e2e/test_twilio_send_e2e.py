"""End to end: the real adapter, the real twilio library and HTTP, against Prism serving Twilio's
own OpenAPI spec. Prism answers 201 only to a request that keeps to the contract, and 422
otherwise, which the adapter raises as a PermanentFailure; so a send that returns is one the
contract accepts. Prism answers with the spec's example, not an echo: the unit tests check what
exactly is sent."""

from __future__ import annotations

import json
import logging

import pytest
from twilio.http.response import Response

from bot.models import Channel
from bot.sending.envelope import Envelope, PermanentFailure
from bot.sending.twilio_adapter import BaseUrlHttpClient, TwilioAdapter
from bot.settings import TwilioSettings

ACCOUNT = "AC" + "0123456789abcdef" * 2
SERVICE = "MG" + "fedcba9876543210" * 2
TEMPLATE = "HX" + "00112233445566778899aabbccddeeff"
NUMBER = "+447700900123"
CALLBACK = "https://voices.example.org/twilio/status"
TEXT = "Did you enjoy today? Reply YES or NO"
PICTURE = "https://voices.example.org/pictures/face-5.png"


def adapter(prism, **settings) -> TwilioAdapter:
    values = {
        "enabled": True,
        "account_sid": ACCOUNT,
        "auth_token": "prism-accepts-any-token",
        "from_number": "+447700900999",
        "whatsapp_from": "whatsapp:+447700900888",
        "api_base_url": prism.base_url,
    }
    values.update(settings)
    return TwilioAdapter(TwilioSettings(**values), timeout=5)


def envelope(channel: Channel = Channel.SMS, **changes) -> Envelope:
    return Envelope(message_id=1, channel=channel, to=NUMBER, text=TEXT, **changes)


def test_an_sms_from_a_number_passes_twilios_contract(twilio_prism):
    sid = adapter(twilio_prism).send(envelope(status_callback=CALLBACK))
    assert sid.startswith("SM")


def test_an_sms_through_a_messaging_service_passes_twilios_contract(twilio_prism):
    sid = adapter(twilio_prism, messaging_service_sid=SERVICE).send(envelope())
    assert sid.startswith("SM")


def test_a_whatsapp_message_passes_twilios_contract(twilio_prism):
    sid = adapter(twilio_prism).send(envelope(Channel.WHATSAPP, status_callback=CALLBACK))
    assert sid.startswith("SM")


class KeepsPrismsAnswer(BaseUrlHttpClient):
    """Keeps Prism's last answer: a 422's body lists each way the request broke the contract."""

    def request(self, *args, **kwargs) -> Response:
        self.last = super().request(*args, **kwargs)
        return self.last


def test_a_whatsapp_picture_keeps_to_twilios_contract_but_for_prisms_own_array_limit(
    twilio_prism,
):
    # Prism 5.14 reads a form into a dict, so a repeated key keeps only its last value and an
    # array field always arrives as one string (stoplightio/prism#2473): it cannot accept any
    # MediaUrl, however it is sent. What it does show: MediaUrl is a field of Twilio's Create
    # Message contract (a field the contract lacks is ignored, never type-checked), and nothing
    # else in the request breaks it. Once Prism reads arrays, this fails: then expect a sid.
    http = KeepsPrismsAnswer(twilio_prism.base_url, timeout=5)
    settings = adapter(twilio_prism).settings
    with pytest.raises(PermanentFailure, match="422"):
        TwilioAdapter(settings, http_client=http).send(
            envelope(Channel.WHATSAPP, media_url=PICTURE, status_callback=CALLBACK)
        )
    assert json.loads(http.last.text)["validation"] == [
        {
            "location": ["body", "MediaUrl"],
            "severity": "Error",
            "code": "type",
            "message": "Request body property MediaUrl must be array",
        }
    ]


def test_a_whatsapp_template_passes_twilios_contract(twilio_prism):
    sid = adapter(twilio_prism).send(
        envelope(Channel.WHATSAPP, template_sid=TEMPLATE, template_variables={"1": "Many Voices"})
    )
    assert sid.startswith("SM")


def test_a_send_that_breaks_the_contract_is_refused_and_raised(twilio_prism):
    # A bad account SID is the one thing the adapter passes straight through, so it proves the
    # check can fail: Prism answers 422 and the adapter must not report it as sent.
    bad = adapter(twilio_prism, account_sid="AC-not-a-real-account-sid")
    with pytest.raises(PermanentFailure) as caught:
        bad.send(envelope())
    assert "422" in caught.value.reason
    assert not caught.value.stop_address


def test_a_messaging_service_sid_of_the_wrong_shape_is_refused_too(twilio_prism):
    bad = adapter(twilio_prism, messaging_service_sid="MG123")
    with pytest.raises(PermanentFailure, match="422"):
        bad.send(envelope())


def test_sending_for_real_logs_neither_the_number_nor_the_text(twilio_prism, caplog):
    caplog.set_level(logging.DEBUG)
    adapter(twilio_prism).send(envelope(Channel.WHATSAPP))
    assert caplog.records, "the twilio library and urllib3 should have logged something"
    for private in (NUMBER, NUMBER[1:], TEXT, "prism-accepts-any-token"):
        assert private not in caplog.text
