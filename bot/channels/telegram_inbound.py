"""Applying a Telegram event, whether it came by webhook or by polling."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.channels.telegram_parse import TelegramEvent
from bot.inbox import Receipt, receive
from bot.models import AddressStatus, Channel
from bot.participants import find_address
from bot.settings import Settings

# The updates we act on; asking Telegram for only these keeps the webhook quiet.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]


def apply_event(session: Session, event: TelegramEvent, settings: Settings) -> Receipt | None:
    if event.blocked_chat_id is not None:
        # They blocked the bot: Telegram will refuse every send, so stop trying.
        address = find_address(session, Channel.TELEGRAM, event.blocked_chat_id)
        if address is not None:
            address.status = AddressStatus.STOPPED
    if event.message is None:
        return None
    return receive(session, event.message, settings)
