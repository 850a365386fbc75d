"""Keeping personal data only as long as it is needed: the worker's nightly job.

- The words of messages (both ways), free-text survey answers, reasons for missing a session and
  consent notes older than `[privacy] keep_words_days` become a marker. What they were about
  stays: who, when, which channel, the RSVP, the score chosen. So charts, rates and counts do
  not change. A message that an open flag points at is kept until staff close the flag.
- A participant who opted out more than `[privacy] stopped_contact_days` ago loses their phone
  numbers, chat ids and name. If they text START later, they start again as someone new.

Each run is idempotent: a marker is never replaced, and a removed address cannot go twice.
See docs/privacy.md for the defaults and how to choose them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from bot.erasure import ERASED, forget_chat_ids
from bot.models import (
    Address,
    Answer,
    Consent,
    CourseSession,
    Enrolment,
    Flag,
    FlagKind,
    FlagStatus,
    Message,
    Participant,
    ParticipantStatus,
)
from bot.outbox import NOT_YET_SENT
from bot.settings import Settings

# What words past the retention period read as.
EXPIRED = "[removed: older than the retention period]"
MARKERS = (EXPIRED, ERASED)


@dataclass(frozen=True)
class Report:
    messages: int
    answers: int
    reasons: int
    contacts: int

    def __str__(self) -> str:
        return (
            f"{self.messages} message texts, {self.answers} answers and {self.reasons} reasons "
            f"past their time; contact details of {self.contacts} people who stopped"
        )


def apply(session: Session, settings: Settings, now: datetime) -> Report:
    words_before = now - timedelta(days=settings.privacy.keep_words_days)
    contacts_before = now - timedelta(days=settings.privacy.stopped_contact_days)
    return Report(
        messages=_expire_messages(session, words_before),
        answers=_update(
            session,
            update(Answer).where(
                Answer.answered_at < words_before,
                Answer.raw_text.is_not(None),
                Answer.raw_text.not_in(MARKERS),
            ),
            raw_text=EXPIRED,
        ),
        reasons=_update(
            session,
            update(Enrolment).where(
                Enrolment.session_id.in_(
                    select(CourseSession.id).where(CourseSession.starts_at < words_before)
                ),
                Enrolment.rsvp_reason.is_not(None),
                Enrolment.rsvp_reason.not_in(MARKERS),
            ),
            rsvp_reason=EXPIRED,
        )
        + _update(
            session,
            update(Consent).where(
                Consent.recorded_at < words_before,
                Consent.note.is_not(None),
                Consent.note.not_in(MARKERS),
            ),
            note=EXPIRED,
        ),
        contacts=_forget_stopped(session, contacts_before),
    )


def _expire_messages(session: Session, before: datetime) -> int:
    flagged = select(Flag.message_id).where(
        Flag.status == FlagStatus.OPEN, Flag.message_id.is_not(None)
    )
    return _update(
        session,
        update(Message).where(
            Message.created_at < before,
            Message.body.not_in(MARKERS),
            Message.status.not_in(NOT_YET_SENT),
            Message.id.not_in(flagged),
        ),
        body=EXPIRED,
    )


def _forget_stopped(session: Session, before: datetime) -> int:
    people = list(
        session.scalars(
            select(Participant.id).where(
                Participant.status == ParticipantStatus.STOPPED,
                Participant.status_changed_at < before,
                # Someone staff are still looking after stays reachable until the flag closes.
                Participant.id.not_in(
                    select(Flag.participant_id).where(
                        Flag.kind == FlagKind.SAFEGUARDING,
                        Flag.status == FlagStatus.OPEN,
                        Flag.participant_id.is_not(None),
                    )
                ),
                or_(
                    Participant.display_name.is_not(None),
                    Participant.id.in_(select(Address.participant_id)),
                ),
            )
        )
    )
    if not people:
        return 0
    held = select(Address.id).where(Address.participant_id.in_(people))
    _update(session, update(Message).where(Message.address_id.in_(held)), address_id=None)
    forget_chat_ids(session, people)
    session.execute(delete(Address).where(Address.participant_id.in_(people)))
    _update(session, update(Participant).where(Participant.id.in_(people)), display_name=None)
    return len(people)


def _update(session: Session, statement, **values) -> int:
    result = session.execute(
        statement.values(**values).execution_options(synchronize_session=False)
    )
    return result.rowcount
