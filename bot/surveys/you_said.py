""" "You said, we did": staff record what they changed and the answers or messages that led to
it, and each person whose words were among them is told, once, in easy read.

Nobody is told anyone else's words. The message carries only staff's paraphrase of what was
said, and a paraphrase that copies someone's answer word for word is refused. Only people who
said yes to hearing back are told; the others are counted, so staff know.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import copy
from bot.events import Reply
from bot.models import (
    Action,
    ActionSource,
    Answer,
    ConsentPurpose,
    Direction,
    Message,
    Participant,
    ParticipantStatus,
)
from bot.outbox import queued_row
from bot.reminders.audience import insert_rows, said_yes
from bot.sending.broadcast import best_addresses

# A run of this many words from someone's answer, inside the paraphrase, is their own words.
COPIED_WORDS = 4


class ActionError(ValueError):
    """An action that cannot be recorded or told; the message is for staff."""


@dataclass(frozen=True)
class Told:
    told: int
    # Contributors left out, and why: no "yes" to hearing back, or no way to reach them now.
    not_agreed: int
    unreachable: int


def record_action(
    session: Session,
    *,
    said: str,
    did: str,
    answer_ids: Iterable[int] = (),
    message_ids: Iterable[int] = (),
    now: datetime,
    staff_id: int | None = None,
) -> Action:
    said, did = _sentence(said, "said"), _sentence(did, "did")
    answer_ids, message_ids = sorted(set(answer_ids)), sorted(set(message_ids))
    if not answer_ids and not message_ids:
        raise ActionError("link the answers or messages that led to this, so we know whom to tell")
    answers = session.scalars(select(Answer).where(Answer.id.in_(answer_ids))).all()
    if missing := set(answer_ids) - {a.id for a in answers}:
        raise ActionError(f"there is no answer {', '.join(map(str, sorted(missing)))}")
    messages = session.scalars(
        select(Message).where(
            Message.id.in_(message_ids),
            Message.direction == Direction.INBOUND,
            Message.participant_id.is_not(None),
        )
    ).all()
    if missing := set(message_ids) - {m.id for m in messages}:
        raise ActionError(
            f"there is no message from a participant with id {', '.join(map(str, sorted(missing)))}"
        )
    for words in [a.raw_text for a in answers] + [m.body for m in messages]:
        if words and (_copies(said, words) or _copies(did, words)):
            raise ActionError(
                "what people said must be in your own words: it repeats an answer word for word, "
                "and everyone told would read it"
            )
    action = Action(said=said, did=did, created_by_id=staff_id, created_at=now)
    session.add(action)
    session.flush()
    session.add_all(
        [
            ActionSource(action_id=action.id, answer_id=a.id, participant_id=a.participant_id)
            for a in answers
        ]
        + [
            ActionSource(action_id=action.id, message_id=m.id, participant_id=m.participant_id)
            for m in messages
        ]
    )
    session.flush()
    return action


def tell(session: Session, action: Action, now: datetime) -> Told:
    """Queue the message to each contributor who agreed to hear back. Done once per action."""
    if action.told_at is not None:
        raise ActionError(f"action {action.id} was already told on {action.told_at:%Y-%m-%d}")
    contributors = sorted(
        set(
            session.scalars(
                select(ActionSource.participant_id).where(ActionSource.action_id == action.id)
            )
        )
    )
    agreed = said_yes(session, contributors, ConsentPurpose.FEEDBACK)
    addresses = best_addresses(session, sorted(agreed), (ParticipantStatus.ACTIVE,))
    languages = dict(
        session.execute(
            select(Participant.id, Participant.language).where(Participant.id.in_(contributors))
        ).all()
    )
    rows = []
    for participant_id in sorted(addresses):
        address_id, channel = addresses[participant_id]
        text = copy.text(
            "you_said.told", languages[participant_id], said=action.said, did=action.did
        )
        rows.append(
            queued_row(
                participant_id=participant_id,
                address_id=address_id,
                channel=channel,
                reply=Reply(text, kind="you_said_we_did"),
                # One message per person per action, however often this is run.
                send_key=f"you-said:{action.id}:{participant_id}",
                now=now,
            )
        )
    insert_rows(session, Message, rows)
    action.told_at = now
    return Told(len(rows), len(contributors) - len(agreed), len(agreed) - len(addresses))


def _sentence(text: str, name: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise ActionError(f"say what was {name}")
    # The message reads "You said: … We did this: …": each part must end as a sentence.
    return text if text[-1] in ".!?" else text + "."


def _copies(paraphrase: str, original: str) -> bool:
    said = _words(paraphrase)
    theirs = _words(original)
    if len(theirs) < COPIED_WORDS:
        return " ".join(theirs) == " ".join(said) and bool(theirs)
    runs = {tuple(theirs[i : i + COPIED_WORDS]) for i in range(len(theirs) - COPIED_WORDS + 1)}
    return any(
        tuple(said[i : i + COPIED_WORDS]) in runs for i in range(len(said) - COPIED_WORDS + 1)
    )


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())
