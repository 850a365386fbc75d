"""Settings an admin may change while the service runs, on the admin page's Settings tab.

Precedence, lowest first: built-in defaults, config.toml, a change made on the admin page,
and the environment. The environment stays on top because whoever runs the service set it on
purpose: the page shows such a setting, says where it is set, and does not offer to change it.

Only settings that staff tune in day-to-day running are here: the hours messages go in, the
reminder plan, surveys after sessions, who hears about safeguarding flags, how long words are
kept, and the cost estimates. Anything that needs a restart or a server (the database, the
providers, the public address, the mail server) stays in config.toml.

Each process holds a `LiveSettings` and reads the changes again at most every few seconds,
so the web workers and the worker all follow a change within that time without a restart."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime
from datetime import time as clock
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.models import SettingChange
from bot.settings import SCHEMA, ConfigError, Settings, check_together
from bot.time_windows import TimeWindow

log = logging.getLogger(__name__)

REREAD_SECONDS = 5.0


@dataclass(frozen=True)
class Editable:
    section: str
    key: str
    label: str
    hint: str
    # "text", "yes/no" or "short" (a number or a clock time), for the form.
    kind: str = "short"

    @property
    def name(self) -> str:
        return f"{self.section}.{self.key}"

    @property
    def env_name(self) -> str:
        return f"VOICES_{self.section.upper()}_{self.key.upper()}"


# Grouped as the page shows them: (heading, settings).
EDITABLE: tuple[tuple[str, tuple[Editable, ...]], ...] = (
    (
        "Sending",
        (
            Editable(
                "app",
                "send_window",
                "Hours messages may go",
                'Local time, like 09:00-20:00, or "always". Reminders and surveys wait for '
                "these hours. Safety messages and answers to people never wait.",
            ),
            Editable(
                "sending",
                "whatsapp_fallback_to_sms",
                "Send by text message when WhatsApp cannot",
                "After 24 hours without a message from someone, WhatsApp only takes approved "
                "templates. Yes sends by text message instead, if they have a number for it.",
                "yes/no",
            ),
            Editable(
                "sending",
                "sms_pence_per_segment",
                "Cost of one SMS segment, in pence",
                "Only for the cost estimates staff see before sending.",
            ),
            Editable(
                "sending",
                "whatsapp_pence_per_message",
                "Cost of one WhatsApp message, in pence",
                "Only for the cost estimates staff see before sending.",
            ),
        ),
    ),
    (
        "What people are told",
        (
            Editable(
                "app",
                "service_name",
                "Name of the service",
                "Used in messages and at the top of these pages.",
                "text",
            ),
            Editable(
                "app",
                "help_contact",
                "How to reach a person",
                'The reply to HELP ends with this. For example: "call 01632 960 000 on weekdays".',
                "text",
            ),
        ),
    ),
    (
        "Reminders",
        (
            Editable(
                "reminders",
                "day_before_at",
                "Day-before reminder time",
                'Local time, like 10:00, or "off". For courses without their own plan.',
            ),
            Editable(
                "reminders",
                "hours_before",
                "On-the-day reminder, hours before the start",
                "From 0 to 24. 0 switches it off. For courses without their own plan.",
            ),
            Editable(
                "reminders",
                "missed_follow_up",
                "Follow up a missed session",
                'Yes sends a kind "we missed you" message and makes a task to phone them.',
                "yes/no",
            ),
        ),
    ),
    (
        "Surveys",
        (
            Editable(
                "surveys",
                "after_session",
                "Survey after each session",
                'A survey id from messages/surveys, like post-session, or "off".',
            ),
            Editable(
                "surveys",
                "after_session_hours",
                "Hours after the end of a session to send it",
                "From 0 to 72.",
            ),
            Editable(
                "surveys",
                "expire_after_days",
                "Days before a survey closes",
                "From 1 to 60.",
            ),
            Editable(
                "surveys",
                "nudge_after_days",
                "Days before one kind reminder to finish",
                "From 1 to 59.",
            ),
        ),
    ),
    (
        "Safeguarding",
        (
            Editable(
                "safeguarding",
                "alert_emails",
                "Who is emailed about an urgent flag",
                "Email addresses, separated by commas. Needs a mail server in config.toml.",
                "text",
            ),
        ),
    ),
    (
        "Privacy",
        (
            Editable(
                "privacy",
                "keep_words_days",
                "Days to keep what people wrote",
                "From 30 to 3650. After this, words become a marker; counts stay. "
                "See docs/privacy.md before you change it.",
            ),
            Editable(
                "privacy",
                "stopped_contact_days",
                "Days to keep the number of someone who opted out",
                "From 1 to 3650.",
            ),
        ),
    ),
)
BY_NAME = {item.name: item for _, items in EDITABLE for item in items}
# Stored changes already reported as no longer passing their check: (name, value).
_WARNED: set[tuple[str, str]] = set()


class ChangeError(ValueError):
    """A change that cannot be made; the words are for the admin."""


def as_text(value: Any) -> str:
    """A setting's value as an admin would type it."""
    if value is None:
        return "off"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, clock):
        return value.strftime("%H:%M")
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple):
        return ", ".join(value)
    if isinstance(value, TimeWindow):
        return str(value)
    return str(value)


