"""The Telegram adapter: one message out through python-telegram-bot's `Bot.send_message`,
or `Bot.send_photo` when the message carries an easy-read picture.

python-telegram-bot is asyncio-only and the worker is synchronous, so the adapter keeps one
private event loop and runs each call on it to completion. The Bot (and its HTTP connection
pool, which belongs to that loop) is made once, on the first send, and reused.

`send` returns "<chat id>:<message id>". Telegram numbers messages per chat, so the message id
alone is not unique across chats, and the messages table is unique on (channel, provider_id).
The pair is also exactly what Telegram needs to edit or delete the message later."""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from datetime import timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import MessageLimit
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import BaseRequest

from bot.sending.envelope import (
    Envelope,
    OutcomeUnknown,
    PermanentFailure,
    SendFailure,
    TransientFailure,
)
from bot.settings import TelegramSettings

log = logging.getLogger("bot.sending.telegram")
# Long digit runs in Telegram's own error text could be chat or user ids.
_DIGITS = re.compile(r"\d{5,}")
_MAX_REASON = 100


class TelegramAdapter:
    def __init__(self, settings: TelegramSettings, *, request: BaseRequest | None = None) -> None:
        if not settings.bot_token:
            raise ValueError("the Telegram bot token is not set (TELEGRAM_BOT_TOKEN)")
        self._settings = settings
        self._request = request
        self._loop: asyncio.AbstractEventLoop | None = None
        self._bot: Bot | None = None
        self._closed = False
        # APScheduler runs jobs on a thread pool, and one event loop cannot run twice at once.
        self._lock = threading.Lock()

    def send(self, envelope: Envelope) -> str:
        with self._lock:
            if self._closed:
                raise RuntimeError("the Telegram adapter is closed")
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
            try:
                return self._loop.run_until_complete(self._send(envelope))
            except TelegramError as exc:
                # `from None`: the library's own message may quote the request, so it is not
                # chained into tracebacks; the failure says all the dispatcher needs.
                raise _failure(exc, envelope, self._settings.bot_token or "") from None

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._loop is None:
                return
            try:
                if self._bot is not None:
                    self._loop.run_until_complete(self._bot.shutdown())
            finally:
                self._loop.close()

    async def _send(self, envelope: Envelope) -> str:
        if self._bot is None:
            self._bot = Bot(
                token=self._settings.bot_token or "",
                base_url=self._settings.api_base_url,
                request=self._request,
            )
        # A no-op once it has worked; after a failed start (getMe) the next send tries again.
        await self._bot.initialize()
        keyboard = _keyboard(envelope.choices)
        # No parse_mode anywhere: participants' words are sent as plain text, so a stray * or _
        # can never make Telegram refuse the message.
        if envelope.media_url:
            try:
                return await self._send_with_picture(envelope, keyboard)
            except BadRequest:
                # Telegram could not fetch or use the picture (say, public_url is wrong). The
                # picture helps; the words are the message, so they go alone. If the chat
                # itself is the problem, the words fail the same way and that is reported.
                log.warning("telegram: the picture was refused; sending the words alone")
        sent = await self._bot.send_message(
            chat_id=envelope.to, text=envelope.text, reply_markup=keyboard
        )
        return _provider_id(sent)

    async def _send_with_picture(
        self, envelope: Envelope, keyboard: InlineKeyboardMarkup | None
    ) -> str:
        if _fits_a_caption(envelope.text):
            sent = await self._bot.send_photo(
                chat_id=envelope.to,
                photo=envelope.media_url,
                caption=envelope.text,
                reply_markup=keyboard,
            )
            return _provider_id(sent)
        # Too long for a caption: the picture alone, then the words with the buttons as usual.
        # If the words then fail in a way worth retrying, the retry sends the picture again: a
        # second picture is a smaller harm than words that never arrive.
        await self._bot.send_photo(chat_id=envelope.to, photo=envelope.media_url)
        sent = await self._bot.send_message(
            chat_id=envelope.to, text=envelope.text, reply_markup=keyboard
        )
        return _provider_id(sent)


