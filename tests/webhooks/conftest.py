"""A web app wired to the test database, and signed provider requests to post at it."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from twilio.request_validator import RequestValidator

from bot.settings import AppSettings, TelegramSettings, TwilioSettings
from webhooks.app import create_app

PUBLIC_URL = "https://voices.example.org"
AUTH_TOKEN = "twilio-test-auth-token-0123456789"
TELEGRAM_SECRET = "telegram-test-secret-token"
ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"

_sids = itertools.count(1)


@pytest.fixture
def web_settings(settings):
    return replace(
        settings,
        app=AppSettings(public_url=PUBLIC_URL),
        twilio=TwilioSettings(
            enabled=True,
            account_sid=ACCOUNT_SID,
            from_number="+447700900000",
            auth_token=AUTH_TOKEN,
        ),
        telegram=TelegramSettings(enabled=True, bot_token="1:x", webhook_secret=TELEGRAM_SECRET),
    )


@pytest.fixture
def app(web_settings):
    return create_app(web_settings)


@pytest.fixture
def client(app):
    return app.test_client()


def new_sid(prefix: str = "SM") -> str:
    return f"{prefix}{next(_sids):032x}"


def sms_form(body: str = "Hello", sender: str = "+447700900123", sid: str | None = None) -> dict:
    """The fields Twilio really posts for an inbound SMS."""
    sid = sid or new_sid()
    return {
        "ToCountry": "GB",
        "ToState": "",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ToCity": "",
        "FromZip": "",
        "SmsSid": sid,
        "FromState": "",
        "SmsStatus": "received",
        "FromCity": "",
        "Body": body,
        "FromCountry": "GB",
        "To": "+447700900000",
        "ToZip": "",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "ApiVersion": "2010-04-01",
    }


def sign(url: str, form: dict, token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, form)


def post_twilio(client, path: str, form: dict, *, signature: str | None = None, url=None):
    url = url or PUBLIC_URL + path
    headers = {"X-Twilio-Signature": signature if signature is not None else sign(url, form)}
    return client.post(path, data=form, headers=headers)


def post_telegram(client, update: dict, secret: str | None = TELEGRAM_SECRET):
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    return client.post("/webhooks/telegram", json=update, headers=headers)
