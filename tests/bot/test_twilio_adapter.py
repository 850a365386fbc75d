"""The Twilio adapter against a fake HTTP layer: the exact request it builds, and what each of
Twilio's documented error answers becomes. Prism cannot simulate Twilio's error codes."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import requests
import urllib3
from twilio.http import HttpClient
from twilio.http.response import Response

from bot.models import Channel
from bot.sending.envelope import (
    Envelope,
    OutcomeUnknown,
    PermanentFailure,
    SendFailure,
    TransientFailure,
    WindowClosed,
)
from bot.sending.twilio_adapter import BaseUrlHttpClient, TwilioAdapter
from bot.sending.twilio_errors import retry_after
from bot.settings import TwilioSettings

ACCOUNT = "AC" + "0123456789abcdef" * 2
SERVICE = "MG" + "fedcba9876543210" * 2
TEMPLATE = "HX" + "00112233445566778899aabbccddeeff"
TOKEN = "a-very-secret-auth-token"
NUMBER = "+447700900123"
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
CALLBACK = "https://voices.example.org/twilio/status"
PICTURE = "https://voices.example.org/pictures/face-5.png"
CREATED = {"sid": "SM" + "ab" * 16, "status": "queued", "account_sid": ACCOUNT}


@dataclass
class Sent:
    method: str
    url: str
    data: dict[str, Any]
    auth: Any


@dataclass
class FakeTwilio(HttpClient):
    """Answers each request with the next queued answer: a Response, or an exception to raise."""

    answers: list[Any] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(logging.getLogger("fake-twilio"), False, None)

    def request(self, method, uri, params=None, data=None, headers=None, auth=None, **kwargs):
        self.sent.append(Sent(method, uri, dict(data or {}), auth))
        answer = self.answers.pop(0) if self.answers else Response(201, json.dumps(CREATED))
        if isinstance(answer, Exception):
            raise answer
        return answer


def twilio_error(code: int, message: str, status: int = 400, headers=None) -> Response:
    """Twilio's documented error JSON for the Messages endpoint."""
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return Response(status, json.dumps(body), headers or {})


def adapter(fake: FakeTwilio, **settings: Any) -> TwilioAdapter:
    values = {"account_sid": ACCOUNT, "auth_token": TOKEN, "from_number": "+447700900999"}
    values.update(settings)
    return TwilioAdapter(TwilioSettings(enabled=True, **values), http_client=fake)


def sms(**changes: Any) -> Envelope:
    values: dict[str, Any] = {
        "message_id": 1,
        "channel": Channel.SMS,
        "to": NUMBER,
        "text": "Did you enjoy today? Reply YES or NO",
    }
    values.update(changes)
    return Envelope(**values)


def failure_of(answer: Any, envelope: Envelope | None = None) -> Any:
    fake = FakeTwilio(answers=[answer])
    with pytest.raises(SendFailure) as caught:
        adapter(fake, whatsapp_from="whatsapp:+447700900888").send(envelope or sms())
    return caught.value


def assert_nothing_private_in(failure: Exception) -> None:
    words = " ".join(map(str, (failure, failure.__cause__, failure.__context__)))
    for private in (NUMBER, NUMBER[1:], TOKEN, "enjoy today"):
        assert private not in words
    # Nothing chained that a traceback printer or an error tracker could show.
    assert failure.__cause__ is None
    assert failure.__context__ is None


# The request the adapter builds


def test_an_sms_is_posted_as_a_form_to_the_accounts_messages_resource():
    fake = FakeTwilio()
    sid = adapter(fake).send(sms(status_callback=CALLBACK))
    assert sid == CREATED["sid"]
    [sent] = fake.sent
    assert sent.method == "POST"
    assert sent.url == MESSAGES_URL
    assert sent.auth == (ACCOUNT, TOKEN)
    assert sent.data == {
        "To": NUMBER,
        "From": "+447700900999",
        "Body": "Did you enjoy today? Reply YES or NO",
        "StatusCallback": CALLBACK,
    }


def test_an_sms_goes_through_the_messaging_service_when_one_is_set():
    fake = FakeTwilio()
    adapter(fake, messaging_service_sid=SERVICE).send(sms())
    assert fake.sent[0].data == {
        "To": NUMBER,
        "MessagingServiceSid": SERVICE,
        "Body": "Did you enjoy today? Reply YES or NO",
    }


def test_a_whatsapp_message_gets_the_whatsapp_prefix_on_the_recipient_only():
    fake = FakeTwilio()
    sender = "whatsapp:+447700900888"
    adapter(fake, whatsapp_from=sender, messaging_service_sid=SERVICE).send(
        sms(channel=Channel.WHATSAPP)
    )
    assert fake.sent[0].data == {
        "To": "whatsapp:" + NUMBER,
        "From": sender,
        "Body": "Did you enjoy today? Reply YES or NO",
    }


