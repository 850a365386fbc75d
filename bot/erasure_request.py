"""A participant asking us to delete their data ("DELETE MY DATA").

We ask once, in easy read, whether they are sure, and raise a flag for staff at once. Yes: we
stop messaging them, and an admin erases them (bot.erasure), which the law gives a month for.
No: the flag is closed, and nothing changes. Anything else: one kind re-prompt, then the flag
stays open for staff to ask them. We never erase on a text alone: a phone can be borrowed.
"""

from __future__ import annotations

import re
from datetime import timedelta

from bot import audit, consent, keywords
from bot.conversation import PASS, Next, Pass, handles, set_pending
from bot.events import Reply
from bot.flags import raise_flag
from bot.keywords import yes_or_no
from bot.models import (
    ConversationState,
    FlagKind,
    FlagStatus,
    ParticipantStatus,
    PendingQuestion,
    utcnow,
)
from bot.outbox import cancel_pending
from bot.participants import hold_for_stop_request, set_status
from bot.turn import Turn

# Every message of this exchange goes even to someone who has opted out: leaving completely
# is often STOP first, then this (bot.sending.claiming lets the kind through).
KIND = "erasure"
SAID_NO = "They said no when we asked if they were sure."
# An answer this late is not to our question: a "yes" weeks on may be to anything.
STALE_AFTER = timedelta(days=1)

_REQUEST = re.compile(
    r"\b(delete|erase|remove|wipe|destroy)\s+(all\s+)?(of\s+)?my\s+(personal\s+)?"
    r"(data|details|info|information|records?|messages|number)\b"
    r"|\b(delete|erase|forget)\s+me\b"
    r"|\busu[nń]\s+(wszystkie\s+)?moje\s+(dane|wiadomo[sś]ci)\b",
    re.IGNORECASE,
)


def is_request(text: str) -> bool:
    return bool(_REQUEST.search(text))


def ask(turn: Turn) -> bool:
    """The engine rule: a request to delete their data gets the confirmation question."""
    if turn.tag is not None or not is_request(turn.text):
        return False
    flag = raise_flag(
        turn.session,
        FlagKind.ERASURE_REQUEST,
        participant_id=turn.participant.id,
        message_id=turn.message_id,
    )
    if keywords.is_clear_stop_request(turn.text):
        # "Stop texting me and delete my number": the stop cannot wait for the yes or no.
        hold_for_stop_request(turn.session, turn.participant, turn.message_id)
    turn.session.flush()
    audit.record(turn.session, "erasure.requested", target=flag)
    set_pending(turn.session, turn.participant.id, Next(PendingQuestion.ERASURE_CONFIRM))
    language = turn.participant.language
    turn.say("erasure.confirm", kind=KIND, choices=consent.yes_no_choices(language))
    return True


@handles(PendingQuestion.ERASURE_CONFIRM)
def _answer(turn: Turn, state: ConversationState) -> Next | Pass | None:
    if state.asked_at <= utcnow() - STALE_AFTER:
        return PASS  # the flag stays open: staff ask them
    answer = yes_or_no(turn.text)
    if answer is None:
        if state.misses == 0:
            turn.say("consent.reprompt", kind=KIND)
            return Next(state.pending, state.context, misses=1)
        # Left to staff: the flag is still open, and they can phone.
        turn.say("general.thanks", kind=KIND)
        return None
    flag = raise_flag(turn.session, FlagKind.ERASURE_REQUEST, participant_id=turn.participant.id)
    turn.session.flush()
    if answer:
        set_status(turn.participant, ParticipantStatus.STOPPED)
        cancel_pending(turn.session, turn.participant.id)
        turn.replies.append(Reply(turn.words("erasure.confirmed"), kind=KIND, after_stop=True))
        audit.record(turn.session, "erasure.confirmed", target=flag)
        return None
    flag.status, flag.resolved_at, flag.action_taken = FlagStatus.RESOLVED, utcnow(), SAID_NO
    turn.say("erasure.kept", kind=KIND)
    return None
