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

from bot.conversation import PASS, Next, Pass, handles
from bot.flags import raise_flag
from bot.models import (
    Attendance,
    ConversationState,
    CourseSession,
    Enrolment,
    FlagKind,
    ParticipantStatus,
    PendingQuestion,
    Rsvp,
    SessionStatus,
    utcnow,
)
from bot.reminders.audience import insert_rows
from bot.reminders.wording import rsvp_question
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
)


def expect_answers(session: Session, targets: Iterable[Target]) -> None:
    """After queuing reminders: make "are you coming?" each person's pending question."""
    latest = {target.participant_id: target.enrolment_id for target in targets}
    if not latest:
        return
    now = utcnow()
    ids = sorted(latest)
    existing: dict[int, PendingQuestion] = {}
    for start in range(0, len(ids), CHUNK):
        existing.update(
            session.execute(
                select(ConversationState.participant_id, ConversationState.pending).where(
                    ConversationState.participant_id.in_(ids[start : start + CHUNK])
                )
            ).all()
        )
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
                "context": {"enrolment_id": latest[participant_id]},
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
    choice = read_rsvp(turn.text)
    if choice is None:
        if state.misses == 0:
            turn.replies.append(rsvp_question(turn.participant.language, turn.address.channel))
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
