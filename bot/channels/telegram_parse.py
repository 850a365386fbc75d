"""Reading Telegram updates, with python-telegram-bot's own parser, into channel-neutral events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from typing import Any

from telegram import ChatMember, Update

from bot.events import InboundMessage, PayloadError, split_tag, storable_text
from bot.models import Channel, utcnow


@dataclass(frozen=True)
class TelegramEvent:
    update_id: int
    # Something the participant said or pressed, if the update carries one.
    message: InboundMessage | None = None
    # The chat whose person blocked the bot (my_chat_member with status "kicked").
    blocked_chat_id: str | None = None
    # A button press to acknowledge, so the person's app stops its spinner.
    callback_query_id: str | None = None


def parse_update(data: Any) -> TelegramEvent:
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise PayloadError("not a Telegram update")
    try:
        update = Update.de_json(data, bot=None)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PayloadError(f"not a Telegram update ({type(exc).__name__})") from None
    return _event(update)


def _event(update: Update) -> TelegramEvent:
    uid, provider_id = update.update_id, str(update.update_id)
    if update.callback_query is not None:
        query = update.callback_query
        chat_id = query.message.chat.id if query.message is not None else query.from_user.id
        # Kept: the value pressed. The tag is ours (which question), not the person's words.
        value, tag = split_tag(query.data or "")
        msg = InboundMessage(
            Channel.TELEGRAM,
            str(chat_id),
            provider_id,
            storable_text(value),
            utcnow(),
            button=True,
            tag=tag,
        )
        return TelegramEvent(uid, message=msg, callback_query_id=query.id)
    if update.my_chat_member is not None:
        member = update.my_chat_member
        if member.new_chat_member.status == ChatMember.BANNED:
            return TelegramEvent(uid, blocked_chat_id=str(member.chat.id))
        return TelegramEvent(uid)
    for edited, message in ((False, update.message), (True, update.edited_message)):
        if message is not None:
            text = message.text if message.text is not None else (message.caption or "")
            when = (message.edit_date if edited else message.date) or utcnow()
            msg = InboundMessage(
                Channel.TELEGRAM,
                str(message.chat.id),
                provider_id,
                storable_text(text),
                when.astimezone(UTC),
                edited=edited,
            )
            return TelegramEvent(uid, message=msg)
    return TelegramEvent(uid)