def test_a_template_is_sent_as_content_sid_and_json_variables_instead_of_the_text():
    fake = FakeTwilio()
    adapter(fake, whatsapp_from="whatsapp:+447700900888").send(
        sms(
            channel=Channel.WHATSAPP,
            template_sid=TEMPLATE,
            template_variables={"1": "Many Voices"},
            status_callback=CALLBACK,
        )
    )
    data = fake.sent[0].data
    assert data["ContentSid"] == TEMPLATE
    assert json.loads(data["ContentVariables"]) == {"1": "Many Voices"}
    assert data["StatusCallback"] == CALLBACK
    assert "Body" not in data


def test_a_whatsapp_message_with_a_picture_sends_it_as_media_url_with_the_text():
    fake = FakeTwilio()
    adapter(fake, whatsapp_from="whatsapp:+447700900888").send(
        sms(channel=Channel.WHATSAPP, media_url=PICTURE)
    )
    data = fake.sent[0].data
    assert data["MediaUrl"] == [PICTURE]
    assert data["Body"] == "Did you enjoy today? Reply YES or NO"


def test_an_sms_never_carries_the_picture_so_it_never_becomes_an_mms():
    fake = FakeTwilio()
    adapter(fake).send(sms(media_url=PICTURE))
    assert fake.sent[0].data == {
        "To": NUMBER,
        "From": "+447700900999",
        "Body": "Did you enjoy today? Reply YES or NO",
    }


def test_a_whatsapp_template_goes_without_the_picture_as_the_template_fixes_what_is_shown():
    fake = FakeTwilio()
    adapter(fake, whatsapp_from="whatsapp:+447700900888").send(
        sms(channel=Channel.WHATSAPP, template_sid=TEMPLATE, media_url=PICTURE)
    )
    assert fake.sent[0].data["ContentSid"] == TEMPLATE
    assert "MediaUrl" not in fake.sent[0].data


def test_choices_are_not_sent_because_the_text_already_lists_the_replies():
    fake = FakeTwilio()
    adapter(fake).send(sms(choices=(("Yes", "YES"), ("No", "NO"))))
    assert set(fake.sent[0].data) == {"To", "From", "Body"}


def test_no_status_callback_is_asked_for_when_the_envelope_has_none():
    fake = FakeTwilio()
    adapter(fake).send(sms())
    assert "StatusCallback" not in fake.sent[0].data


def test_sms_without_any_sender_configured_fails_before_calling_twilio():
    fake = FakeTwilio()
    with pytest.raises(PermanentFailure, match="from_number"):
        adapter(fake, from_number=None).send(sms())
    assert fake.sent == []


def test_whatsapp_without_a_whatsapp_sender_fails_before_calling_twilio():
    fake = FakeTwilio()
    with pytest.raises(PermanentFailure, match="whatsapp_from"):
        adapter(fake).send(sms(channel=Channel.WHATSAPP))
    assert fake.sent == []


def test_telegram_envelopes_are_refused():
    with pytest.raises(PermanentFailure):
        adapter(FakeTwilio()).send(sms(channel=Channel.TELEGRAM, to="9001"))


def test_the_adapter_needs_an_auth_token_and_does_not_say_what_it_is():
    with pytest.raises(ValueError, match="auth token"):
        TwilioAdapter(TwilioSettings(account_sid=ACCOUNT))


# What Twilio's errors mean for us


def test_a_21610_error_stops_the_address():
    failure = failure_of(twilio_error(21610, "Attempt to send to unsubscribed recipient"))
    assert type(failure) is PermanentFailure
    assert failure.stop_address
    assert failure.code == "21610"
    assert failure.reason == "the person opted out with their carrier"


def test_a_21211_invalid_number_fails_for_good_without_stopping_the_address():
    failure = failure_of(
        twilio_error(21211, f"The 'To' number {NUMBER} is not a valid phone number.")
    )
    assert type(failure) is PermanentFailure
    assert not failure.stop_address
    assert failure.code == "21211"
    assert_nothing_private_in(failure)


def test_a_21614_number_that_cannot_take_texts_fails_for_good_without_stopping_the_address():
    failure = failure_of(twilio_error(21614, f"'To' number {NUMBER} is not a mobile number"))
    assert type(failure) is PermanentFailure
    assert not failure.stop_address
    assert failure.code == "21614"
    assert "landline" in failure.reason
    assert_nothing_private_in(failure)


def test_a_63016_error_says_the_whatsapp_window_is_closed():
    failure = failure_of(
        twilio_error(
            63016, "Failed to send freeform message because you are outside the allowed window."
        ),
        sms(channel=Channel.WHATSAPP),
    )
    assert type(failure) is WindowClosed
    assert failure.code == "63016"
    assert "24-hour window" in failure.reason


