"""The three CSV imports, each as one description: the command line (`voices import …`) and
the admin page's upload both read and apply a file through these, so they cannot drift."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from bot.importing import attendance, participants, sessions
from bot.importing.rows import Checked, Columns, CsvRow, ImportReport
from bot.settings import AppSettings, Settings

Tick = Callable[[], None]


@dataclass(frozen=True)
class ImportKind:
    # The name in the audit log ("import.<name>") and on the page's form.
    name: str
    # What the rows are, for people: "attendance marks".
    noun: str
    columns: Columns
    check: Callable[[Session, list[CsvRow], AppSettings], Checked[Any]]
    apply: Callable[[Session, Checked[Any], Settings, Tick | None], ImportReport]


PARTICIPANTS = ImportKind(
    "participants",
    "participants",
    participants.COLUMNS,
    participants.check_participants,
    lambda db, checked, settings, tick: participants.apply_participants(
        db, checked, settings.app, on_row=tick
    ),
)
SESSIONS = ImportKind(
    "sessions",
    "sessions",
    sessions.COLUMNS,
    sessions.check_sessions,
    lambda db, checked, settings, tick: sessions.apply_sessions(db, checked, settings, on_row=tick),
)
ATTENDANCE = ImportKind(
    "attendance",
    "attendance marks",
    attendance.COLUMNS,
    attendance.check_attendance,
    lambda db, checked, settings, tick: attendance.apply_attendance(
        db, checked, settings, on_row=tick
    ),
)
KINDS = {kind.name: kind for kind in (SESSIONS, PARTICIPANTS, ATTENDANCE)}
