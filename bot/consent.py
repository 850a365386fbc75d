"""Asking for consent, one easy-read question at a time, and recording each answer with the
wording version the person saw. Until someone says yes, we only reply to their own messages."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import copy
from bot.conversation import Next, handles, set_pending
from bot.events import Reply
from bot.keywords import yes_or_no
from bot.models import (
    Consent,
    ConsentPurpose,
    ConversationState,
    Direction,
    Message,
    Participant,
    PendingQuestion,
    utcnow,
)
from bot.outbox import cancel_pending
from bot.reminders.firing import catch_up

if TYPE_CHECKING:  # consent is imported by turn, so only type checkers may import turn here
    from bot.turn import Turn


def yes_no_choices(language: str) -> tuple[tuple[str, str], ...]:
    return (
        (copy.text("consent.yes_label", language), "yes"),
        (copy.text("consent.no_label", language), "no"),
    )


def has_answered(session: Session, participant_id: int) -> bool:
    found = session.scalar(select(Consent.id).where(Consent.participant_id == participant_id))
    return found is not None


def current(session: Session, participant_id: int, purpose: ConsentPurpose) -> bool:
    """Whether the newest answer for this purpose is yes. No answer means no."""
    granted = session.scalar(
        select(Consent.granted)
        .where(Consent.participant_id == participant_id, Consent.purpose == purpose)
        .order_by(Consent.recorded_at.desc(), Consent.id.desc())
        .limit(1)
    )
    return bool(granted)


def start(session: Session, participant: Participant) -> Reply:
    """Make the first consent question pending and return it, ready to queue."""
    set_pending(session, participant.id, Next(PendingQuestion.CONSENT_REMINDERS))
    return Reply(
        copy.text("consent.ask_reminders", participant.language),
        kind="consent",
        choices=yes_no_choices(participant.language),
    )


def invite(session: Session, participant: Participant, service: str) -> list[Reply]:
    """What someone added by staff hears first: who we are, then the first consent question.

    They never asked to hear from us, so nothing else may reach them before they answer."""
    hello = Reply(
        copy.text("consent.added_by_staff", participant.language, service=service),
        kind="consent",
    )
    return [hello, start(session, participant)]


# What a "no" to session messages withdraws. A notice that a session moved or was cancelled
# still goes: it is about a booking they made, not a reminder.
WITHDRAWN_ON_NO = ("reminder", "tutor", "broadcast")


def _record(turn: Turn, purpose: ConsentPurpose, granted: bool) -> None:
    version = copy.text("consent.version", turn.participant.language)
    turn.session.add(
        Consent(
            participant_id=turn.participant.id,
            purpose=purpose,
            granted=granted,
            wording_version=f"{turn.participant.language}:{version}",
            message_id=turn.message_id,
        )
    )
    turn.consent_answered = True
    if purpose is ConsentPurpose.REMINDERS and not granted:
        # "No" takes effect at once: what is still waiting about their sessions (a group
        # message held while they were paused, a reminder in quiet hours) is withdrawn.
        for kind in WITHDRAWN_ON_NO:
            cancel_pending(turn.session, turn.participant.id, only_kind=kind)


def _answer(
    turn: Turn, state: ConversationState, purpose: ConsentPurpose, then: Next | None
) -> Next | None:
    answer = yes_or_no(turn.text)
    choices = yes_no_choices(turn.participant.language)
    if answer is None:
        if state.misses == 0:
            turn.say("consent.reprompt", kind="consent", choices=choices)
            return Next(state.pending, state.context, misses=1)
        turn.say("consent.no_answer", kind="consent")
        _catch_up_afterwards(turn)
        return None
    _record(turn, purpose, answer)
    if then is None:
        _catch_up_afterwards(turn)
        turn.say("consent.all_set", kind="consent")
    else:
        turn.say("consent.ask_surveys", kind="consent", choices=choices)
    return then


def _catch_up_afterwards(turn: Turn) -> None:
    """When the consent questions are over: reminders that fired before they said yes to them,
    and are still worth sending, go now. Not sooner: "are you coming?" must not arrive while a
    consent question is still open, where their "yes" would be read as consent."""

    def catch_up_if_agreed() -> None:
        if current(turn.session, turn.participant.id, ConsentPurpose.REMINDERS):
            catch_up(turn.session, turn.settings, turn.participant.id, utcnow())

    turn.afterwards.append(catch_up_if_agreed)


@handles(PendingQuestion.CONSENT_REMINDERS)
def answer_reminders(turn: Turn, state: ConversationState) -> Next | None:
    return _answer(turn, state, ConsentPurpose.REMINDERS, Next(PendingQuestion.CONSENT_SURVEYS))


@handles(PendingQuestion.CONSENT_SURVEYS)
def answer_surveys(turn: Turn, state: ConversationState) -> Next | None:
    return _answer(turn, state, ConsentPurpose.SURVEYS, None)


# A sharing question left unanswered this long is dropped: no answer is a no, and it must not
# hold back the person's next survey.
SHARING_WAIT = timedelta(days=1)
SHARING_KIND = "sharing"  # the sharing questions' messages, so we know they were asked
SHARING = (
    (ConsentPurpose.QUOTING, PendingQuestion.CONSENT_QUOTING, "consent_more.ask_quoting"),
    (ConsentPurpose.FEEDBACK, PendingQuestion.CONSENT_FEEDBACK, "consent_more.ask_feedback"),
)


def ask_about_sharing(turn: Turn, *, chained: bool = False) -> Next | None:
    """After someone shares their views: ask the sharing questions they have never answered,
    one at a time. Returns the question now open, or None.

    Asked once: someone who let the questions pass is not asked again after every survey (no
    answer is a no). `chained` is for the second question, straight after the first."""
    answered = set(
        turn.session.scalars(
            select(Consent.purpose).where(
                Consent.participant_id == turn.participant.id,
                Consent.purpose.in_([purpose for purpose, _, _ in SHARING]),
            )
        )
    )
    if not chained and _asked_before(turn):
        return None
    for purpose, question, key in SHARING:
        if purpose not in answered:
            choices = yes_no_choices(turn.participant.language)
            turn.say(key, kind=SHARING_KIND, choices=choices)
            return Next(question)
    return None


def _asked_before(turn: Turn) -> bool:
    found = turn.session.scalar(
        select(Message.id)
        .where(
            Message.participant_id == turn.participant.id,
            Message.direction == Direction.OUTBOUND,
            Message.kind == SHARING_KIND,
        )
        .limit(1)
    )
    return found is not None


def _answer_sharing(turn: Turn, state: ConversationState, purpose: ConsentPurpose) -> Next | None:
    answer = yes_or_no(turn.text)
    if answer is None:
        if state.misses == 0:
            choices = yes_no_choices(turn.participant.language)
            turn.say("consent.reprompt", kind="consent", choices=choices)
            return Next(state.pending, state.context, misses=1)
        # No answer is a no, and the question is not asked again. What they wrote is kept
        # for staff.
        turn.say("general.thanks")
        return None
    _record(turn, purpose, answer)
    nxt = ask_about_sharing(turn, chained=True)
    if nxt is None:
        turn.say("consent_more.saved", kind="consent")
    return nxt


@handles(PendingQuestion.CONSENT_QUOTING)
def answer_quoting(turn: Turn, state: ConversationState) -> Next | None:
    return _answer_sharing(turn, state, ConsentPurpose.QUOTING)


@handles(PendingQuestion.CONSENT_FEEDBACK)
def answer_feedback(turn: Turn, state: ConversationState) -> Next | None:
    return _answer_sharing(turn, state, ConsentPurpose.FEEDBACK)
