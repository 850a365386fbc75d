"""Sends SMS and WhatsApp messages through Twilio's Messages API with the official library.

Twilio ignores an envelope's choices: the text already lists the words to reply with. An
envelope's picture goes on WhatsApp only: SMS gets the words alone, because MMS is poorly
supported by UK carriers and costs more.

Nothing here logs or raises with a phone number, a message body or the auth token in it."""

from __future__ import annotations

import json
import threading
from typing import Any

import requests
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from bot.models import Channel
from bot.sending.envelope import (
    Envelope,
    OutcomeUnknown,
    PermanentFailure,
    SendFailure,
    TransientFailure,
)
from bot.sending.twilio_errors import classify
from bot.settings import TwilioSettings

TWILIO_API = "https://api.twilio.com"


class BaseUrlHttpClient(TwilioHttpClient):
    """The library's own HTTP client, aimed at another base URL (a mock such as Prism).

    twilio 9 has no base-URL setting (edge and region only change the *.twilio.com host name),
    so the one place to redirect is the request itself."""

    def __init__(self, base_url: str, *, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if url.startswith(TWILIO_API):
            url = self.base_url + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)


class _KeepsLastResponse(HttpClient):
    """Passes requests through and remembers the answer, because the library's exception does
    not carry the response headers, and a 429's Retry-After lives there."""

    def __init__(self, inner: HttpClient) -> None:
        super().__init__(inner.logger, False, inner.timeout)
        self.inner = inner
        # One adapter may be shared by worker threads: each keeps its own last answer.
        self._local = threading.local()

    def request(self, method: str, uri: str, *args: Any, **kwargs: Any) -> Response:
        self._local.response = None
        response = self.inner.request(method, uri, *args, **kwargs)
        self._local.response = response
        return response

    @property
    def last_headers(self) -> Any:
        response = getattr(self._local, "response", None)
        return response.headers if response is not None else None


def _never_left(exc: requests.exceptions.ConnectionError) -> bool:
    """True only for failures before any byte of the request reached Twilio."""
    if isinstance(exc, requests.exceptions.ConnectTimeout | requests.exceptions.SSLError):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


class TwilioAdapter:
    def __init__(
        self,
        settings: TwilioSettings,
        *,
        http_client: HttpClient | None = None,
        timeout: float = 10.0,
    ) -> None:
        if not (settings.account_sid and settings.auth_token):
            # Start-up checks catch this for a configured service; this guards direct use.
            raise ValueError("the Twilio adapter needs an account SID and an auth token")
        self.settings = settings
        if http_client is None:
            if settings.api_base_url.rstrip("/") == TWILIO_API:
                http_client = TwilioHttpClient(timeout=timeout)
            else:
                http_client = BaseUrlHttpClient(settings.api_base_url, timeout=timeout)
        self._http = _KeepsLastResponse(http_client)
        self._client = Client(settings.account_sid, settings.auth_token, http_client=self._http)

    def send(self, envelope: Envelope) -> str:
        """Hand one message to Twilio and return its message SID, or raise a SendFailure."""
        fields = self._fields(envelope)
        failure: SendFailure | None = None
        try:
            message = self._client.messages.create(**fields)
        except (TwilioRestException, TwilioServiceException) as exc:
            failure = self._failure(exc)
        except requests.exceptions.ConnectionError as exc:
            if _never_left(exc):
                failure = TransientFailure("could not connect to Twilio")
            else:
                # The connection broke after the request may have gone ("connection aborted",
                # "remote end closed"): Twilio may have taken it, so never send it again.
                failure = OutcomeUnknown("the connection to Twilio broke before its answer")
        except requests.exceptions.Timeout:
            # Sent, but no answer in time: Twilio may have taken it, and a retry could send the
            # message twice.
            failure = OutcomeUnknown("Twilio did not answer in time")
        if failure is not None:
            # Raised outside the except blocks so that no library exception rides along as
            # __context__: their text can quote the phone number, and error trackers print it.
            raise failure
        return str(message.sid)

    def _fields(self, envelope: Envelope) -> dict[str, Any]:
        s = self.settings
        if envelope.channel == Channel.SMS:
            # A messaging service picks the sender and handles opt-outs, so prefer it.
            if s.messaging_service_sid:
                fields: dict[str, Any] = {"messaging_service_sid": s.messaging_service_sid}
            elif s.from_number:
                fields = {"from_": s.from_number}
            else:
                raise PermanentFailure("no SMS sender is set: [twilio] from_number")
            fields["to"] = envelope.to
        elif envelope.channel == Channel.WHATSAPP:
            if not s.whatsapp_from:
                raise PermanentFailure("no WhatsApp sender is set: [twilio] whatsapp_from")
            # whatsapp_from already carries the "whatsapp:" prefix; the envelope's address not.
            fields = {"from_": s.whatsapp_from, "to": "whatsapp:" + envelope.to}
        else:
            raise PermanentFailure(f"the Twilio adapter cannot send on {envelope.channel}")
        if envelope.template_sid:
            # An approved template replaces the text (WhatsApp outside the 24-hour window).
            fields["content_sid"] = envelope.template_sid
            if envelope.template_variables is not None:
                fields["content_variables"] = json.dumps(envelope.template_variables)
        else:
            fields["body"] = envelope.text
            # The template already fixes what is shown, so a picture goes with free text only.
            if envelope.media_url and envelope.channel == Channel.WHATSAPP:
                fields["media_url"] = [envelope.media_url]
        if envelope.status_callback:
            fields["status_callback"] = envelope.status_callback
        return fields

    def _failure(self, exc: TwilioRestException | TwilioServiceException) -> SendFailure:
        # Newer endpoints answer RFC 9457 problem details; Messages still uses the legacy shape.
        is_problem = isinstance(exc, TwilioServiceException)
        message = (exc.detail or exc.title) if is_problem else exc.msg
        return classify(int(exc.status), exc.code, message or "", self._http.last_headers)
