"""Pseudonyms: how staff lists and exports name a participant without a phone number."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Participant

# No 0/O or 1/I: pseudonyms get read aloud in meetings and typed into searches.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_pseudonym(session: Session) -> str:
    """A fresh, unguessable label like "V-7KQ4M". Not derived from anything personal."""
    while True:
        candidate = "V-" + "".join(secrets.choice(_ALPHABET) for _ in range(5))
        taken = session.scalar(select(Participant.id).where(Participant.pseudonym == candidate))
        if taken is None:
            return candidate
