"""Queueing one message to many people in one statement.

The audience is chosen by the caller (a course, a group, everyone who agreed to surveys);
this only drops people who cannot be sent to and picks each person's address. A broadcast
is queued all at once and sent paced by the worker, never in a burst."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import ColumnElement, Select, insert, select
from sqlalchemy.orm import Session

from bot.events import Reply
from bot.models import (
    Address,
    AddressStatus,
    Channel,
    Message,
    Participant,
    ParticipantStatus,
    utcnow,
)
from bot.outbox import queued_row

# Which address to use when a person has several: the free channels first.
PREFERENCE = {Channel.TELEGRAM: 0, Channel.SIMULATOR: 1, Channel.WHATSAPP: 2, Channel.SMS: 3}
CHUNK = 5000  # keeps each IN (...) list well inside every driver's parameter limit


Ids = Iterable[int] | Select


def in_ids(column: ColumnElement, ids: Ids) -> Iterator[ColumnElement[bool]]:
    """`column IN (...)` conditions covering `ids`: a list in chunks, or one subquery.

    A subquery keeps a thousand ids out of the SQL text: as bound parameters they cost more to
    send and parse (on PostgreSQL) than the lookup itself."""
    if isinstance(ids, Select):
        yield column.in_(ids)
        return
    listed = sorted(set(ids))
    for start in range(0, len(listed), CHUNK):
        yield column.in_(listed[start : start + CHUNK])


def best_addresses(
    session: Session, participant_ids: Ids, statuses: Iterable[ParticipantStatus]
) -> dict[int, tuple[int, Channel]]:
    """Each participant's best working address as (address id, channel), for those in `statuses`.

    People with no working address are left out: there is nothing to send to."""
    wanted = tuple(statuses)
    chosen: dict[int, tuple[int, Channel]] = {}
    for among in in_ids(Address.participant_id, participant_ids):
        rows = session.execute(
            select(Address.participant_id, Address.id, Address.channel)
            .join(Participant, Participant.id == Address.participant_id)
            .where(
                among,
                Address.status == AddressStatus.ACTIVE,
                Participant.status.in_(wanted),
            )
        )
        for participant_id, address_id, channel in rows:
            best = chosen.get(participant_id)
            if best is None or PREFERENCE[channel] < PREFERENCE[best[1]]:
                chosen[participant_id] = (address_id, channel)
    return chosen


def queue_broadcast(
    session: Session,
    participant_ids: Iterable[int],
    text: str,
    *,
    kind: str,
    key: str,
    not_after: datetime | None = None,
    broadcast_id: int | None = None,
) -> int:
    """Queue `text` once to each reachable participant. Returns how many were queued.

    `key` names the broadcast; with it, queueing the same broadcast again adds nobody twice
    (each row's send_key is unique). Copies not sent by `not_after` expire."""
    chosen = best_addresses(
        session, participant_ids, (ParticipantStatus.ACTIVE, ParticipantStatus.PAUSED)
    )
    # By the group message's own index when there is one: a LIKE cannot use the send_key
    # index on PostgreSQL, and would read every message ever sent.
    keys = select(Message.send_key).where(
        Message.broadcast_id == broadcast_id
        if broadcast_id is not None
        else Message.send_key.like(f"{kind}:{key}:%")
    )
    already = set(session.scalars(keys))
    now = utcnow()
    rows = [
        queued_row(
            participant_id=participant_id,
            address_id=address_id,
            channel=channel,
            reply=Reply(text, kind=kind),
            send_key=f"{kind}:{key}:{participant_id}",
            now=now,
            not_after=not_after,
            broadcast_id=broadcast_id,
        )
        for participant_id, (address_id, channel) in sorted(chosen.items())
        if f"{kind}:{key}:{participant_id}" not in already
    ]
    if rows:
        session.connection().execute(insert(Message.__table__), rows)
    return len(rows)