def test_a_429_is_worth_retrying_after_the_wait_twilio_asked_for():
    failure = failure_of(
        twilio_error(20429, "Too Many Requests", status=429, headers={"Retry-After": "7"})
    )
    assert type(failure) is TransientFailure
    assert failure.retry_after == 7.0


def test_a_429_without_retry_after_leaves_the_wait_to_the_dispatcher():
    failure = failure_of(twilio_error(20429, "Too Many Requests", status=429))
    assert type(failure) is TransientFailure
    assert failure.retry_after is None


def test_a_500_is_worth_retrying():
    failure = failure_of(Response(500, "<html>Internal Server Error</html>", {}))
    assert type(failure) is TransientFailure
    assert "500" in failure.reason
    assert failure.code is None


def test_a_503_with_twilio_json_is_worth_retrying_too():
    failure = failure_of(twilio_error(20503, "Service Unavailable", status=503))
    assert type(failure) is TransientFailure
    assert failure.code == "20503"


def test_a_timeout_connecting_is_worth_retrying():
    failure = failure_of(requests.exceptions.ConnectTimeout("connect timed out"))
    assert type(failure) is TransientFailure
    assert failure.retry_after is None
    assert_nothing_private_in(failure)


def test_a_timeout_waiting_for_the_answer_is_not_retried_as_it_may_have_been_sent():
    failure = failure_of(requests.exceptions.ReadTimeout("read timed out"))
    assert type(failure) is OutcomeUnknown
    assert_nothing_private_in(failure)


def test_a_refused_connection_is_worth_retrying():
    refused = urllib3.exceptions.NewConnectionError(None, "Connection refused")
    wrapped = urllib3.exceptions.MaxRetryError(None, "/2010-04-01/…", refused)
    failure = failure_of(requests.exceptions.ConnectionError(wrapped))
    assert type(failure) is TransientFailure
    assert_nothing_private_in(failure)


def test_a_connection_broken_after_the_request_went_is_unknown_never_retried():
    aborted = urllib3.exceptions.ProtocolError(
        "Connection aborted.", ConnectionResetError("reset by peer")
    )
    failure = failure_of(requests.exceptions.ConnectionError(aborted))
    assert type(failure) is OutcomeUnknown
    assert_nothing_private_in(failure)


def test_a_gateway_timeout_is_unknown_because_twilio_may_have_the_message():
    failure = failure_of(twilio_error(20504, "Gateway Timeout", status=504))
    assert type(failure) is OutcomeUnknown


def test_any_other_4xx_fails_for_good_with_twilios_reason_trimmed_and_without_the_number():
    long_message = f"The message from {NUMBER} could not be sent " + "because " * 60
    failure = failure_of(twilio_error(21606, long_message))
    assert type(failure) is PermanentFailure
    assert not failure.stop_address
    assert failure.code == "21606"
    assert "could not be sent" in failure.reason
    assert len(failure.reason) <= 260
    assert_nothing_private_in(failure)


def test_a_whatsapp_number_in_twilios_message_is_scrubbed_as_well():
    failure = failure_of(twilio_error(21608, f"Cannot send to whatsapp:{NUMBER} from this sender"))
    assert "[number]" in failure.reason
    assert_nothing_private_in(failure)


def test_a_failure_logs_nothing_private(caplog):
    caplog.set_level(logging.DEBUG)
    failure_of(twilio_error(21211, f"The 'To' number {NUMBER} is not a valid phone number."))
    for private in (NUMBER, TOKEN, "enjoy today"):
        assert private not in caplog.text


# Pointing the library at another base URL


def test_the_base_url_client_rewrites_only_twilios_api_host(monkeypatch):
    seen = []
    monkeypatch.setattr(
        "twilio.http.http_client.TwilioHttpClient.request",
        lambda self, method, url, *args, **kwargs: seen.append(url),
    )
    client = BaseUrlHttpClient("http://127.0.0.1:4010/", timeout=3)
    client.request("POST", MESSAGES_URL)
    client.request("GET", "https://example.org/other")
    assert seen == [
        f"http://127.0.0.1:4010/2010-04-01/Accounts/{ACCOUNT}/Messages.json",
        "https://example.org/other",
    ]
    assert client.timeout == 3


def test_a_retry_after_given_as_an_http_date_becomes_seconds_from_now():
    when = datetime.now(UTC) + timedelta(seconds=30)
    seconds = retry_after({"retry-after": format_datetime(when, usegmt=True)})
    assert seconds is not None
    assert 25 <= seconds <= 30


def test_a_retry_after_that_makes_no_sense_is_ignored():
    assert retry_after({"Retry-After": "soon, maybe"}) is None
