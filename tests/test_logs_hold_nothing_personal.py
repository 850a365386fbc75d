"""Issue 8: no phone number, message body, name or token appears in the logs, at any level.

One test runs the service's main flows as it really runs them, with distinctive private values,
and catches every log record the process makes on the way:

    `voices staff add` (the password on stdin)
    the web process (webhooks.app.create_app under Werkzeug's server, as `voices serve` runs it):
      a staff login, a CSV import of participants, a search by name, a participant's page,
      a revealed number; signed Twilio SMS and WhatsApp webhooks, a Telegram webhook with its
      secret token, and a forged webhook of each kind (403)
    `voices worker --once`: a session reminder falls due (bot.due.fire_due), and the
      dispatcher sends everything queued through the real Twilio adapter to Prism and the real
      Telegram adapter to the Telegram emulator
    a message a member of staff writes on the participant's page, sent by the worker's own
      jobs running on APScheduler

The root logger is at DEBUG with one handler catching every record from every logger: our own,
and the libraries' (httpx, httpcore, twilio, telegram, werkzeug, sqlalchemy, urllib3,
apscheduler, ...).
Logging is set up by the service's own code on the way (voices.cli and webhooks.app call
bot.log_privacy), never by this test, so the test proves the configuration the service runs
with. Each record's message, arguments, extra fields and exception text are then scanned for
each private value, also as it looks in a URL. A failure names the value and the logger, never
the value itself; and while the flows run, pytest's own log capture is taken off the root
logger, so its report cannot print them either."""

from __future__ import annotations

import http.cookiejar
import json
import logging
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from logging import Logger
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.serving import make_server

from bot.db import make_engine, make_session_factory, reading_only, transaction
from bot.migrate import upgrade
from bot.models import (
    Address,
    Channel,
    Course,
    CourseSession,
    Direction,
    Enrolment,
    Flag,
    FlagKind,
    Message,
    MessageStatus,
    Participant,
)
from bot.reminders.schedule import schedule_session
from bot.sending.adapters import build_adapters
from bot.settings import Settings, load_settings
from scheduler.worker import Jobs, build_scheduler
from tests.factories import create_consent
from tests.peers.counting_proxy import CountingProxy
from tests.peers.stand_ins import free_port
from tests.webhooks.admin.conftest import csrf_from
from tests.webhooks.conftest import sign, sms_form
from voices.cli import cli
from webhooks.app import create_app

# Monday 23 November 2026, noon: GMT, so London time is UTC.
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

# The private values. Each is distinctive, so finding it in a log line cannot be chance.
NUMBER = "+447911246813"  # valid to libphonenumber, so the CSV import accepts it
CHAT_ID = 7319046285
FIRST_NAME, SURNAME = "Bartholomew", "Quince"
NAME = f"{FIRST_NAME} {SURNAME}"
BODY = "my secret words zebra-7719"
TWILIO_TOKEN = "twilio-auth-token-pelican-5501"
BOT_TOKEN_SECRET = "AAH-heron-6612-bot-token-secret"
BOT_TOKEN = f"6001002003:{BOT_TOKEN_SECRET}"
WEBHOOK_SECRET = "telegram-webhook-secret-osprey-3390"
PASSWORD = "staff-password-walrus-8245"
STAFF_TEXT = "A note from staff: kiwi-4410"

SENSITIVE: dict[str, str] = {
    "the phone number (E.164)": NUMBER,
    "the phone number without its +": NUMBER[1:],
    "the phone number in national form": "07911246813",
    "the phone number in national form, spaced": "07911 246813",
    "the phone number's subscriber digits": "7911246813",
    "the phone number as shown to staff": "7911 246813",
    "the Telegram chat id": str(CHAT_ID),
    "the participant's name": NAME,
    "the participant's first name": FIRST_NAME,
    "the participant's surname": SURNAME,
    "the message body": BODY,
    "a piece of the message body": "zebra-7719",
    "the Twilio auth token": TWILIO_TOKEN,
    "the Telegram bot token": BOT_TOKEN,
    "the secret part of the Telegram bot token": BOT_TOKEN_SECRET,
    "the Telegram webhook secret": WEBHOOK_SECRET,
    "the staff password": PASSWORD,
    "a message staff wrote": STAFF_TEXT,
    "a piece of the message staff wrote": "kiwi-4410",
}

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
STAFF_EMAIL = "sam@college.example"
SMS_FROM = "+447700900999"
WHATSAPP_FROM = "whatsapp:+447700900888"

