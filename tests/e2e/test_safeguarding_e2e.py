"""End to end: a risk message by SMS, in the middle of a survey and outside the sending hours.

signed inbound SMS ──▶ `voices serve` ──▶ stored, urgent flag, survey paused, signposting and
staff alerts queued ──▶ `voices worker --once` ──▶ twilio library ──▶ Prism (Twilio's own
contract) gets the signposting; a real SMTP server and an HTTP duty line get the alerts.

The send window is set to shut now, so the survey question waits while the signposting goes.
"""

from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot import copy
from bot.models import Channel, Flag, FlagKind, InviteStatus, Message, MessageStatus, SurveyInvite
from tests.e2e.test_survey_e2e import (
    ACCOUNT,
    AUTH_TOKEN,
    OUR_NUMBER,
    PHONE,
    FormKeepingProxy,
    outbound,
    post_signed_sms,
    run_worker_once,
    start_survey,
    voices_command,
)
from tests.peers.alert_receivers import DutyLine, smtp_server
from tests.peers.stand_ins import free_port, voices_serve

SIGNPOSTING = copy.text("safeguarding.signposting")


def window_shut_now() -> str:
    """A one-hour sending window that does not include this moment in London."""
    hour = (datetime.now(ZoneInfo("Europe/London")).hour + 6) % 24
    hour = min(hour, 22)
    return f"{hour:02d}:00-{hour + 1:02d}:00"


@pytest.fixture
def smtp():
    with smtp_server() as found:
        yield found


def test_a_risk_text_at_night_mid_survey_gets_signposting_through_twilio_and_alerts_staff(
    tmp_path, empty_database_url, twilio_prism, smtp
):
    inbox, smtp_port = smtp
    duty = DutyLine()
    engine, sessions = start_survey(empty_database_url, Channel.SMS, PHONE, "post-session")
    proxy = FormKeepingProxy(twilio_prism.base_url)
    port = free_port()
    public_url = f"http://127.0.0.1:{port}"
    base = voices_command(
        tmp_path,
        f'[app]\npublic_url = "{public_url}"\nsend_window = "{window_shut_now()}"\n'
        f'[database]\nurl = "{empty_database_url}"\n'
        f'[twilio]\nenabled = true\naccount_sid = "{ACCOUNT}"\n'
        f'from_number = "{OUR_NUMBER}"\napi_base_url = "{proxy.base_url}"\n'
        f'[safeguarding]\nalert_emails = "duty@example.org"\nsmtp_host = "127.0.0.1"\n'
        f"smtp_port = {smtp_port}\nsmtp_starttls = false\n",
    )
    env = {**os.environ, "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "SAFEGUARDING_WEBHOOK_URL": duty.url}
    try:
        with voices_serve(base, env, port):
            # The survey's first question waits for the window; nothing has gone yet.
            run_worker_once(base, env)
            assert proxy.forms == []

            status, twiml = post_signed_sms(public_url, "I cant do this anymore, I want to die")
            assert (status, twiml.endswith("<Response/>")) == (200, True)
            run_worker_once(base, env)

        assert proxy.refused == 0
        assert [(form["To"], form["Body"]) for form in proxy.forms] == [(PHONE, SIGNPOSTING)]
        with sessions() as session:
            (flag,) = session.scalars(select(Flag)).all()
            assert (flag.kind, flag.urgent) == (FlagKind.SAFEGUARDING, True)
            assert session.scalars(select(SurveyInvite)).one().status is InviteStatus.PAUSED
            stored = session.get(Message, flag.message_id)
            assert stored.body == "I cant do this anymore, I want to die"
        signposting = [m for m in outbound(sessions) if m.kind == "safeguarding"]
        assert [m.status for m in signposting] == [MessageStatus.SENT]

        ((recipients, mail),) = inbox.mails
        assert recipients == ["duty@example.org"]
        assert f"{public_url}/admin/flags/{flag.id}" in mail
        assert "want to die" not in mail and PHONE not in mail
        (note,) = duty.received
        assert note["flag_id"] == flag.id
    finally:
        duty.stop()
        proxy.stop()
        engine.dispose()
