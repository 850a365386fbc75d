"""Alerting staff about an urgent safeguarding flag, by email and by duty-line webhook.

The request that raised the flag only queues the alert, in its own transaction; the worker sends
it (`send_due`), with no transaction open across the network call. An alert never holds a name,
a number or anything the participant wrote: only that a flag was raised, when, and a link to
it. Whoever gets it logs in to see more, and that view is audited.
"""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import transaction
from bot.models import AlertStatus, Flag, StaffAlert, utcnow
from bot.settings import Settings

log = logging.getLogger(__name__)

EMAIL, WEBHOOK = "email", "webhook"
MAX_ATTEMPTS = 8
# Waits between tries grow, and stop growing at 15 minutes: an alert late is still wanted.
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(minutes=15)
NETWORK_TIMEOUT_SECONDS = 15
PER_PASS = 20


def ways(settings: Settings) -> list[str]:
    found = settings.safeguarding
    return [
        *([EMAIL] if found.alert_emails and found.smtp_host else []),
        *([WEBHOOK] if found.alert_webhook_url else []),
    ]


def queue_for(
    session: Session, settings: Settings, flag: Flag, *, unless_within: timedelta | None = None
) -> list[StaffAlert]:
    """Queue an alert by each way set up. With `unless_within`, not if this flag already had
    one that recently: a burst of messages is one alert, a new crisis later is another."""
    if unless_within is not None:
        latest = session.scalar(
            select(StaffAlert.created_at)
            .where(StaffAlert.flag_id == flag.id)
            .order_by(StaffAlert.created_at.desc())
            .limit(1)
        )
        if latest is not None and latest > utcnow() - unless_within:
            return []
    alerts = [StaffAlert(flag_id=flag.id, via=via) for via in ways(settings)]
    session.add_all(alerts)
    return alerts


def send_due(sessions: sessionmaker[Session], settings: Settings, now: datetime) -> int:
    """Send the alerts that are due. Returns how many went."""
    with transaction(sessions) as session:
        due = session.scalars(
            select(StaffAlert)
            .where(StaffAlert.status == AlertStatus.QUEUED, StaffAlert.next_attempt_at <= now)
            .order_by(StaffAlert.id)
            .limit(PER_PASS)
            .with_for_update(skip_locked=True)
        ).all()
        work = []
        for alert in due:
            # Claimed by pushing the next try into the future before the call: a crash mid-send
            # means one more try later, never a lost alert.
            alert.attempts += 1
            alert.next_attempt_at = now + _wait(alert.attempts)
            flag = session.get(Flag, alert.flag_id)
            work.append((alert.id, alert.via, alert.attempts, flag.id, flag.raised_at))
    sent = 0
    for alert_id, via, attempts, flag_id, raised_at in work:
        error = _try(SENDERS[via], settings, flag_id, raised_at)
        with transaction(sessions) as session:
            alert = session.get(StaffAlert, alert_id)
            if error is None:
                alert.status, alert.sent_at, alert.error_text = AlertStatus.SENT, utcnow(), None
                sent += 1
            else:
                alert.error_text = error[:300]
                if attempts >= MAX_ATTEMPTS:
                    alert.status = AlertStatus.FAILED
                log.error("staff alert %s (%s), flag %s: %s", alert_id, via, flag_id, error)
    return sent


def _try(
    sender: Callable[[Settings, int, datetime], None],
    settings: Settings,
    flag_id: int,
    raised_at: datetime,
) -> str | None:
    try:
        sender(settings, flag_id, raised_at)
    except Exception as exc:
        # Any failure is this alert's, never the whole pass's (http.client's BadStatusLine is
        # no OSError). Only its kind is kept: mail servers' messages can echo addresses back.
        return type(exc).__name__ + (f" {exc.code}" if hasattr(exc, "code") else "")
    return None


def _wait(attempts: int) -> timedelta:
    return min(FIRST_WAIT * 2 ** (attempts - 1), LONGEST_WAIT)


def link(settings: Settings, flag_id: int) -> str:
    return f"{settings.app.public_url}/admin/flags/{flag_id}"


def email_text(settings: Settings, flag_id: int, raised_at: datetime) -> tuple[str, str]:
    """The subject and body: what happened and where to look, and nothing personal."""
    local = raised_at.astimezone(ZoneInfo(settings.app.timezone))
    service = settings.app.service_name
    subject = f"{service}: urgent safeguarding flag {flag_id}"
    body = (
        f"At {local:%H:%M on %A %d %B}, a message to {service} suggested that someone may be "
        "at risk.\n\nThe signposting reply (999, NHS 111 option 2, Samaritans, SHOUT) was "
        "queued for them at once. The flag's page shows whether it was delivered.\n\n"
        "Please look now, and record what you did:\n"
        f"{link(settings, flag_id)}\n\n"
        "This email holds no names, numbers or messages, on purpose.\n"
    )
    return subject, body


def send_email(settings: Settings, flag_id: int, raised_at: datetime) -> None:
    found = settings.safeguarding
    subject, body = email_text(settings, flag_id, raised_at)
    message = EmailMessage()
    message["Subject"], message["From"] = subject, found.smtp_from
    message["To"] = ", ".join(found.alert_emails)
    message.set_content(body)
    with smtplib.SMTP(found.smtp_host, found.smtp_port, timeout=NETWORK_TIMEOUT_SECONDS) as smtp:
        if found.smtp_starttls:
            # Checked against the system's certificate authorities and the host name: without
            # a context, Python's STARTTLS accepts any certificate, and the password with it.
            smtp.starttls(context=ssl.create_default_context())
        if found.smtp_username and found.smtp_password:
            smtp.login(found.smtp_username, found.smtp_password)
        smtp.send_message(message)


def send_webhook(settings: Settings, flag_id: int, raised_at: datetime) -> None:
    payload = {
        "event": "safeguarding.flag_raised",
        "flag_id": flag_id,
        "raised_at": raised_at.isoformat(),
        "url": link(settings, flag_id),
        "text": email_text(settings, flag_id, raised_at)[0],
    }
    # The address is checked to be http(s) when settings load (check_http_url).
    request = urllib.request.Request(  # noqa: S310
        settings.safeguarding.alert_webhook_url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    # urlopen raises HTTPError (an OSError) for any answer that is not 2xx.
    with urllib.request.urlopen(request, timeout=NETWORK_TIMEOUT_SECONDS):  # noqa: S310
        pass


SENDERS: dict[str, Callable[[Settings, int, datetime], None]] = {
    EMAIL: send_email,
    WEBHOOK: send_webhook,
}
