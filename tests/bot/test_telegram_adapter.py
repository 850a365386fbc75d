"""The Telegram adapter against a fake HTTP layer that answers as the Bot API documents."""

from __future__ import annotations

import json
import threading

import pytest
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.models import Channel
from bot.sending.envelope import Envelope, OutcomeUnknown, PermanentFailure, TransientFailure
from bot.sending.telegram_adapter import TelegramAdapter
from bot.settings import TelegramSettings

TOKEN = "123456:SeCrEt-Token-Value"
CHAT = "987654321"
TEXT = "Your session is tomorrow at 10:00. Can you come?"
SETTINGS = TelegramSettings(enabled=True, bot_token=TOKEN, api_base_url="https://tg.test/bot")
ME = {"id": 666, "is_bot": True, "first_name": "Voices", "username": "VoicesBot"}
PICTURE = "https://voices.example.org/pictures/face-5.png"
BUTTONS = (("Yes, I can", "yes"), ("No", "no"))
KEYBOARD = {
    "inline_keyboard": [
        [{"text": "Yes, I can", "callback_data": "yes"}],
        [{"text": "No", "callback_data": "no"}],
    ]
}


class FakeTelegram(BaseRequest):
    """Answers getMe, and sendMessage with the next queued answer; remembers every call."""

    def __init__(self, *answers: tuple[int, dict] | Exception) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, dict]] = []
        self.shut_down = False

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        self.shut_down = True

    async def do_request(self, url, method, request_data: RequestData | None = None, **_timeouts):
        endpoint = url.rsplit("/", 1)[-1]
        self.calls.append((endpoint, request_data.parameters if request_data else {}))
        if endpoint == "getMe":
            return 200, json.dumps({"ok": True, "result": ME}).encode()
        answer = self.answers.pop(0) if self.answers else sent(1)
        if isinstance(answer, Exception):
            raise answer
        status, body = answer
        return status, json.dumps(body).encode()

    def sends(self) -> list[dict]:
        return [params for endpoint, params in self.calls if endpoint == "sendMessage"]

    def sent_out(self) -> list[tuple[str, dict]]:
        """Every call but the bot's start-up (getMe), in order."""
        return [(endpoint, params) for endpoint, params in self.calls if endpoint != "getMe"]


def sent(message_id: int, chat_id: int = int(CHAT)) -> tuple[int, dict]:
    result = {
        "message_id": message_id,
        "date": 1_700_000_000,
        "chat": {"id": chat_id, "type": "private", "first_name": "Robin"},
        "from": ME,
        "text": TEXT,
    }
    return 200, {"ok": True, "result": result}


def refused(status: int, description: str, **parameters) -> tuple[int, dict]:
    body = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return status, body


def photo_sent(message_id: int, chat_id: int = int(CHAT)) -> tuple[int, dict]:
    """Telegram's answer to sendPhoto: the Message, with the picture's sizes instead of text."""
    status, body = sent(message_id, chat_id)
    del body["result"]["text"]
    body["result"]["photo"] = [
        {"file_id": "AgAD", "file_unique_id": "AQAD", "width": 512, "height": 512}
    ]
    return status, body


def envelope(
    choices: tuple[tuple[str, str], ...] = (),
    to: str = CHAT,
    text: str = TEXT,
    media_url: str | None = None,
) -> Envelope:
    return Envelope(
        message_id=42,
        channel=Channel.TELEGRAM,
        to=to,
        text=text,
        choices=choices,
        media_url=media_url,
    )


@pytest.fixture
def adapter_with():
    made: list[TelegramAdapter] = []

    def make(*answers) -> tuple[TelegramAdapter, FakeTelegram]:
        fake = FakeTelegram(*answers)
        made.append(TelegramAdapter(SETTINGS, request=fake))
        return made[-1], fake

    yield make
    for adapter in made:
        adapter.close()


def assert_nothing_private_in(failure: Exception) -> None:
    said = f"{failure} {failure!r}"
    for private in (TOKEN, CHAT, TEXT):
        assert private.lower() not in said.lower()


def test_a_message_with_answers_is_sent_as_text_with_one_button_a_row(adapter_with):
    adapter, fake = adapter_with(sent(77))

    provider_id = adapter.send(envelope(choices=(("Yes, I can", "yes"), ("No", "no"))))

    assert provider_id == f"{CHAT}:77"
    assert fake.sends() == [
        {
            "chat_id": CHAT,
            "text": TEXT,
            "reply_markup": {
                "inline_keyboard": [
                    [{"text": "Yes, I can", "callback_data": "yes"}],
                    [{"text": "No", "callback_data": "no"}],
                ]
            },
        }
    ]