# Loggers of libraries that leave their level unset: the test unsets them again, and takes off
# their filters, so that whatever quiets them during the run is the service's own set-up, never
# an earlier test's. (SQLAlchemy sets its own loggers to WARNING when imported, as it does in
# the service, so it is left as it is.)
LIBRARY_LOGGERS = (
    "apscheduler",
    "httpcore",
    "httpx",
    "requests",
    "telegram",
    "twilio",
    "urllib3",
    "werkzeug",
)


# Scanning --------------------------------------------------------------------------------------

# Attributes every LogRecord has; anything else on a record came in through `extra=`.
_STANDARD = set(vars(logging.LogRecord("n", logging.INFO, "p", 1, "m", None, None))) | {
    "message",
    "asctime",
    "taskName",
}


def everything_in(record: logging.LogRecord) -> str:
    """All the text a handler or a formatter could write for this record."""
    parts = [str(record.msg)]
    try:
        parts.append(record.getMessage())
    except Exception:  # a bad format string still leaves msg and args to look at
        parts.append("(the message could not be formatted)")
    args = record.args
    if isinstance(args, Mapping):
        args = (*args.keys(), *args.values())
    parts.append(repr(args))
    parts.extend(str(arg) for arg in args or ())
    if record.exc_info and record.exc_info[1] is not None:
        parts.append("".join(traceback.format_exception(*record.exc_info)))
    if record.exc_text:
        parts.append(record.exc_text)
    if record.stack_info:
        parts.append(record.stack_info)
    parts.extend(repr(value) for key, value in vars(record).items() if key not in _STANDARD)
    return "\n".join(parts)


@dataclass(frozen=True)
class Seen:
    """A record as caught: where it came from, and its text (kept only to be scanned)."""

    logger: str
    level: str
    where: str
    text: str

    @classmethod
    def of(cls, record: logging.LogRecord) -> Seen:
        where = f"{record.module}.{record.funcName}:{record.lineno}"
        return cls(record.name, record.levelname, where, everything_in(record).casefold())


@dataclass(frozen=True)
class Leak:
    label: str
    logger: str
    level: str
    where: str

    def __str__(self) -> str:
        return f"{self.label}: logger {self.logger!r} at {self.level} ({self.where})"


def _as_written(value: str) -> set[str]:
    # As it is, and as it looks in a URL's path or query string.
    forms = (value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value))
    return {form.casefold() for form in forms}


def leaks_in(seen: list[Seen], sensitive: Mapping[str, str] = SENSITIVE) -> list[Leak]:
    leaks: list[Leak] = []
    for item in seen:
        for label, value in sensitive.items():
            if any(form in item.text for form in _as_written(value)):
                leak = Leak(label, item.logger, item.level, item.where)
                if leak not in leaks:
                    leaks.append(leak)
    return leaks


def assert_no_leaks(seen: list[Seen]) -> None:
    leaks = leaks_in(seen)
    # Only labels and places: the failure report must not repeat what it found.
    assert not leaks, "private values in the logs:\n  " + "\n  ".join(map(str, leaks))


