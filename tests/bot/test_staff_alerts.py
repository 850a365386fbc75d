"""Alerting staff about an urgent safeguarding flag: a real SMTP server (aiosmtpd) and a real
HTTP duty line on loopback receive what the worker sends. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from bot import staff_alerts
from bot.db import make_session_factory
from bot.events import InboundMessage
from bot.inbox import receive
from bot.models import AlertStatus, Channel, Flag, StaffAlert
from bot.settings import AppSettings, SafeguardingSettings, Settings
from tests.peers.alert_receivers import DutyLine, Inbox, smtp_server
from tests.peers.stand_ins import free_port

NOW = datetime(2026, 11, 23, 14, 5, tzinfo=UTC)
PHONE = "+447911000303"
BODY = "i want to end it all, zebra-5521"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as found:
        yield found


@pytest.fixture
def duty_line() -> Iterator[DutyLine]:
    line = DutyLine()
    yield line
    line.stop()


def alerting(smtp_port: int | None = None, webhook: str | None = None) -> Settings:
    return Settings(
        app=AppSettings(public_url="https://voices.example.org"),
        safeguarding=SafeguardingSettings(
            alert_emails=("duty@example.org", "lead@example.org") if smtp_port else (),
            smtp_host="127.0.0.1" if smtp_port else None,
            smtp_port=smtp_port or 587,
            smtp_starttls=False,
            smtp_from="voices@example.org",
            alert_webhook_url=webhook,
        ),
    )


def raise_by_message(engine, settings: Settings) -> int:
    sessions = make_session_factory(engine)
    with sessions() as session:
        receive(session, InboundMessage(Channel.SMS, PHONE, "SM" + "a1" * 16, BODY), settings)
        session.commit()
        return session.scalar(select(Flag.id))


def alerts(engine) -> list[StaffAlert]:
    with make_session_factory(engine)() as session:
        return list(session.scalars(select(StaffAlert).order_by(StaffAlert.id)))


def test_an_email_reaches_every_address_with_a_link_and_nothing_personal(engine, smtp):
    inbox, port = smtp
    settings = alerting(smtp_port=port)
    flag_id = raise_by_message(engine, settings)

    assert staff_alerts.send_due(make_session_factory(engine), settings, NOW) == 1

    ((recipients, mail),) = inbox.mails
    assert recipients == ["duty@example.org", "lead@example.org"]
    assert f"Subject: Many Voices: urgent safeguarding flag {flag_id}" in mail
    assert f"https://voices.example.org/admin/flags/{flag_id}" in mail
    for private in (PHONE, "7911000303", "zebra", "end it all"):
        assert private not in mail
    (alert,) = alerts(engine)
    assert (alert.status, alert.attempts) == (AlertStatus.SENT, 1)


def test_the_duty_line_gets_a_small_json_note_with_the_link(engine, duty_line):
    settings = alerting(webhook=duty_line.url)
    flag_id = raise_by_message(engine, settings)

    staff_alerts.send_due(make_session_factory(engine), settings, NOW)

    (note,) = duty_line.received
    assert note["event"] == "safeguarding.flag_raised"
    assert note["flag_id"] == flag_id
    assert note["url"] == f"https://voices.example.org/admin/flags/{flag_id}"
    assert PHONE not in json.dumps(note) and "zebra" not in json.dumps(note)


def test_a_failing_duty_line_is_tried_again_later_with_a_growing_wait_then_given_up(engine):
    line = DutyLine(answer=503)
    try:
        settings = alerting(webhook=line.url)
        raise_by_message(engine, settings)
        sessions = make_session_factory(engine)
        now = NOW
        waits = []
        for _ in range(staff_alerts.MAX_ATTEMPTS):
            staff_alerts.send_due(sessions, settings, now)
            (alert,) = alerts(engine)
            waits.append(alert.next_attempt_at - now)
            # Not due again before the wait is over.
            assert staff_alerts.send_due(sessions, settings, now + timedelta(seconds=1)) == 0
            now = alert.next_attempt_at
        assert len(line.received) == staff_alerts.MAX_ATTEMPTS
    finally:
        line.stop()
    (alert,) = alerts(engine)
    assert alert.status is AlertStatus.FAILED
    assert alert.error_text == "HTTPError 503"
    assert waits[0] == timedelta(seconds=30)
    assert waits == sorted(waits) and waits[-1] == staff_alerts.LONGEST_WAIT


def test_no_mail_server_listening_leaves_the_alert_queued_for_another_try(engine):
    settings = alerting(smtp_port=free_port())  # nothing listens there
    raise_by_message(engine, settings)
    assert staff_alerts.send_due(make_session_factory(engine), settings, NOW) == 0
    (alert,) = alerts(engine)
    assert (alert.status, alert.attempts) == (AlertStatus.QUEUED, 1)
    assert alert.error_text.startswith("ConnectionRefusedError")


def test_starttls_checks_the_mail_servers_certificate_and_name(monkeypatch):
    seen = {}

    class RecordingSMTP:
        """Stands in for smtplib.SMTP to see what STARTTLS is asked to trust."""

        def __init__(self, host, port, timeout):
            seen["host"] = host

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self, context=None):
            seen["context"] = context

        def login(self, *_):
            pass

        def send_message(self, _):
            pass

    monkeypatch.setattr(staff_alerts.smtplib, "SMTP", RecordingSMTP)
    settings = Settings(
        safeguarding=SafeguardingSettings(
            alert_emails=("duty@example.org",), smtp_host="mail.example.org", smtp_starttls=True
        )
    )
    staff_alerts.send_email(settings, 1, NOW)
    context = seen["context"]
    assert context is not None
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname is True


def test_a_duty_line_answering_nonsense_fails_that_alert_only_and_the_rest_still_go(engine, smtp):
    inbox, port = smtp
    nonsense = socket.create_server(("127.0.0.1", 0))
    threading.Thread(target=_answer_nonsense, args=(nonsense,), daemon=True).start()
    url = f"http://127.0.0.1:{nonsense.getsockname()[1]}/duty"
    try:
        settings = alerting(smtp_port=port, webhook=url)
        raise_by_message(engine, settings)
        assert staff_alerts.send_due(make_session_factory(engine), settings, NOW) == 1
    finally:
        nonsense.close()
    email, webhook = alerts(engine)
    assert (email.via, email.status) == ("email", AlertStatus.SENT)
    assert (webhook.via, webhook.status) == ("webhook", AlertStatus.QUEUED)
    assert webhook.error_text == "BadStatusLine"
    assert len(inbox.mails) == 1


def _answer_nonsense(server: socket.socket) -> None:
    try:
        while True:
            connection, _ = server.accept()
            with connection:
                connection.recv(65536)
                connection.sendall(b"garbage\r\n")
    except OSError:
        pass  # the test closed the socket