def test_a_message_without_answers_has_no_keyboard(adapter_with):
    adapter, fake = adapter_with(sent(5))

    adapter.send(envelope())

    assert fake.sends() == [{"chat_id": CHAT, "text": TEXT}]


def test_a_message_with_a_picture_is_sent_as_a_photo_with_the_words_as_caption_and_buttons(
    adapter_with,
):
    adapter, fake = adapter_with(photo_sent(78))

    provider_id = adapter.send(envelope(choices=BUTTONS, media_url=PICTURE))

    assert provider_id == f"{CHAT}:78"
    assert fake.sent_out() == [
        (
            "sendPhoto",
            {"chat_id": CHAT, "photo": PICTURE, "caption": TEXT, "reply_markup": KEYBOARD},
        )
    ]


def test_words_too_long_for_a_caption_go_as_the_picture_then_the_words_with_the_buttons(
    adapter_with,
):
    long_text = "Tell us about today. " * 60  # 1260 characters; captions stop at 1024
    adapter, fake = adapter_with(photo_sent(80), sent(81))

    provider_id = adapter.send(envelope(choices=BUTTONS, text=long_text, media_url=PICTURE))

    # The id is the words' message: the one with the buttons, that the answer refers to.
    assert provider_id == f"{CHAT}:81"
    assert fake.sent_out() == [
        ("sendPhoto", {"chat_id": CHAT, "photo": PICTURE}),
        ("sendMessage", {"chat_id": CHAT, "text": long_text, "reply_markup": KEYBOARD}),
    ]


def test_words_of_exactly_1024_characters_still_fit_the_caption(adapter_with):
    adapter, fake = adapter_with(photo_sent(82))

    adapter.send(envelope(text="a" * 1024, media_url=PICTURE))

    assert [endpoint for endpoint, _ in fake.sent_out()] == ["sendPhoto"]


def test_an_emoji_counts_as_two_towards_the_caption_limit_to_stay_safely_under_it(
    adapter_with,
):
    adapter, fake = adapter_with(photo_sent(83), sent(84))

    # 1024 characters, but 1025 UTF-16 units: an emoji outside the BMP takes two.
    adapter.send(envelope(text="a" * 1023 + "😀", media_url=PICTURE))

    assert [endpoint for endpoint, _ in fake.sent_out()] == ["sendPhoto", "sendMessage"]


def test_a_picture_telegram_cannot_fetch_is_dropped_and_the_words_go_alone(adapter_with):
    refusal = "Bad Request: wrong file identifier/HTTP URL specified"
    adapter, fake = adapter_with(refused(400, refusal), sent(86))

    provider_id = adapter.send(envelope(choices=BUTTONS, media_url=PICTURE))

    assert provider_id == f"{CHAT}:86"
    assert [endpoint for endpoint, _ in fake.sent_out()] == ["sendPhoto", "sendMessage"]
    assert fake.sent_out()[-1][1] == {"chat_id": CHAT, "text": TEXT, "reply_markup": KEYBOARD}


def test_a_refused_photo_and_refused_words_fail_for_good_and_say_nothing_private(
    adapter_with,
):
    refusal = f"Bad Request: chat not found {CHAT}"
    adapter, _ = adapter_with(refused(400, refusal), refused(400, refusal))

    with pytest.raises(PermanentFailure) as caught:
        adapter.send(envelope(media_url=PICTURE))

    assert caught.value.code == "400"
    assert "chat not found" in caught.value.reason.lower()
    assert_nothing_private_in(caught.value)


def test_a_photo_that_timed_out_is_an_unknown_outcome_never_retried(adapter_with):
    adapter, fake = adapter_with(TimedOut())

    with pytest.raises(OutcomeUnknown):
        adapter.send(envelope(media_url=PICTURE))

    assert [endpoint for endpoint, _ in fake.sent_out()] == ["sendPhoto"]


def test_words_refused_after_their_picture_went_fail_as_a_refused_message_does(adapter_with):
    adapter, _ = adapter_with(
        photo_sent(85), refused(403, "Forbidden: bot was blocked by the user")
    )

    with pytest.raises(PermanentFailure) as caught:
        adapter.send(envelope(text="Tell us more. " * 80, media_url=PICTURE))

    assert caught.value.stop_address is True