def value_of(settings: Settings, item: Editable) -> Any:
    return getattr(getattr(settings, item.section), item.key)


def in_environment(base: Settings, item: Editable) -> bool:
    return base.origins.get(item.name) == "environment"


def applied(base: Settings, changes: dict[str, str]) -> Settings:
    """`base` with the admin's changes on top, each checked as config.toml's would be. A change
    that no longer passes (a survey file removed since, say) is left out and logged."""
    result = base
    for name, text in sorted(changes.items()):
        item = BY_NAME.get(name)
        if item is None or in_environment(base, item):
            continue
        try:
            candidate = _with(result, item, text)
            check_together(candidate)
        except (ValueError, ConfigError):
            if (name, text) not in _WARNED:  # once, not at every re-read in every process
                _WARNED.add((name, text))
                log.warning(
                    "the admin page's change to %s no longer passes its check; not used", name
                )
            continue
        result = candidate
    return result


def _with(settings: Settings, item: Editable, text: str) -> Settings:
    checker, _ = SCHEMA[item.section][item.key]
    section = replace(getattr(settings, item.section), **{item.key: checker(text)})
    return replace(settings, **{item.section: section})


def read_changes(session: Session) -> dict[str, SettingChange]:
    return {f"{row.section}.{row.key}": row for row in session.scalars(select(SettingChange))}


def change(
    session: Session, base: Settings, name: str, text: str, *, staff_id: int, now: datetime
) -> tuple[str, str] | None:
    """Set one setting from the admin page. Returns (before, after) as text, or None when the
    value is what is in force already. A bad value is a ChangeError saying how to fix it."""
    item = BY_NAME.get(name)
    if item is None:
        raise ChangeError("this setting cannot be changed here")
    if in_environment(base, item):
        raise ChangeError(
            f"this is set by the environment variable {item.env_name}; change it there"
        )
    rows = read_changes(session)
    current = applied(base, {key: row.value for key, row in rows.items()})
    text = " ".join(text.split()) if item.kind != "text" else text.strip()
    try:
        candidate = _with(current, item, text)
        check_together(candidate)
    except ValueError as exc:
        _, example = SCHEMA[item.section][item.key]
        raise ChangeError(f"{exc}. For example: {_value_part(example)}") from None
    except ConfigError as exc:
        if exc.key == f"[{item.section}] {item.key}":
            raise ChangeError(f"{exc.problem}. For example: {_value_part(exc.example)}") from None
        # Another setting must change first, and it lives in the config file.
        raise ChangeError(f"{exc.problem}. First set, in {base.source}: {exc.example}") from None
    before, after = as_text(value_of(current, item)), as_text(value_of(candidate, item))
    row = rows.get(name)
    # A stored change that no longer passes is not in force; saving the field replaces it.
    stale = row is not None and applied(base, {name: row.value}) == base
    if before == after and not stale:
        return None
    if after == as_text(value_of(base, item)):
        # Back to the file's value: the file is in charge of it again.
        if row is not None:
            session.delete(row)
        return before, after
    if row is None:
        row = SettingChange(section=item.section, key=item.key)
        session.add(row)
    row.value, row.changed_by_id, row.changed_at = text, staff_id, now
    return before, after


def _value_part(example: str) -> str:
    """'day_before_at = "10:00"  (or "off")' as an admin types it here: '"10:00" (or "off")'."""
    return " ".join(example.split(" = ", 1)[-1].split())


class LiveSettings:
    """A process's settings: the file's and the environment's, with the admin's changes read
    again at most every `every` seconds. A database that cannot be read keeps the last ones."""

    def __init__(
        self, base: Settings, sessions: sessionmaker[Session], every: float = REREAD_SECONDS
    ):
        self.base, self.sessions, self.every = base, sessions, every
        self._current = base
        self._read_at: float | None = None
        self._lock = threading.Lock()

    def current(self) -> Settings:
        read_at = self._read_at
        if read_at is not None and time.monotonic() - read_at < self.every:
            return self._current
        # One thread reads; the others carry on with what is there (all wait the first time).
        if self._lock.acquire(blocking=read_at is None):
            try:
                if self._read_at is read_at:  # nobody read while this thread waited
                    self._read()
            finally:
                self._lock.release()
        return self._current

    def refresh(self) -> Settings:
        """Read the changes now: after a save, so this process serves it at once. Under the
        lock, so a slower read that began before the save cannot put the old value back."""
        with self._lock:
            self._read()
        return self._current

    def _read(self) -> None:
        try:
            with self.sessions() as session:
                changes = {key: row.value for key, row in read_changes(session).items()}
        except SQLAlchemyError as exc:
            log.warning(
                "could not read the admin page's settings (%s); using the last ones",
                type(exc).__name__,
            )
        else:
            self._current = applied(self.base, changes)
        self._read_at = time.monotonic()
