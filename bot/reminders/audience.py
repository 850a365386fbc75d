"""Who a session message can go to, and queueing one message to each of them in bulk.

A booking is reachable when it has not been removed, its participant is active (a stopped or
paused participant gets nothing), the newest answer to "may we send you reminders?" is yes,
and the participant has a working address. Queueing is one INSERT for the lot, and each row
carries a send key, so running it again after a crash adds nobody twice."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bot.events import Reply
from bot.models import (
    Channel,
    Consent,
    ConsentPurpose,
    Direction,
    Enrolment,
    Message,
    MessageStatus,
    Participant,
    ParticipantStatus,
    Rsvp,
)
from bot.sending.broadcast import CHUNK, best_addresses


@dataclass(frozen=True)
class Target:
    enrolment_id: int
    session_id: int
    participant_id: int
    language: str
    rsvp: Rsvp
    address_id: int
    channel: Channel


def reachable(session: Session, session_ids: Iterable[int]) -> list[Target]:
    """Every reachable booking on these sessions, in a stable order."""
    ids = sorted(set(session_ids))
    bookings = []
    for start in range(0, len(ids), CHUNK):
        bookings += session.execute(
            select(
                Enrolment.id,
                Enrolment.session_id,
                Enrolment.participant_id,
                Participant.language,
                Enrolment.rsvp,
            )
            .join(Participant, Participant.id == Enrolment.participant_id)
            .where(
                Enrolment.session_id.in_(ids[start : start + CHUNK]),
                Enrolment.removed_at.is_(None),
                Participant.status == ParticipantStatus.ACTIVE,
            )
        ).all()
    people = {row.participant_id for row in bookings}
    agreed = said_yes_to_reminders(session, people)
    addresses = best_addresses(session, agreed, (ParticipantStatus.ACTIVE,))
    return sorted(
        (
            Target(
                row.id,
                row.session_id,
                row.participant_id,
                row.language,
                row.rsvp,
                *addresses[row.participant_id],
            )
            for row in bookings
            if row.participant_id in addresses
        ),
        key=lambda target: target.enrolment_id,
    )


def said_yes_to_reminders(session: Session, participant_ids: Iterable[int]) -> set[int]:
    """Those whose newest answer about reminders is yes. No answer means no."""
    ids = sorted(set(participant_ids))
    newest: dict[int, bool] = {}
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(Consent.participant_id, Consent.granted)
            .where(
                Consent.participant_id.in_(ids[start : start + CHUNK]),
                Consent.purpose == ConsentPurpose.REMINDERS,
            )
            # Oldest first, so the last one seen for each person is their newest answer.
            .order_by(Consent.recorded_at, Consent.id)
        )
        for participant_id, granted in rows:
            newest[participant_id] = granted
    return {participant_id for participant_id, granted in newest.items() if granted}


def queue_each(
    session: Session,
    targets: Iterable[Target],
    say: Callable[[Target], Reply],
    *,
    key: Callable[[Target], str],
    now: datetime,
    not_after: Callable[[Target], datetime | None] = lambda target: None,
) -> list[Target]:
    """Queue one message to each target whose key is not used yet. Returns those queued."""
    targets = list(targets)
    taken = _keys_in_use(session, [target.enrolment_id for target in targets])
    rows, queued = [], []
    for target in targets:
        send_key = key(target)
        if send_key in taken:
            continue
        taken.add(send_key)
        reply = say(target)
        queued.append(target)
        rows.append(
            {
                "direction": Direction.OUTBOUND,
                "channel": target.channel,
                "participant_id": target.participant_id,
                "address_id": target.address_id,
                "enrolment_id": target.enrolment_id,
                "body": reply.text,
                "kind": reply.kind,
                "choices": [list(choice) for choice in reply.choices] or None,
                "status": MessageStatus.QUEUED,
                "send_key": send_key,
                "urgent": False,
                "attempts": 0,
                "next_attempt_at": now,
                "not_after": not_after(target),
                "created_at": now,
            }
        )
    if rows:
        session.execute(insert(Message), rows)
    return queued


def _keys_in_use(session: Session, enrolment_ids: list[int]) -> set[str]:
    ids = sorted(set(enrolment_ids))
    keys: set[str] = set()
    for start in range(0, len(ids), CHUNK):
        keys.update(
            session.scalars(
                select(Message.send_key).where(
                    Message.enrolment_id.in_(ids[start : start + CHUNK]),
                    Message.send_key.is_not(None),
                )
            )
        )
    return keys
