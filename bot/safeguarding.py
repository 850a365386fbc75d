"""Safeguarding: the first rule every message meets, whatever else is going on.

A message with a risk phrase (bot.risk_phrases) is answered at once with signposting (999, NHS
111 option 2, Samaritans, SHOUT, and that nobody watches this number all the time). The reply
is urgent, so quiet hours never hold it, and it goes even to someone who has opted out or
paused: they wrote to us. An urgent flag sits at the top of the dashboard until a member of
staff records what they did; staff are alerted by email or duty-line webhook if set up; the
match is audited; and any survey they are in is paused. The message is never read as an
answer to anything.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import audit, conversation, keywords, risk_phrases, staff_alerts
from bot.events import Reply
from bot.flags import raise_flag
from bot.models import (
    FlagKind,
    InviteStatus,
    PendingQuestion,
    SurveyInvite,
)
from bot.outbox import SAFETY_KIND, cancel_pending
from bot.participants import hold_for_stop_request
from bot.turn import Turn

log = logging.getLogger(__name__)

ALERT_AGAIN_AFTER = timedelta(minutes=30)


def check(turn: Turn) -> bool:
    """Handle the message as a safeguarding concern if it has a risk phrase."""
    if turn.tag is not None:
        return False  # a pressed button carries our own words, not theirs
    found = risk_phrases.find(turn.text)
    if found is None:
        return False
    respond(turn, found)
    return True


def respond(turn: Turn, found: risk_phrases.Match) -> None:
    session, person = turn.session, turn.participant
    turn.replies.append(Reply(turn.words("safeguarding.signposting"), kind=SAFETY_KIND))
    flag = raise_flag(
        session,
        FlagKind.SAFEGUARDING,
        participant_id=person.id,
        message_id=turn.message_id,
        urgent=True,
    )
    session.flush()  # the flag's id, for the audit record and the alert
    audit.record(
        session,
        "safeguarding.match",
        target=flag,
        # Which listed phrase matched (our words, not theirs) and which stored message.
        detail={"message_id": turn.message_id, "phrase": found.phrase},
    )
    # A new flag: staff hear now. A message joining an open flag alerts again only if the
    # last alert was a while ago: nobody may have looked, and this may be a new crisis.
    new = flag.message_id == turn.message_id
    staff_alerts.queue_for(
        session, turn.settings, flag, unless_within=None if new else ALERT_AGAIN_AFTER
    )
    pause_surveys(session, person.id)
    if keywords.is_clear_stop_request(turn.text):
        # "Leave me alone, I want to die": the signposting still goes, and the request to stop
        # is honoured as it would be on its own (bot.engine.stop_in_words), with no more words.
        hold_for_stop_request(session, person, turn.message_id)
    log.warning("safeguarding: flag %s raised for message %s", flag.id, turn.message_id)


def pause_surveys(session: Session, participant_id: int) -> int:
    """Stop asking survey questions until staff say so. Returns how many surveys were paused."""
    state = conversation.pending(session, participant_id)
    if state is not None and state.pending in (PendingQuestion.SURVEY, PendingQuestion.ASK):
        # Their next message must not be read as the answer to a question left hanging.
        session.delete(state)
    # A question still waiting to go (held for WhatsApp's window, say, which their message has
    # just opened) must not follow the signposting. It is asked again when the survey resumes.
    cancel_pending(session, participant_id, only_kind="survey")
    result = session.execute(
        update(SurveyInvite)
        .where(
            SurveyInvite.participant_id == participant_id,
            SurveyInvite.status.in_((InviteStatus.WAITING, InviteStatus.ASKING)),
        )
        .values(status=InviteStatus.PAUSED)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def resume_surveys(session: Session, participant_id: int) -> int:
    """Staff have looked after them: paused surveys carry on from the question they were on."""
    paused = session.scalars(
        select(SurveyInvite).where(
            SurveyInvite.participant_id == participant_id,
            SurveyInvite.status == InviteStatus.PAUSED,
        )
    ).all()
    for invite in paused:
        # One already under way is asked its current question again (bot.surveys.stepping's
        # "ask again" pass); one never started begins at the start.
        under_way = invite.question_key is not None and invite.times_asked > 0
        invite.status = InviteStatus.ASKING if under_way else InviteStatus.WAITING
    return len(paused)
