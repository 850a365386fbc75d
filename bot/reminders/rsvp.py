"""Reading the answer to a reminder's "are you coming?", and what each answer sets off.

    reminder queued ──▶ pending RSVP {"enrolment_id": n}
    "1" / "yes" / 👍        coming: thanks                                  ──▶ (none)
    "2" / "cant come sorry" can't come: counted as told-us (excused), ask why once ──▶ RSVP_REASON
    "3" / "need a lift"     need help: a call-back flag for staff            ──▶ (none)
    anything else           one kind re-prompt with the choices; a second miss goes to staff

The raw text is always kept: it is the stored inbound message, and the reason is copied
verbatim. An answer that comes after the session started, or for a booking that was cancelled
or removed, is not read as an RSVP: the state is dropped and the other rules take the message.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.conversation import EARLIER, PASS, Next, Pass, handles
from bot.flags import raise_flag
from bot.models import (
    Attendance,
    ConversationState,
    CourseSession,
    Enrolment,
    FlagKind,
    Message,
    MessageStatus,
    ParticipantStatus,
    PendingQuestion,
    Rsvp,
    SessionStatus,
    utcnow,
)
from bot.reminders.audience import insert_rows
from bot.reminders.wording import rsvp_question, rsvp_tag
from bot.rsvp_words import read_rsvp
from bot.sending.broadcast import CHUNK

if TYPE_CHECKING:
    from bot.models import ConversationState as State
    from bot.reminders.audience import Target
    from bot.turn import Turn

# A reason is only read as a reason for this long after we asked for it.
REASON_WAIT = timedelta(days=1)
# Questions a reminder may take the place of: an older RSVP, the surveys consent question, and
# any survey or sharing question. Only people who said yes to reminders get one, so that
# question was answered; left open, the surveys question would read their "yes" to "are you
# coming?" as yes to surveys and lose the RSVP. A reminder is about a session that is soon, so
# it comes first; a survey question it replaces is asked again later (bot.surveys.stepping).
REPLACEABLE = (
    PendingQuestion.RSVP,
    PendingQuestion.RSVP_REASON,
    PendingQuestion.CONSENT_SURVEYS,
    PendingQuestion.SURVEY,
    PendingQuestion.ASK,
    PendingQuestion.CONSENT_QUOTING,
    PendingQuestion.CONSENT_FEEDBACK,
    # Its flag stays open for staff, so "are you coming?" may take its place.
    PendingQuestion.ERASURE_CONFIRM,
)


def expect_answers(session: Session, targets: Iterable[Target]) -> None:
    """After queuing reminders: make "are you coming?" each person's pending question."""
    latest = {target.participant_id: target.enrolment_id for target in targets}
    if not latest:
        return
    now = utcnow()
    ids = sorted(latest)
    existing: dict[int, PendingQuestion] = {}
    earlier: dict[int, dict] = {}
    for start in range(0, len(ids), CHUNK):
        for participant_id, question, context in session.execute(
            select(
                ConversationState.participant_id,
                ConversationState.pending,
                ConversationState.context,
            ).where(ConversationState.participant_id.in_(ids[start : start + CHUNK]))
        ):
            existing[participant_id] = question
            if question in (PendingQuestion.SURVEY, PendingQuestion.ASK):
                # Kept, so that a reply sent before the reminder reaches them still answers it.
                earlier[participant_id] = {"pending": question.value, "context": context}
    # An older RSVP question is replaced: deleted and asked afresh, in two statements.
    replaced = [pid for pid, pending in existing.items() if pending in REPLACEABLE]
    for start in range(0, len(replaced), CHUNK):
        session.execute(
            delete(ConversationState).where(
                ConversationState.participant_id.in_(replaced[start : start + CHUNK])
            )
        )
    insert_rows(
        session,
        ConversationState,
        [
            {
                "participant_id": participant_id,
                "pending": PendingQuestion.RSVP,
                "context": {
                    "enrolment_id": latest[participant_id],
                    "tag": rsvp_tag(latest[participant_id]),
                    **({"before": earlier[participant_id]} if participant_id in earlier else {}),
                },
                "misses": 0,
                "asked_at": now,
            }
            for participant_id in ids
            if participant_id not in existing or participant_id in replaced
        ],
    )


