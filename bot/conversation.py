"""The pending-question state table: which question a participant owes us an answer to, and
which handler reads their answer. Handlers return the next state, None when done, or PASS when
the question has gone stale and the message is for the other rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.models import ConversationState, PendingQuestion, utcnow

if TYPE_CHECKING:
    from bot.turn import Turn


@dataclass(frozen=True)
class Next:
    """The state after a handler: ask `question` next (or again, counting a miss)."""

    question: PendingQuestion
    context: dict[str, Any] = field(default_factory=dict)
    misses: int = 0


class Pass:
    """A handler's way of saying "this message is not an answer any more" (the question went
    stale): the state is dropped and the engine's later rules take the message."""


PASS = Pass()

Handler = Callable[["Turn", ConversationState], "Next | Pass | None"]
HANDLERS: dict[PendingQuestion, Handler] = {}
# Readers for a question a reminder took the place of, for a reply sent before the reminder
# reached the person: (turn, that question's context) -> PASS if it is no answer to it. They
# keep the answer but ask nothing more, as the reminder's question is the one open now.
Earlier = Callable[["Turn", dict[str, Any]], "Next | Pass | None"]
EARLIER: dict[PendingQuestion, Earlier] = {}


def handles(question: PendingQuestion) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        HANDLERS[question] = handler
        return handler

    return register


def pending(session: Session, participant_id: int) -> ConversationState | None:
    # Locked (on PostgreSQL) for the rest of the turn: the worker replacing it at the same
    # moment (a reminder's question) waits, rather than deleting the row under the turn.
    return session.scalar(
        select(ConversationState)
        .where(ConversationState.participant_id == participant_id)
        .with_for_update()
    )


def set_pending(session: Session, participant_id: int, nxt: Next) -> ConversationState:
    state = pending(session, participant_id)
    if state is None:
        state = ConversationState(participant_id=participant_id)
        session.add(state)
    new_question = state.pending is not nxt.question or state.context != nxt.context
    state.pending, state.context, state.misses = nxt.question, dict(nxt.context), nxt.misses
    if new_question:
        state.asked_at = utcnow()
    return state


def clear(session: Session, participant_id: int) -> None:
    session.execute(
        delete(ConversationState).where(ConversationState.participant_id == participant_id)
    )


def answer_pending(turn: Turn) -> bool:
    """Give the participant's message to the handler of their pending question, if any."""
    state = pending(turn.session, turn.participant.id)
    if turn.tag is not None and (state is None or state.context.get("tag") != turn.tag):
        # A button under an older message: its question is not the one open now (or none is),
        # so the press answers nothing. Kept as a message; they are pointed to the newest.
        turn.say("general.old_button")
        return True
    if state is None or state.pending not in HANDLERS:
        return False
    nxt = HANDLERS[state.pending](turn, state)
    if isinstance(nxt, Pass):
        turn.session.delete(state)
        return False
    if nxt is None:
        turn.session.delete(state)
    else:
        set_pending(turn.session, turn.participant.id, nxt)
    return True
