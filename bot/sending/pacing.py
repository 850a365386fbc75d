"""Spacing sends out so a big broadcast trickles at the providers' published rates.

One clock per channel (messages a second across everyone) and, for Telegram, one per chat.
`wait()` sleeps until both allow the next send; it never drops anything."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.models import Channel
from bot.settings import SendingSettings


class Pacer:
    def __init__(
        self,
        sending: SendingSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._gap = {
            Channel.SMS: 1 / sending.sms_per_second,
            Channel.WHATSAPP: 1 / sending.whatsapp_per_second,
            Channel.TELEGRAM: 1 / sending.telegram_per_second,
        }
        self._per_chat_gap = {Channel.TELEGRAM: 1 / sending.telegram_per_chat_per_second}
        self._clock, self._sleep = clock, sleep
        self._next_channel: dict[Channel, float] = {}
        self._next_chat: dict[tuple[Channel, str], float] = {}

    def wait(self, channel: Channel, to: str) -> None:
        now = self._clock()
        ready = max(self._next_channel.get(channel, now), self._next_chat.get((channel, to), now))
        if ready > now:
            self._sleep(ready - now)
            now = ready
        # Slots are booked from when the send really starts, so a quiet spell earns no burst.
        if channel in self._gap:
            self._next_channel[channel] = now + self._gap[channel]
        if channel in self._per_chat_gap:
            self._next_chat[(channel, to)] = now + self._per_chat_gap[channel]
            self._forget_old_chats(now)

    def _forget_old_chats(self, now: float) -> None:
        # Only chats sent to in the last few seconds matter; keep memory flat in a long broadcast.
        if len(self._next_chat) > 10_000:
            self._next_chat = {key: t for key, t in self._next_chat.items() if t > now}
