"""The conversation engine: the rules every inbound message is tried against, in order.

1. safeguarding, before anything else: a risk phrase is answered at once, in any state
2. opt-out keyword       6. JOIN codes
3. opt-in keyword        7. a stop request in words
4. HELP                  8. the pending question (consent, RSVP, survey, ask the group, erasure)
5. "delete my data"      9. first contact: how to join, or the consent question
                        10. anything else: kept for staff, a kind acknowledgement once a day

Each rule returns True when it has dealt with the message. Rules say what to reply by adding to
`turn.replies`; they never send anything themselves."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from bot import consent, conversation, erasure_request, keywords, safeguarding
from bot.enrolment import join_course
from bot.events import Reply
from bot.flags import raise_flag
from bot.models import (
    Course,
    CourseMembership,
    Direction,
    FlagKind,
    Message,
    ParticipantStatus,
    PendingQuestion,
    utcnow,
)
from bot.outbox import cancel_pending
from bot.participants import hold_for_stop_request, set_status
from bot.reminders import rsvp as _rsvp_handlers  # noqa: F401  registers the RSVP handlers
from bot.reminders.firing import catch_up
from bot.surveys.answering import expects_own_words  # also registers the survey handlers
from bot.turn import Turn

ACK_EVERY = timedelta(hours=24)


def opt_out(turn: Turn) -> bool:
    if not keywords.is_opt_out(turn.text):
        return False
    already = turn.participant.status is ParticipantStatus.STOPPED
    set_status(turn.participant, ParticipantStatus.STOPPED)
    cancel_pending(turn.session, turn.participant.id)
    conversation.clear(turn.session, turn.participant.id)
    if not already:
        turn.replies.append(
            Reply(turn.words("keywords.stopped"), kind="stop_confirmation", after_stop=True)
        )
    return True


def opt_in(turn: Turn) -> bool:
    text = turn.text
    status = turn.participant.status
    asleep = status in (ParticipantStatus.STOPPED, ParticipantStatus.PAUSED)
    # YES is only an opt-in when it is not the answer to a question we asked.
    said_yes = (
        turn.tag is None  # a button under an old question is not a typed YES
        and keywords.yes_or_no(text) is True
        and conversation.pending(turn.session, turn.participant.id) is None
        and (asleep or not turn.has_consent_answer())
    )
    if not (keywords.is_opt_in(text) or said_yes):
        return False
    set_status(turn.participant, ParticipantStatus.ACTIVE)
    if turn.has_consent_answer():
        turn.say("keywords.restarted")
    else:
        turn.replies.append(consent.start(turn.session, turn.participant))
    return True


def help_(turn: Turn) -> bool:
    if not keywords.is_help(turn.text):
        return False
    app = turn.settings.app
    turn.say("keywords.help", service=app.service_name, contact=app.help_contact)
    return True


def join(turn: Turn) -> bool:
    code = keywords.join_code(turn.text)
    if code is None:
        return False
    course = turn.session.scalar(select(Course).where(Course.code == code))
    if course is None:
        turn.say("join.unknown_code", code=code)
        return True
    # Joining books them on the course's sessions still to come, as a staff import would.
    join_course(turn.session, turn.participant.id, course.id, utcnow())
    set_status(turn.participant, ParticipantStatus.ACTIVE)
    turn.say("join.joined", course=course.title)
    # Joining after a reminder fired (10:05 the day before) still gets it, if they agreed.
    catch_up(turn.session, turn.settings, turn.participant.id, utcnow())
    if not turn.has_consent_answer():
        turn.replies.append(consent.start(turn.session, turn.participant))
    return True


def stop_in_words(turn: Turn) -> bool:
    if not keywords.is_stop_request(turn.text):
        return False
    if not keywords.is_clear_stop_request(turn.text) and _answer_in_own_words_expected(turn):
        # "The bus stop is too far" answers the question: it is kept as the answer. Staff
        # still see the flag, in case it was a request after all.
        raise_flag(
            turn.session,
            FlagKind.STOP_REQUEST,
            participant_id=turn.participant.id,
            message_id=turn.message_id,
        )
        return False
    hold_for_stop_request(turn.session, turn.participant, turn.message_id)
    # Whatever we had asked (say, "are you coming?" on a reminder now held) is dropped, so
    # their next "yes" means "start again", not an answer to a question they never saw.
    conversation.clear(turn.session, turn.participant.id)
    turn.say("stop_request.paused")
    return True


def first_contact(turn: Turn) -> bool:
    if turn.has_consent_answer() or turn.participant.status is ParticipantStatus.STOPPED:
        return False
    if keywords.is_bare_start(turn.text) or not _is_member(turn):
        return _acknowledge(turn, "join.how_to_join")
    turn.replies.append(consent.start(turn.session, turn.participant))
    return True


def anything_else(turn: Turn) -> bool:
    # Kept verbatim and unread for staff whatever happens; the acknowledgement is optional.
    if turn.participant.status is not ParticipantStatus.STOPPED:
        _acknowledge(turn, "general.thanks")
    return True


RULES: list[Callable[[Turn], bool]] = [
    safeguarding.check,
    opt_out,
    opt_in,
    help_,
    erasure_request.ask,
    join,
    stop_in_words,
    conversation.answer_pending,
    first_contact,
    anything_else,
]


def run(turn: Turn) -> None:
    for rule in RULES:
        if rule(turn):
            return


def _answer_in_own_words_expected(turn: Turn) -> bool:
    state = conversation.pending(turn.session, turn.participant.id)
    if state is None:
        return False
    if state.pending in (PendingQuestion.ASK, PendingQuestion.RSVP_REASON):
        return True
    return state.pending is PendingQuestion.SURVEY and expects_own_words(turn.session, state)


def _is_member(turn: Turn) -> bool:
    found = turn.session.scalar(
        select(CourseMembership.id).where(CourseMembership.participant_id == turn.participant.id)
    )
    return found is not None


def _acknowledge(turn: Turn, key: str) -> bool:
    """Say `key` unless we acknowledged this person in the last day: one nudge, not a chatbot."""
    since = utcnow() - ACK_EVERY
    recent = turn.session.scalar(
        select(Message.id).where(
            Message.participant_id == turn.participant.id,
            Message.direction == Direction.OUTBOUND,
            Message.kind == "ack",
            Message.created_at >= since,
        )
    )
    if recent is None:
        turn.say(key, kind="ack")
    return True
