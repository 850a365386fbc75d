"""One turn of a conversation: the stored inbound message, who sent it, and what we will say."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from bot import consent, copy
from bot.events import Reply
from bot.models import Address, Participant
from bot.settings import Settings


@dataclass
class Turn:
    session: Session
    settings: Settings
    participant: Participant
    address: Address
    # The stored inbound message this turn answers, and its text exactly as received.
    message_id: int
    text: str
    replies: list[Reply] = field(default_factory=list)
    # The question a pressed button belonged to (bot.events.tagged); None for typed text.
    tag: str | None = None
    # Looked up at most once per turn: several rules ask.
    consent_answered: bool | None = None
    # Work to do once the engine has finished with the message and its pending question is
    # settled, before the replies are queued.
    afterwards: list[Callable[[], None]] = field(default_factory=list)

    def has_consent_answer(self) -> bool:
        if self.consent_answered is None:
            self.consent_answered = consent.has_answered(self.session, self.participant.id)
        return self.consent_answered

    def words(self, key: str, **fields: object) -> str:
        return copy.text(key, self.participant.language, **fields)

    def say(self, key: str, *, kind: str = "reply", choices=(), **fields: object) -> None:
        self.replies.append(Reply(self.words(key, **fields), kind=kind, choices=tuple(choices)))