def _provider_id(sent: Message) -> str:
    return f"{sent.chat.id}:{sent.message_id}"


def _fits_a_caption(text: str) -> bool:
    # Telegram limits captions to 1024 characters. Counted in UTF-16 code units, never fewer
    # than characters however Telegram counts them, so an emoji-rich text cannot be refused.
    return len(text.encode("utf-16-le")) // 2 <= MessageLimit.CAPTION_LENGTH


def _keyboard(choices: tuple[tuple[str, str], ...]) -> InlineKeyboardMarkup | None:
    if not choices:
        return None
    # One button a row: labels in easy-read language can be long, and a column is easy to scan.
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=value)] for label, value in choices]
    )


# What each Telegram error means for the message. The order matters: in python-telegram-bot,
# BadRequest and TimedOut are both subclasses of NetworkError.
#
#   Forbidden    403  blocked by the person, or account gone  Permanent, stop the address
#   RetryAfter   429  flood control                            Transient, wait as told
#   BadRequest   400  chat not found, text too long, …        Permanent, with Telegram's reason
#   TimedOut          no answer in time                       OutcomeUnknown: it may have gone,
#                                                               so never resent (at most once)
#   TimedOut (pool)   no free connection: it never left us    Transient
#   NetworkError      could not connect (httpx.ConnectError)  Transient
#   NetworkError      anything else (502, dropped answer)     OutcomeUnknown: it may have gone
#   other             e.g. InvalidToken, ChatMigrated         Transient (fixing config fixes it)
def _failure(exc: TelegramError, envelope: Envelope, token: str) -> SendFailure:
    if isinstance(exc, Forbidden):
        return PermanentFailure(
            "the person blocked the bot or closed their Telegram account",
            code="403",
            stop_address=True,
        )
    if isinstance(exc, RetryAfter):
        seconds = _retry_after_seconds(exc)
        return TransientFailure(
            f"Telegram asked us to wait {seconds:g} s", code="429", retry_after=seconds
        )
    if isinstance(exc, BadRequest):
        reason = _safe_description(exc, envelope, token)
        return PermanentFailure(f"Telegram refused the message: {reason}", code="400")
    if isinstance(exc, TimedOut):
        if "pool timeout" in str(exc).lower():
            return TransientFailure("no free connection to Telegram")
        return OutcomeUnknown("Telegram did not answer in time; the message may have gone")
    if isinstance(exc, NetworkError):
        # python-telegram-bot names the httpx error first. Only a failed connect proves the
        # request never left; a 502 or a connection dropped mid-answer may have delivered it.
        if str(exc).startswith("httpx.ConnectError"):
            return TransientFailure("could not reach Telegram")
        return OutcomeUnknown("Telegram's answer was lost; the message may have gone")
    return TransientFailure(f"Telegram error ({type(exc).__name__})")


def _retry_after_seconds(exc: RetryAfter) -> float:
    # python-telegram-bot 22 gives an int unless PTB_TIMEDELTA is set, then a timedelta. (The
    # int comes with a PTBDeprecationWarning, which the library has already raised while making
    # the exception, so hiding it here would change nothing.)
    value = exc.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


def _safe_description(exc: BadRequest, envelope: Envelope, token: str) -> str:
    """Telegram's reason, short, with nothing that identifies the person or the bot."""
    # python-telegram-bot has already cut "Bad Request: " and capitalised the rest (which
    # lower-cases it), so the look-up ignores case.
    text = exc.message
    for secret in (token, envelope.text, envelope.to):
        if secret:
            text = re.sub(re.escape(secret), "…", text, flags=re.IGNORECASE)
    text = _DIGITS.sub("…", text)
    if len(text) > _MAX_REASON:
        text = text[: _MAX_REASON - 1] + "…"
    return text or "no reason given"
