"""Exports for analysis: every message, and every survey answer, as rows of strings.

Participants appear by pseudonym only, never by phone number or chat id. Rows are streamed in
batches (yield_per), so an export of years of messages never sits in memory at once.

Texts are exported verbatim, byte for byte, even when they start with =, +, - or @ and a
spreadsheet would read them as a formula. Prefixing a quote to defuse that would change what
people wrote, and these files are meant for analysis tools that read values, not formulas:
verbatim wins. Open them in a spreadsheet with its import dialog, as text.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Answer, Message, Participant, Survey, SurveyRun

MESSAGE_COLUMNS = ("time", "direction", "channel", "participant", "status", "body")
RESPONSE_COLUMNS = (
    "participant",
    "survey",
    "question",
    "raw_text",
    "parsed_value",
    "channel",
    "time",
)
BATCH_SIZE = 500


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z, the form spreadsheets and pandas both read without help."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def message_rows(session: Session, batch_size: int = BATCH_SIZE) -> Iterator[list[str]]:
    """One row per message, oldest first, in MESSAGE_COLUMNS order."""
    statement = (
        select(
            Message.created_at,
            Message.direction,
            Message.channel,
            Participant.pseudonym,
            Message.status,
            Message.body,
        )
        .outerjoin(Participant, Participant.id == Message.participant_id)
        .order_by(Message.created_at, Message.id)
        .execution_options(yield_per=batch_size)
    )
    for created_at, direction, channel, pseudonym, status, body in session.execute(statement):
        yield [
            iso_utc(created_at),
            direction.value,
            channel.value,
            pseudonym or "",
            status.value,
            body,
        ]


def response_rows(session: Session, batch_size: int = BATCH_SIZE) -> Iterator[list[str]]:
    """One row per survey answer, oldest first, in RESPONSE_COLUMNS order."""
    statement = (
        select(
            Participant.pseudonym,
            Survey.key,
            SurveyRun.id,
            Answer.question_key,
            Answer.raw_text,
            Answer.parsed_value,
            Message.channel,
            Answer.answered_at,
        )
        .join(Participant, Participant.id == Answer.participant_id)
        .join(SurveyRun, SurveyRun.id == Answer.run_id)
        # A group question has no survey file: it is named by its run, "ask-12".
        .outerjoin(Survey, Survey.id == SurveyRun.survey_id)
        .outerjoin(Message, Message.id == Answer.message_id)
        .order_by(Answer.answered_at, Answer.id)
        .execution_options(yield_per=batch_size)
    )
    for pseudonym, survey, run_id, question, raw, parsed, channel, answered_at in session.execute(
        statement
    ):
        yield [
            pseudonym,
            survey or f"ask-{run_id}",
            question,
            raw or "",
            parsed or "",
            channel.value if channel else "",
            iso_utc(answered_at),
        ]