class Catcher(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen: list[Seen] = []

    def emit(self, record: logging.LogRecord) -> None:
        # Read at once: a record's arguments may be objects that change later.
        self.seen.append(Seen.of(record))

    def loggers(self) -> set[str]:
        return {item.logger for item in self.seen}

    @contextmanager
    def alone(self) -> Iterator[None]:
        """Take every other handler off every logger for a while: pytest's log capture (on the
        root logger), or a library's own stream handler, would otherwise print the private
        values into a failing test's report."""
        root = logging.getLogger()
        loggers = [root, *(x for x in root.manager.loggerDict.values() if isinstance(x, Logger))]
        others = {logger: [h for h in logger.handlers if h is not self] for logger in loggers}
        for logger, handlers in others.items():
            for handler in handlers:
                logger.removeHandler(handler)
        try:
            yield
        finally:
            for logger, handlers in others.items():
                for handler in handlers:
                    logger.addHandler(handler)


@pytest.fixture
def every_record() -> Iterator[Catcher]:
    """The root logger at DEBUG with a handler that catches every record of every logger.
    Everything is put back afterwards."""
    root = logging.getLogger()
    manager = root.manager
    existing = [root, *(x for x in manager.loggerDict.values() if isinstance(x, Logger))]
    saved = {logger: (logger.level, logger.disabled, list(logger.filters)) for logger in existing}
    disabled_below = manager.disable
    logging.disable(logging.NOTSET)
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        saved.setdefault(logger, (logger.level, logger.disabled, list(logger.filters)))
        logger.setLevel(logging.NOTSET)
        logger.filters.clear()
    for logger in saved:
        logger.disabled = False
    root.setLevel(logging.DEBUG)
    catcher = Catcher()
    root.addHandler(catcher)
    # A logger that does not pass records up gets the catcher too.
    islands = [logger for logger in saved if logger is not root and not logger.propagate]
    for logger in islands:
        logger.addHandler(catcher)
    try:
        yield catcher
    finally:
        for logger in [root, *islands]:
            logger.removeHandler(catcher)
        for logger, (level, disabled, filters) in saved.items():
            logger.setLevel(level)
            logger.disabled = disabled
            logger.filters[:] = filters
        logging.disable(disabled_below)


# The service -----------------------------------------------------------------------------------


@dataclass
class Service:
    config: Path
    env: dict[str, str]
    public_url: str
    port: int
    twilio: CountingProxy
    # Reading only: for looking at what the service wrote while it runs.
    sessions: sessionmaker[Session]

    def settings(self) -> Settings:
        return load_settings(self.config, self.env)

    def cli(self, *args: str, input: str | None = None):
        return CliRunner().invoke(
            cli, ["--config", str(self.config), *args], input=input, env=self.env
        )


@pytest.fixture
def service(tmp_path, empty_database_url, twilio_prism, telegram_emulator) -> Iterator[Service]:
    """A migrated database with one course, and the settings `voices` reads: Twilio (SMS and
    WhatsApp) aimed at Prism, Telegram at the emulator, the secrets in the environment."""
    engine = make_engine(empty_database_url)
    upgrade(engine)
    with transaction(make_session_factory(engine)) as session:
        session.add(Course(code="ART1", title="Art for wellbeing", location="Room 2"))
    # Prism answers every send with the same example sid; the proxy makes each one unique.
    twilio = CountingProxy(twilio_prism.base_url, delay=0)
    port = free_port()
    public_url = f"http://127.0.0.1:{port}"
    config = tmp_path / "voices.toml"
    config.write_text(
        f'[app]\npublic_url = "{public_url}"\nsend_window = "always"\nsecure_cookies = false\n'
        f'[database]\nurl = "{empty_database_url}"\n'
        f'[twilio]\nenabled = true\naccount_sid = "{ACCOUNT_SID}"\n'
        f'from_number = "{SMS_FROM}"\nwhatsapp_from = "{WHATSAPP_FROM}"\n'
        f'api_base_url = "{twilio.base_url}"\n'
        f'[telegram]\nenabled = true\napi_base_url = "{telegram_emulator.bot_api}"\n',
        encoding="utf-8",
    )
    env = {
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "VOICES_SECRET_KEY": "a-fixed-secret-key-for-staff-logins",
    }
    sessions = make_session_factory(reading_only(engine))
    try:
        yield Service(config, env, public_url, port, twilio, sessions)
    finally:
        twilio.stop()
        engine.dispose()


@contextmanager
def web_process(service: Service) -> Iterator[None]:
    """The app from the service's own factory, under the server `voices serve` runs."""
    app = create_app(service.settings())
    server = make_server("127.0.0.1", service.port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        thread.join(timeout=30)
        app.extensions["voices"]["engine"].dispose()


@contextmanager
def worker_loop(service: Service) -> Iterator[None]:
    """The worker's own jobs on its own APScheduler scheduler, as `voices worker` runs them.
    (Not through the command itself: that one waits for Ctrl+C and takes over SIGTERM.)"""
    settings = service.settings()
    engine = make_engine(settings.database.url)
    adapters = build_adapters(settings)
    scheduler = build_scheduler(Jobs.build(make_session_factory(engine), settings, adapters))
    thread = threading.Thread(target=scheduler.start, daemon=True)
    thread.start()
    try:
        yield
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=True)
        thread.join(timeout=30)
        for adapter in set(adapters.values()):
            getattr(adapter, "close", lambda: None)()
        engine.dispose()


class Browser:
    """A client on the standard library, which logs nothing of its own: every record caught
    is the service's (or its libraries')."""

    def __init__(self, base: str) -> None:
        self.base = base
        cookies = urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        self.opener = urllib.request.build_opener(cookies)

    def open(self, path: str, data: bytes | None = None, headers=None) -> tuple[int, str, str]:
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=30) as answer:
                return answer.status, answer.url, answer.read().decode()
        except urllib.error.HTTPError as refused:
            return refused.code, refused.url, refused.read().decode()

    def get(self, path: str) -> str:
        status, _, page = self.open(path)
        assert status == 200, f"GET {path} answered {status}"
        return page

    def post(self, path: str, fields: dict[str, str], headers=None) -> tuple[int, str, str]:
        data = urllib.parse.urlencode(fields).encode()
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        return self.open(path, data, {**form, **(headers or {})})

    def post_json(self, path: str, payload: dict, headers=None) -> int:
        data = json.dumps(payload).encode()
        return self.open(path, data, {"Content-Type": "application/json", **(headers or {})})[0]

    def upload(self, path: str, fields: dict[str, str], name: str, content: bytes):
        boundary = uuid.uuid4().hex
        body = b""
        for key, value in fields.items():
            body += (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
            ).encode()
        body += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="people.csv"\r\nContent-Type: text/csv\r\n\r\n'
        ).encode()
        body += content + f"\r\n--{boundary}--\r\n".encode()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        return self.open(path, body, headers)