@handles(PendingQuestion.RSVP)
def answer_rsvp(turn: Turn, state: State) -> Next | Pass | None:
    enrolment = _open_booking(turn, state)
    if enrolment is None:
        return PASS
    before = state.context.get("before")
    if before is not None and turn.tag is None and not _reminder_seen(turn.session, enrolment.id):
        # The reminder has not reached them yet (held for quiet hours, or still on its way):
        # the reply is for the question they last saw, which the reminder took the place of.
        outcome = EARLIER[PendingQuestion(before["pending"])](turn, before["context"])
        if not isinstance(outcome, Pass):
            rest = {key: value for key, value in state.context.items() if key != "before"}
            return Next(PendingQuestion.RSVP, rest, misses=state.misses)
    choice = read_rsvp(turn.text)
    if choice is None:
        if state.misses == 0:
            turn.replies.append(
                rsvp_question(
                    turn.participant.language, turn.address.channel, state.context.get("tag")
                )
            )
            return Next(PendingQuestion.RSVP, state.context, misses=1)
        turn.say("rsvp.gave_up")
        return None
    enrolment.rsvp, enrolment.rsvp_at = choice, utcnow()
    if choice is Rsvp.COMING:
        if enrolment.attendance is Attendance.EXCUSED:
            # They said they couldn't come and now can: not excused any more.
            enrolment.attendance = Attendance.UNKNOWN
        turn.say("rsvp.coming")
        return None
    if choice is Rsvp.CANT_COME:
        # Telling us in advance is a cancellation, not a missed session; staff can change it.
        if enrolment.attendance is Attendance.UNKNOWN:
            enrolment.attendance = Attendance.EXCUSED
        turn.say("rsvp.cant_come")
        return Next(PendingQuestion.RSVP_REASON, state.context)
    raise_flag(
        turn.session,
        FlagKind.CALLBACK,
        participant_id=turn.participant.id,
        message_id=turn.message_id,
        enrolment_id=enrolment.id,
    )
    turn.say("rsvp.need_help")
    return None


@handles(PendingQuestion.RSVP_REASON)
def answer_reason(turn: Turn, state: State) -> Next | Pass | None:
    enrolment = _open_booking(turn, state)
    if enrolment is None or utcnow() - state.asked_at > REASON_WAIT:
        return PASS
    # Their own words, exactly as sent.
    enrolment.rsvp_reason = turn.text
    turn.say("rsvp.reason_saved")
    return None


def _reminder_seen(session: Session, enrolment_id: int) -> bool:
    """Whether the newest reminder about this booking has gone to the provider."""
    status = session.scalar(
        select(Message.status)
        .where(Message.enrolment_id == enrolment_id, Message.kind == "reminder")
        .order_by(Message.id.desc())
        .limit(1)
    )
    return status not in (MessageStatus.QUEUED, MessageStatus.HELD, MessageStatus.SENDING)


def _open_booking(turn: Turn, state: ConversationState) -> Enrolment | None:
    """The booking the question was about, if an answer can still change anything."""
    if turn.participant.status is not ParticipantStatus.ACTIVE:
        # Paused or stopped: the reminder was held, not sent, so this is not an answer to it.
        return None
    enrolment_id = state.context.get("enrolment_id")
    if enrolment_id is None:
        return None
    enrolment = turn.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.removed_at is not None:
        return None
    course_session = turn.session.get(CourseSession, enrolment.session_id)
    if course_session.status is not SessionStatus.SCHEDULED or course_session.starts_at <= utcnow():
        return None
    return enrolment