def test_the_bot_starts_once_and_is_reused_for_later_sends(adapter_with):
    adapter, fake = adapter_with(sent(1), sent(2))

    assert [adapter.send(envelope()), adapter.send(envelope())] == [f"{CHAT}:1", f"{CHAT}:2"]
    assert [endpoint for endpoint, _ in fake.calls].count("getMe") == 1


def test_a_blocked_bot_is_a_permanent_failure_that_stops_the_address(adapter_with):
    adapter, _ = adapter_with(refused(403, "Forbidden: bot was blocked by the user"))

    with pytest.raises(PermanentFailure) as caught:
        adapter.send(envelope())

    assert caught.value.stop_address is True
    assert caught.value.code == "403"
    assert_nothing_private_in(caught.value)


# python-telegram-bot warns while making the exception that retry_after will become a timedelta.
@pytest.mark.filterwarnings("ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")
def test_flood_control_is_a_transient_failure_that_says_how_long_to_wait(adapter_with):
    adapter, _ = adapter_with(refused(429, "Too Many Requests: retry after 7", retry_after=7))

    with pytest.raises(TransientFailure) as caught:
        adapter.send(envelope())

    assert caught.value.retry_after == 7.0
    assert caught.value.code == "429"
    assert_nothing_private_in(caught.value)


def test_flood_control_wait_is_read_when_the_library_gives_a_timedelta(adapter_with, monkeypatch):
    # With PTB_TIMEDELTA set, python-telegram-bot 22 reports retry_after as a timedelta.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    adapter, _ = adapter_with(refused(429, "Too Many Requests: retry after 30", retry_after=30))

    with pytest.raises(TransientFailure) as caught:
        adapter.send(envelope())

    assert caught.value.retry_after == 30.0


def test_an_unknown_chat_is_a_permanent_failure_with_a_short_reason(adapter_with):
    adapter, _ = adapter_with(refused(400, "Bad Request: chat not found"))

    with pytest.raises(PermanentFailure) as caught:
        adapter.send(envelope())

    assert caught.value.code == "400"
    assert caught.value.stop_address is False
    assert "chat not found" in caught.value.reason.lower()
    assert_nothing_private_in(caught.value)


def test_a_refusal_that_quotes_the_chat_or_token_is_reported_without_them(adapter_with):
    adapter, _ = adapter_with(refused(400, f"Bad Request: chat {CHAT} unknown to bot {TOKEN}"))

    with pytest.raises(PermanentFailure) as caught:
        adapter.send(envelope())

    assert_nothing_private_in(caught.value)


def test_a_timeout_waiting_for_telegram_is_an_unknown_outcome_never_retried(adapter_with):
    adapter, _ = adapter_with(TimedOut())

    with pytest.raises(OutcomeUnknown) as caught:
        adapter.send(envelope())

    assert caught.value.__cause__ is None
    assert_nothing_private_in(caught.value)


def test_a_pool_timeout_never_left_us_so_it_is_retried(adapter_with):
    adapter, _ = adapter_with(TimedOut("Pool timeout: All connections in the pool are occupied."))

    with pytest.raises(TransientFailure) as caught:
        adapter.send(envelope())

    assert caught.value.retry_after is None


def test_a_bad_gateway_is_unknown_because_telegram_may_have_the_message(adapter_with):
    adapter, _ = adapter_with(refused(502, "Bad Gateway"))

    with pytest.raises(OutcomeUnknown):
        adapter.send(envelope())


def test_a_failed_connect_never_left_us_so_it_is_retried(adapter_with):
    adapter, _ = adapter_with(NetworkError("httpx.ConnectError: All connection attempts failed"))

    with pytest.raises(TransientFailure):
        adapter.send(envelope())


def test_sends_from_several_threads_share_the_one_event_loop_safely(adapter_with):
    adapter, fake = adapter_with(*(sent(n) for n in range(1, 9)))
    results: list[str] = []

    def send() -> None:
        results.append(adapter.send(envelope()))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == sorted(f"{CHAT}:{n}" for n in range(1, 9))
    assert len(fake.sends()) == 8


def test_closing_shuts_the_bot_down_and_later_sends_are_refused(adapter_with):
    adapter, fake = adapter_with(sent(1))
    adapter.send(envelope())

    adapter.close()
    adapter.close()

    assert fake.shut_down is True
    with pytest.raises(RuntimeError):
        adapter.send(envelope())


def test_an_adapter_without_a_token_is_refused_at_once():
    with pytest.raises(ValueError, match="TELEGRAM_BOT_TOKEN"):
        TelegramAdapter(TelegramSettings())
