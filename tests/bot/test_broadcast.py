"""Queueing a broadcast: one row per reachable person, on their best address, never twice."""

from __future__ import annotations

from sqlalchemy import select

from bot.models import AddressStatus, Channel, Message, MessageStatus, ParticipantStatus
from bot.sending.broadcast import queue_broadcast
from tests.factories import create_address, create_participant


def test_a_broadcast_reaches_each_reachable_person_once_on_their_free_channel_first(session):
    both = create_participant(session)
    create_address(session, both, channel=Channel.SMS)
    telegram = create_address(session, both, channel=Channel.TELEGRAM, value="777")
    sms_only = create_participant(session)
    sms = create_address(session, sms_only, channel=Channel.SMS)
    stopped = create_participant(session, status=ParticipantStatus.STOPPED)
    create_address(session, stopped)
    blocked = create_participant(session)
    create_address(
        session, blocked, channel=Channel.TELEGRAM, value="888", status=AddressStatus.STOPPED
    )
    nowhere = create_participant(session)
    everyone = [both.id, sms_only.id, stopped.id, blocked.id, nowhere.id]

    queued = queue_broadcast(
        session, everyone, "Art is moving to Room 2.", kind="broadcast", key="b1"
    )
    again = queue_broadcast(
        session, everyone, "Art is moving to Room 2.", kind="broadcast", key="b1"
    )
    session.commit()

    rows = session.execute(
        select(Message.address_id, Message.status, Message.body).order_by(Message.id)
    ).all()
    assert (queued, again) == (2, 0)
    assert rows == [
        (telegram.id, MessageStatus.QUEUED, "Art is moving to Room 2."),
        (sms.id, MessageStatus.QUEUED, "Art is moving to Room 2."),
    ]
