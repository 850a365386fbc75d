"""Importing participants from a CSV file.

A participant is known by (channel, normalised address): importing the same file again updates
names and preferences instead of making a second person. An empty optional cell leaves what is
stored alone, so a file without a name column never wipes names.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import consent
from bot.addresses import AddressError, normalise_address, parse_channel
from bot.enrolment import join_course
from bot.importing.rows import (
    BadRow,
    Checked,
    Columns,
    CsvRow,
    ImportReport,
    Outcome,
    Problems,
    RowError,
    apply_each,
)
from bot.models import Address, Channel, Course, Participant, utcnow
from bot.outbox import queue
from bot.pseudonyms import new_pseudonym
from bot.settings import AppSettings

COLUMNS = Columns(
    required=("channel", "address"), optional=("name", "language", "easy_read", "course")
)
IMPORTABLE_CHANNELS = (Channel.SMS, Channel.WHATSAPP, Channel.TELEGRAM)
NAME_MAX = 120  # Participant.display_name
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_YES = {"yes", "true", "1"}
_NO = {"no", "false", "0"}


@dataclass(frozen=True)
class ParticipantRow:
    line: int
    channel: Channel
    address: str  # normalised: E.164 for phones, the chat id for Telegram
    name: str | None
    language: str | None  # None: keep what is stored, or the default for someone new
    easy_read: bool | None
    course_id: int | None


def check_participants(
    session: Session, rows: list[CsvRow], app: AppSettings
) -> Checked[ParticipantRow]:
    """Parse every row, collecting each bad one. Reads courses; writes nothing."""
    checked: Checked[ParticipantRow] = Checked()
    first_line: dict[tuple[Channel, str], int] = {}
    courses = _course_ids(session)
    for row in rows:
        try:
            # The key is taken before the full parse: a repeat of a bad row is still a repeat.
            key = _key(row, app)
            if key in first_line:
                raise BadRow(f"the same {key[0].value} address as line {first_line[key]}")
            if key is not None:
                first_line[key] = row.line
            checked.rows.append(_parse(row, app, courses))
        except BadRow as exc:
            checked.errors.append(RowError(row.line, str(exc)))
    return checked


def _key(row: CsvRow, app: AppSettings) -> tuple[Channel, str] | None:
    try:
        channel = _channel(row.values["channel"])
        return channel, normalise_address(channel, row.values["address"], app.phone_region)
    except (BadRow, AddressError):
        return None


def _course_ids(session: Session) -> dict[str, int]:
    return {code.upper(): ident for ident, code in session.execute(select(Course.id, Course.code))}


def _parse(row: CsvRow, app: AppSettings, courses: dict[str, int]) -> ParticipantRow:
    if row.problem:
        raise BadRow(row.problem)
    values = row.values
    problems = Problems()
    channel = problems.check(_channel, values["channel"])
    address = problems.check(_address, channel, values["address"], app.phone_region)
    name = problems.check(_name, values.get("name", ""))
    language = problems.check(_language, values.get("language", ""))
    easy_read = problems.check(_yes_no, values.get("easy_read", ""))
    course_id = problems.check(_course, values.get("course", ""), courses)
    problems.raise_any()
    assert channel is not None and address is not None  # both raise when they cannot parse
    return ParticipantRow(row.line, channel, address, name, language, easy_read, course_id)


def _channel(text: str) -> Channel:
    allowed = ", ".join(c.value for c in IMPORTABLE_CHANNELS)
    if not text:
        raise BadRow(f"the channel is empty (use one of: {allowed})")
    try:
        channel = parse_channel(text)
    except AddressError:
        channel = None
    if channel not in IMPORTABLE_CHANNELS:
        raise BadRow(f"the channel must be one of: {allowed}")
    return channel


def _address(channel: Channel | None, text: str, region: str) -> str | None:
    if not text:
        raise BadRow("the address is empty")
    if channel is None:
        return None  # the channel's own problem is already reported
    try:
        return normalise_address(channel, text, region)
    except AddressError as exc:
        # AddressError messages never repeat the number, so they are safe to show.
        raise BadRow(f"address: {exc}") from None


def _name(text: str) -> str | None:
    if len(text) > NAME_MAX:
        raise BadRow(f"the name is longer than {NAME_MAX} characters")
    return text or None


def _language(text: str) -> str | None:
    if text and not _LANGUAGE.match(text.lower()):
        raise BadRow("the language must be a two- or three-letter code, like en or cy")
    return text.lower() or None


def _yes_no(text: str) -> bool | None:
    if not text:
        return None
    if text.lower() in _YES:
        return True
    if text.lower() in _NO:
        return False
    raise BadRow("easy_read must be yes or no (or true/false, 1/0)")


def _course(text: str, courses: dict[str, int]) -> int | None:
    if not text:
        return None
    if text.upper() not in courses:
        raise BadRow("there is no course with the code in the course column")
    return courses[text.upper()]


def apply_participants(
    session: Session,
    checked: Checked[ParticipantRow],
    app: AppSettings,
    *,
    on_row: Callable[[], None] | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """Create or update each good row, then audit the counts. Bad rows count as skipped."""
    now = now or utcnow()
    return apply_each(
        session, checked, lambda row: _apply(session, row, app, now), "participants", on_row
    )


def _apply(session: Session, row: ParticipantRow, app: AppSettings, now: datetime) -> Outcome:
    address = session.scalar(
        select(Address).where(Address.channel == row.channel, Address.value == row.address)
    )
    if address is None:
        participant = _create(session, row, app)
        outcome = Outcome.CREATED
    else:
        participant = address.participant
        outcome = Outcome.UPDATED if _update(participant, row) else Outcome.UNCHANGED
    if row.course_id is not None and join_course(session, participant.id, row.course_id, now):
        outcome = outcome if outcome is Outcome.CREATED else Outcome.UPDATED
    return outcome


def _create(session: Session, row: ParticipantRow, app: AppSettings) -> Participant:
    participant = Participant(
        pseudonym=new_pseudonym(session),
        display_name=row.name,
        language=row.language or app.default_language,
        easy_read=bool(row.easy_read),
    )
    address = Address(participant=participant, channel=row.channel, value=row.address)
    session.add_all([participant, address])
    session.flush()
    # Staff added them, so the consent question comes before any reminder or survey.
    for index, reply in enumerate(consent.invite(session, participant, app.service_name)):
        queue(session, address, reply, send_key=f"invite:{participant.id}:{index}")
    return participant


def _update(participant: Participant, row: ParticipantRow) -> bool:
    wanted = {"display_name": row.name, "language": row.language, "easy_read": row.easy_read}
    changed = False
    for attribute, value in wanted.items():
        if value is not None and getattr(participant, attribute) != value:
            setattr(participant, attribute, value)
            changed = True
    return changed