def telegram_update(update_id: int, text: str) -> dict:
    person = {"id": CHAT_ID, "is_bot": False, "first_name": FIRST_NAME, "last_name": SURNAME}
    chat = {"id": CHAT_ID, "type": "private", "first_name": FIRST_NAME, "last_name": SURNAME}
    message = {"message_id": 1, "from": person, "chat": chat, "date": int(NOW.timestamp())}
    return {"update_id": update_id, "message": {**message, "text": text}}


def random_sid() -> str:
    # Not sms_form's own counter, whose sids the proxy's answers to our sends would repeat.
    return f"SM{uuid.uuid4().hex}"


def whatsapp_form(body: str) -> dict[str, str]:
    """What Twilio posts for an inbound WhatsApp message: it carries the profile name."""
    form = sms_form(body=body, sender=f"whatsapp:{NUMBER}", sid=random_sid())
    return {**form, "To": WHATSAPP_FROM, "ProfileName": NAME, "WaId": NUMBER[1:]}


def wait_until(what: str, done, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.1)


# The flows ---------------------------------------------------------------------------------------


def run_the_main_flows(service: Service) -> None:
    added = service.cli("staff", "add", STAFF_EMAIL, input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output

    with web_process(service):
        staff = Browser(service.public_url)
        pseudonym = staff_import_find_and_reveal(staff, service)
        providers_post_webhooks(service)

        # A session reminder falls due, and everything queued goes out.
        book_both_people_on_a_session_an_hour_from_now(service)
        worker = service.cli("worker", "--once")
        assert worker.exit_code == 0, worker.output

        # A member of staff writes to the person; the running worker sends it.
        page = staff.get(f"/admin/participants/{pseudonym}")
        fields = {"text": STAFF_TEXT, "csrf_token": csrf_from(page)}
        status, _, page = staff.post(f"/admin/participants/{pseudonym}/send", fields)
        queued = "Message queued" in page
        assert status == 200 and queued, "the one-off message was not queued"
        with worker_loop(service):
            wait_until("the one-off message to be sent", lambda: nothing_left_to_send(service))


def staff_import_find_and_reveal(staff: Browser, service: Service) -> str:
    """Log in, import the person from a CSV file, find them by name, open their page and
    reveal their number. Returns their pseudonym."""
    login = staff.get("/admin/login")
    fields = {"email": STAFF_EMAIL, "password": PASSWORD, "csrf_token": csrf_from(login)}
    status, landed, _ = staff.post("/admin/login", fields)
    assert status == 200 and not landed.endswith("/admin/login"), "the login failed"

    people = (
        "channel,address,name,course\n"
        f"sms,07911 246813,{NAME},ART1\n"
        f"telegram,{CHAT_ID},{NAME},ART1\n"
    ).encode()
    page = staff.get("/admin/import")
    fields = {"kind": "participants", "csrf_token": csrf_from(page)}
    status, _, page = staff.upload("/admin/import", fields, "file", people)
    # (Checks on pages are made into plain yes-or-no first: pytest's report of a failed
    # `assert value in page` would print both.)
    imported = "Participants: 2 created" in page
    assert status == 200 and imported, "the import failed"

    found = staff.get("/admin/participants?" + urllib.parse.urlencode({"q": NAME}))
    with service.sessions() as db:
        by_sms = db.scalars(select(Address).where(Address.value == NUMBER)).one()
        pseudonym = db.get(Participant, by_sms.participant_id).pseudonym
        address_id = by_sms.id
    listed = pseudonym in found
    assert listed, "the search by name did not find the person"
    page = staff.get(f"/admin/participants/{pseudonym}")
    named = NAME in page
    assert named, "the participant's page does not show the name"
    fields = {"address_id": str(address_id), "csrf_token": csrf_from(page)}
    status, _, page = staff.post(f"/admin/participants/{pseudonym}/reveal", fields)
    revealed = "+44 7911 246813" in page
    assert status == 200 and revealed, "the number was not revealed"
    return pseudonym


def providers_post_webhooks(service: Service) -> None:
    """Signed SMS and WhatsApp from Twilio, a Telegram update with the secret token, and a
    forged one of each."""
    twilio = Browser(service.public_url)
    path = "/webhooks/twilio/messages"
    for form in (sms_form(body=BODY, sender=NUMBER, sid=random_sid()), whatsapp_form(BODY)):
        signature = sign(service.public_url + path, form, TWILIO_TOKEN)
        status, _, _ = twilio.post(path, form, {"X-Twilio-Signature": signature})
        assert status == 200
    # A message suggesting risk: signposting, an urgent flag, an audit record, a paused survey.
    form = sms_form(body=f"{BODY} i want to end it all", sender=NUMBER, sid=random_sid())
    signature = sign(service.public_url + path, form, TWILIO_TOKEN)
    assert twilio.post(path, form, {"X-Twilio-Signature": signature})[0] == 200
    form = sms_form(body=BODY, sender=NUMBER, sid=random_sid())
    forged = sign(service.public_url + path, form, "a-guessed-token")
    assert twilio.post(path, form, {"X-Twilio-Signature": forged})[0] == 403

    telegram = Browser(service.public_url)
    secret = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    assert telegram.post_json("/webhooks/telegram", telegram_update(1, BODY), secret) == 200
    wrong = {"X-Telegram-Bot-Api-Secret-Token": "not-" + WEBHOOK_SECRET}
    assert telegram.post_json("/webhooks/telegram", telegram_update(2, BODY), wrong) == 403


def book_both_people_on_a_session_an_hour_from_now(service: Service) -> None:
    """Both imported people, booked and willing: the two-hours-before reminder is due now."""
    settings = service.settings()
    engine = make_engine(settings.database.url)
    try:
        with transaction(make_session_factory(engine)) as session:
            course = session.scalars(select(Course)).one()
            starts = NOW + timedelta(hours=1)
            meeting = CourseSession(
                course=course, starts_at=starts, ends_at=starts + timedelta(hours=2)
            )
            session.add(meeting)
            session.flush()
            booked = select(Address).where(Address.value.in_((NUMBER, str(CHAT_ID))))
            for address in session.scalars(booked):
                create_consent(session, address.participant_id)
                session.add(Enrolment(session_id=meeting.id, participant_id=address.participant_id))
            schedule_session(session, meeting, settings)
    finally:
        engine.dispose()


def outbound(service: Service) -> list[tuple[Channel, MessageStatus, str | None]]:
    with service.sessions() as db:
        rows = db.execute(
            select(Message.channel, Message.status, Message.send_key).where(
                Message.direction == Direction.OUTBOUND
            )
        )
        return [tuple(row) for row in rows]


def nothing_left_to_send(service: Service) -> bool:
    return all(status is MessageStatus.SENT for _, status, _ in outbound(service))


def test_a_run_of_the_main_flows_logs_no_number_body_name_or_token(
    service, every_record, telegram_emulator
):
    with time_machine.travel(NOW, tick=True), every_record.alone():
        run_the_main_flows(service)

        # The flows did run: every message went out through a real adapter, on every channel,
        # a reminder among them.
        sent = outbound(service)
        assert all(status is MessageStatus.SENT for _, status, _ in sent), sent
        assert {channel for channel, _, _ in sent} == {
            Channel.SMS,
            Channel.WHATSAPP,
            Channel.TELEGRAM,
        }
        assert any((key or "").startswith("reminder:") for _, _, key in sent), sent
        with service.sessions() as db:
            flagged = db.scalars(select(Flag.kind)).all()
        assert FlagKind.SAFEGUARDING in flagged, "the risk message raised no flag"
        assert service.twilio.refused == 0
        seen = telegram_emulator.post("/getUpdates", {"token": BOT_TOKEN, "chatId": CHAT_ID})
        assert seen["result"], "the Telegram emulator received nothing"

    # And the logs were caught: the service's, and those of the libraries under it.
    caught = every_record.loggers()
    assert {"bot.inbox", "webhooks.twilio", "webhooks.telegram", "scheduler.worker"} <= caught
    assert {"werkzeug", "twilio.http_client", "urllib3.connectionpool"} <= caught
    assert any(name.startswith("apscheduler") for name in caught)

    assert_no_leaks(every_record.seen)


def test_the_scan_finds_a_private_value_however_it_was_logged(every_record):
    throwaway = logging.getLogger("tests.throwaway")
    with every_record.alone():
        throwaway.debug("sending to %s", NUMBER)
        throwaway.info("GET /admin/participants?%s", urllib.parse.urlencode({"q": NAME}))
        throwaway.warning("fine", extra={"chat": CHAT_ID})
        try:
            raise ValueError(BODY)
        except ValueError:
            throwaway.exception("it went wrong")
        throwaway.error("nothing private here")

    leaks = leaks_in(every_record.seen)

    assert {(leak.label, leak.logger) for leak in leaks} >= {
        ("the phone number (E.164)", "tests.throwaway"),
        ("the participant's name", "tests.throwaway"),
        ("the Telegram chat id", "tests.throwaway"),
        ("the message body", "tests.throwaway"),
    }
    with pytest.raises(AssertionError) as failed:
        assert_no_leaks(every_record.seen)
    report = str(failed.value)
    assert "the message body: logger 'tests.throwaway' at ERROR" in report
    for value in (NUMBER, NAME, BODY, str(CHAT_ID)):
        assert value not in report
