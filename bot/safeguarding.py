"""The safeguarding hook. It runs before any survey, RSVP or consent logic, for every message.

This is the hook point only. Matching risk phrases, the signposting reply, the urgent flag and
staff alerts arrive with the capability "Safeguarding and privacy" (issue 8). Until then it
reports no match, and says so here rather than pretending to check."""

from __future__ import annotations

from bot.turn import Turn


def check(turn: Turn) -> bool:
    """Return True if the message was handled as a safeguarding concern (none yet: issue 8)."""
    del turn
    return False
