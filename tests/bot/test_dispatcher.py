"""The outbox dispatcher with a fake adapter: what happens to each row, on both databases.

The real adapters are tested against Prism and the Telegram emulator elsewhere; here the
adapter is a fake so that every kind of failure can be made to happen on purpose."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from bot.db import make_session_factory
from bot.delivery_status import apply_twilio_status, record_event
from bot.models import (
    AddressStatus,
    Channel,
    Direction,
    Flag,
    FlagKind,
    Message,
    MessageStatus,
    ParticipantStatus,
)
from bot.sending.dispatcher import Dispatcher
from bot.sending.envelope import (
    OutcomeUnknown,
    PermanentFailure,
    TransientFailure,
    WindowClosed,
)
from bot.sending.pacing import Pacer
from bot.sending.sweeper import sweep
from bot.settings import SendingSettings, TwilioSettings
from bot.time_windows import TimeWindow
from tests.factories import create_address, create_message, create_participant

# A Monday in November: GMT, inside the default 09:00-20:00 window.
NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class FakeAdapter:
    def __init__(self, *failures: Exception) -> None:
        self.sent: list = []
        self.failures = list(failures)

    def send(self, envelope) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(envelope)
        return f"SM{envelope.message_id:032x}"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock():
    return Clock(NOON)


@pytest.fixture
def adapter():
    return FakeAdapter()


@pytest.fixture
def dispatch(engine, settings, adapter, clock):
    """Run one pass with the fake adapter on SMS, WhatsApp and Telegram, never sleeping."""

    def run(settings=settings, adapters=None):
        adapters = adapters or {
            c: adapter for c in (Channel.SMS, Channel.WHATSAPP, Channel.TELEGRAM)
        }
        pacer = Pacer(settings.sending, sleep=lambda _: None)
        dispatcher = Dispatcher(
            make_session_factory(engine), settings, adapters, pacer=pacer, clock=clock
        )
        return dispatcher.run_once()

    return run


def queued(session, address=None, **kw) -> Message:
    kw.setdefault("next_attempt_at", NOON - timedelta(minutes=1))
    message = create_message(
        session, address, direction=Direction.OUTBOUND, kind=kw.pop("kind", "reminder"), **kw
    )
    session.commit()
    return message


def reload(session, message: Message) -> Message:
    session.rollback()
    return session.get(Message, message.id, populate_existing=True)


def test_a_due_message_is_sent_once_and_marked_sent_with_the_provider_id(
    session, dispatch, adapter
):
    message = queued(session, body="See you at 10:00 tomorrow.")
    report = dispatch()
    again = dispatch()
    stored = reload(session, message)
    assert (report.sent, again.claimed) == (1, 0)
    assert [e.text for e in adapter.sent] == ["See you at 10:00 tomorrow."]
    assert stored.status is MessageStatus.SENT
    assert stored.provider_id == f"SM{message.id:032x}"
    assert stored.attempts == 1


def test_sent_is_stamped_with_the_time_and_found_by_time_queries(session, dispatch, clock):
    message = queued(session)
    dispatch()
    stored = reload(session, message)
    assert stored.status_changed_at == NOON
    # Stored the same way as every ORM write, so an exact comparison in SQL finds it.
    exact = select(Message.id).where(Message.status_changed_at == NOON)
    assert session.scalars(exact).all() == [message.id]


def test_a_delivery_callback_that_beat_the_send_record_is_never_moved_back(
    session, dispatch, engine
):
    message = queued(session)

    class CallbackFirst(FakeAdapter):
        def send(self, envelope):
            provider_id = super().send(envelope)
            with make_session_factory(engine).begin() as other:
                other.get(Message, envelope.message_id).status = MessageStatus.DELIVERED
            return provider_id

    dispatch(adapters={Channel.SMS: CallbackFirst()})
    stored = reload(session, message)
    assert (stored.status, stored.provider_id) == (MessageStatus.DELIVERED, f"SM{message.id:032x}")


def test_a_callback_that_arrived_before_the_id_was_stored_is_applied_after_the_batch(
    session, dispatch, engine
):
    message = queued(session)

    class DeliveredBeforeRecorded(FakeAdapter):
        def send(self, envelope):
            provider_id = super().send(envelope)
            # Twilio's "delivered" callback, stored by the webhook while no message yet has
            # this id (so it could not be applied then).
            with make_session_factory(engine).begin() as other:
                assert record_event(other, Channel.SMS, provider_id, "delivered", None)
                assert (
                    apply_twilio_status(other, Channel.SMS, provider_id, "delivered", None) is None
                )
            return provider_id

    dispatch(adapters={Channel.SMS: DeliveredBeforeRecorded()})
    stored = reload(session, message)
    assert (stored.status, stored.provider_id) == (MessageStatus.DELIVERED, f"SM{message.id:032x}")


def test_when_recording_one_send_fails_the_rest_of_the_batch_still_goes(session, dispatch):
    first, second = queued(session), queued(session)

    class OddIdFirst(FakeAdapter):
        def send(self, envelope):
            provider_id = super().send(envelope)
            # Longer than the column: PostgreSQL refuses the record (psycopg's own error).
            return "X" * 70 if envelope.message_id == first.id else provider_id

    dispatch(adapters={Channel.SMS: OddIdFirst()})
    assert reload(session, second).status is MessageStatus.SENT
    # On PostgreSQL the first stays `sending`, for the sweep to mark unknown; SQLite does not
    # enforce the length, so there it is recorded.
    assert reload(session, first).status in (MessageStatus.SENDING, MessageStatus.SENT)


def test_a_message_not_yet_due_stays_queued(session, dispatch, adapter):
    message = queued(session, next_attempt_at=NOON + timedelta(minutes=5))
    assert dispatch().claimed == 0
    assert reload(session, message).status is MessageStatus.QUEUED


def test_an_sms_is_sent_plain_when_that_keeps_it_gsm7_and_its_segments_are_stored(
    session, dispatch, adapter
):
    message = queued(session, body="It’s on – see you")
    dispatch()
    stored = reload(session, message)
    assert adapter.sent[0].text == stored.body == "It's on - see you"
    assert stored.segments == 1


def test_a_twilio_message_asks_for_status_callbacks_at_our_public_address(
    session, dispatch, adapter, settings
):
    queued(session)
    dispatch()
    assert adapter.sent[0].status_callback == settings.app.public_url + "/webhooks/twilio/status"


def test_a_transient_failure_is_retried_later_with_a_growing_wait(session, dispatch, clock):
    message = queued(session)
    flaky = FakeAdapter(TransientFailure("Twilio is busy", "429"), TransientFailure("busy", "503"))
    adapters = {Channel.SMS: flaky}
    dispatch(adapters=adapters)
    first = reload(session, message)
    assert (first.status, first.next_attempt_at) == (
        MessageStatus.QUEUED,
        NOON + timedelta(seconds=30),
    )
    clock.now = first.next_attempt_at
    dispatch(adapters=adapters)
    second = reload(session, message)
    assert second.next_attempt_at == clock.now + timedelta(seconds=60)
    clock.now = second.next_attempt_at
    dispatch(adapters=adapters)
    assert reload(session, message).status is MessageStatus.SENT
    assert len(flaky.sent) == 1


def test_retry_after_from_the_provider_is_honoured(session, dispatch):
    message = queued(session)
    dispatch(
        adapters={Channel.SMS: FakeAdapter(TransientFailure("slow down", "429", retry_after=120))}
    )
    assert reload(session, message).next_attempt_at == NOON + timedelta(seconds=120)


def test_after_the_last_attempt_a_transient_failure_becomes_failed_and_flags_staff(
    session, dispatch, settings, clock
):
    settings = replace(settings, sending=SendingSettings(max_attempts=2))
    message = queued(session)
    down = FakeAdapter(*[TransientFailure("timeout connecting", "connect")] * 2)
    dispatch(settings=settings, adapters={Channel.SMS: down})
    clock.now += timedelta(minutes=5)
    dispatch(settings=settings, adapters={Channel.SMS: down})
    stored = reload(session, message)
    assert stored.status is MessageStatus.FAILED
    assert stored.error_text == "gave up after 2 tries: timeout connecting"
    assert session.scalar(select(Flag.kind)) is FlagKind.DELIVERY_FAILURE


def test_a_permanent_failure_fails_at_once_with_the_reason_for_staff(session, dispatch):
    message = queued(session)
    dispatch(adapters={Channel.SMS: FakeAdapter(PermanentFailure("not a mobile number", "21614"))})
    stored = reload(session, message)
    assert (stored.status, stored.error_code, stored.error_text) == (
        MessageStatus.FAILED,
        "21614",
        "not a mobile number",
    )
    assert stored.attempts == 1


def test_an_opt_out_at_the_carrier_stops_the_address_and_cancels_what_else_waits(session, dispatch):
    address = create_address(session)
    first = queued(session, address)
    second = queued(session, address)
    refusal = FakeAdapter(PermanentFailure("opted out", "21610", stop_address=True))
    report = dispatch(adapters={Channel.SMS: refusal})
    session.rollback()
    stored = session.get(type(address), address.id, populate_existing=True)
    assert stored.status is AddressStatus.STOPPED
    # The first failed; the second was claimed in the same pass, before the address stopped.
    assert reload(session, first).status is MessageStatus.FAILED
    assert report.failed == 1
    assert reload(session, second).status is MessageStatus.SENT
    third = queued(session, address)
    dispatch()
    assert reload(session, third).status is MessageStatus.CANCELLED


def test_a_timeout_after_the_request_left_is_never_retried_but_shown_as_unknown(
    session, dispatch, clock
):
    message = queued(session)
    adapter = FakeAdapter(OutcomeUnknown("no answer within 10 s", "read_timeout"))
    dispatch(adapters={Channel.SMS: adapter})
    clock.now += timedelta(hours=2)
    dispatch(adapters={Channel.SMS: adapter})
    assert reload(session, message).status is MessageStatus.UNKNOWN
    assert adapter.sent == []
    assert session.scalar(select(Flag.kind)) is FlagKind.UNKNOWN_DELIVERY


def test_an_adapter_bug_is_treated_as_unknown_not_resent(session, dispatch):
    message = queued(session)
    dispatch(adapters={Channel.SMS: FakeAdapter(KeyError("oops"))})
    assert reload(session, message).status is MessageStatus.UNKNOWN


def test_a_message_past_its_not_after_expires_instead_of_arriving_late(session, dispatch, adapter):
    message = queued(session, not_after=NOON - timedelta(seconds=1))
    assert dispatch().expired == 1
    assert reload(session, message).status is MessageStatus.EXPIRED
    assert adapter.sent == []


def test_a_stopped_participant_gets_nothing_but_the_stop_confirmation(session, dispatch, adapter):
    person = create_participant(session, status=ParticipantStatus.STOPPED)
    address = create_address(session, person)
    reminder = queued(session, address, kind="reminder")
    confirmation = queued(session, address, kind="stop_confirmation", urgent=True)
    dispatch()
    assert reload(session, reminder).status is MessageStatus.CANCELLED
    assert reload(session, confirmation).status is MessageStatus.SENT


def test_a_paused_participant_gets_replies_and_staff_messages_but_no_reminders_or_surveys(
    session, dispatch, adapter
):
    person = create_participant(session, status=ParticipantStatus.PAUSED)
    address = create_address(session, person)
    reply = queued(session, address, kind="reply")
    staff = queued(session, address, kind="staff")
    reminder = queued(session, address, kind="reminder")
    survey = queued(session, address, kind="survey")
    dispatch()
    assert [reload(session, m).status for m in (reply, staff, reminder, survey)] == [
        MessageStatus.SENT,
        MessageStatus.SENT,
        MessageStatus.HELD,
        MessageStatus.HELD,
    ]


def test_outside_the_send_window_a_message_waits_for_the_next_morning_not_dropped(
    session, dispatch, adapter, clock
):
    clock.now = datetime(2026, 11, 23, 21, 30, tzinfo=UTC)  # 21:30 GMT
    message = queued(session, next_attempt_at=clock.now)
    assert dispatch().deferred == 1
    stored = reload(session, message)
    assert stored.status is MessageStatus.QUEUED
    assert stored.next_attempt_at == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    clock.now = stored.next_attempt_at
    dispatch()
    assert reload(session, message).status is MessageStatus.SENT


def test_the_send_window_follows_london_time_across_the_clocks_going_forward(
    session, dispatch, clock
):
    # Saturday 28 March 2026, 22:00 GMT. Overnight the clocks go forward: 09:00 is then BST.
    clock.now = datetime(2026, 3, 28, 22, 0, tzinfo=UTC)
    message = queued(session, next_attempt_at=clock.now)
    dispatch()
    assert reload(session, message).next_attempt_at == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)


def test_the_send_window_follows_london_time_across_the_clocks_going_back(session, dispatch, clock):
    # Saturday 24 October 2026, 21:00 BST. Overnight the clocks go back: 09:00 is then GMT.
    clock.now = datetime(2026, 10, 24, 20, 0, tzinfo=UTC)
    message = queued(session, next_attempt_at=clock.now)
    dispatch()
    assert reload(session, message).next_attempt_at == datetime(2026, 10, 25, 9, 0, tzinfo=UTC)


def test_with_the_real_clock_travelled_a_late_evening_message_waits_for_9_bst_after_the_change(
    session, engine, settings, adapter
):
    # time-machine moves the clock the dispatcher really uses (no injected clock here).
    with time_machine.travel(datetime(2026, 3, 28, 21, 30, tzinfo=UTC), tick=False):
        message = queued(session, next_attempt_at=datetime(2026, 3, 28, 21, 0, tzinfo=UTC))
        pacer = Pacer(settings.sending, sleep=lambda _: None)
        Dispatcher(
            make_session_factory(engine), settings, {Channel.SMS: adapter}, pacer=pacer
        ).run_once()
    assert reload(session, message).next_attempt_at == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)
    with time_machine.travel(datetime(2026, 3, 29, 8, 0, 1, tzinfo=UTC), tick=False):
        Dispatcher(
            make_session_factory(engine), settings, {Channel.SMS: adapter}, pacer=pacer
        ).run_once()
    assert reload(session, message).status is MessageStatus.SENT


def test_a_participants_own_window_overrides_the_service_default(session, dispatch, clock):
    person = create_participant(session, quiet_hours="13:00-15:00")
    message = queued(session, create_address(session, person))
    dispatch()
    assert reload(session, message).next_attempt_at == datetime(2026, 11, 23, 13, 0, tzinfo=UTC)


def test_urgent_messages_go_at_night(session, dispatch, adapter, clock):
    clock.now = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    message = queued(session, urgent=True, kind="safeguarding", next_attempt_at=clock.now)
    dispatch()
    assert reload(session, message).status is MessageStatus.SENT


def test_a_deferred_message_that_would_arrive_too_late_expires(session, dispatch, clock):
    clock.now = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)
    message = queued(
        session, next_attempt_at=clock.now, not_after=datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    )
    dispatch()
    assert reload(session, message).status is MessageStatus.EXPIRED


def whatsapp_address(session, *, last_inbound_at=None, also_sms: bool = False):
    person = create_participant(session)
    address = create_address(
        session, person, channel=Channel.WHATSAPP, last_inbound_at=last_inbound_at
    )
    if also_sms:
        create_address(session, person, channel=Channel.SMS)
    return address


def test_whatsapp_inside_the_24_hour_window_sends_free_text(session, dispatch, adapter):
    address = whatsapp_address(session, last_inbound_at=NOON - timedelta(hours=3))
    queued(session, address, body="Art is at 10.")
    dispatch()
    assert (adapter.sent[0].channel, adapter.sent[0].template_sid) == (Channel.WHATSAPP, None)


def test_whatsapp_outside_the_window_uses_the_approved_template(
    session, dispatch, adapter, settings
):
    sid = "HX" + "0" * 32
    settings = replace(settings, twilio=TwilioSettings(whatsapp_template_sid=sid))
    queued(session, whatsapp_address(session), body="Art is at 10.")
    dispatch(settings=settings)
    assert (adapter.sent[0].template_sid, adapter.sent[0].template_variables) == (
        sid,
        {"1": "Art is at 10."},
    )


def test_whatsapp_outside_the_window_falls_back_to_sms_when_allowed(session, dispatch, adapter):
    message = queued(session, whatsapp_address(session, also_sms=True))
    dispatch()
    assert adapter.sent[0].channel is Channel.SMS
    assert reload(session, message).channel is Channel.SMS


def test_a_survey_question_that_falls_back_to_sms_loses_its_faces(session, dispatch, adapter):
    listed = "How was it?\n1 😞 Very bad\n5 😀 Very good\nReply 1, 2, 3, 4 or 5."
    queued(session, whatsapp_address(session, also_sms=True), body=listed, kind="survey")
    dispatch()
    # Faces are for chat; one emoji would make the SMS UCS-2 and more than double its cost.
    assert adapter.sent[0].text == "How was it?\n1 Very bad\n5 Very good\nReply 1, 2, 3, 4 or 5."


def test_whatsapp_outside_the_window_with_no_other_way_is_held_and_flagged(
    session, dispatch, adapter, clock, settings
):
    address = whatsapp_address(session)
    message = queued(session, address)
    assert dispatch().held == 1
    assert reload(session, message).status is MessageStatus.HELD
    assert session.scalar(select(Flag.kind)) is FlagKind.DELIVERY_FAILURE
    # When the person writes again, the window opens and the sweep lets it go.
    address = session.get(type(address), address.id)
    clock.now += timedelta(minutes=1)
    address.last_inbound_at = clock.now
    session.commit()
    with session.begin():
        assert sweep(session, settings, [Channel.WHATSAPP], clock.now).released == 1
    dispatch()
    assert reload(session, message).status is MessageStatus.SENT


def test_a_63016_from_twilio_sends_again_by_the_closed_window_road(session, dispatch):
    address = whatsapp_address(session, last_inbound_at=NOON - timedelta(hours=1), also_sms=True)
    message = queued(session, address)
    closed = FakeAdapter(WindowClosed("outside the window", "63016"))
    dispatch(adapters={Channel.WHATSAPP: closed, Channel.SMS: closed})
    dispatch(adapters={Channel.WHATSAPP: closed, Channel.SMS: closed})
    stored = reload(session, message)
    assert stored.status is MessageStatus.SENT
    assert [e.channel for e in closed.sent] == [Channel.SMS]


def test_a_channel_that_is_not_switched_on_holds_its_messages_instead_of_faking_a_send(
    session, dispatch, adapter
):
    message = queued(session, create_address(session, channel=Channel.TELEGRAM, value="42"))
    report = dispatch(adapters={Channel.SMS: adapter})
    assert report.held == 1
    assert reload(session, message).error_code == "no_adapter"


def test_a_send_left_in_sending_by_a_crash_becomes_unknown_and_is_never_resent(
    session, dispatch, adapter, settings
):
    message = queued(
        session,
        status=MessageStatus.SENDING,
        status_changed_at=NOON - timedelta(seconds=settings.sending.stuck_after_seconds + 1),
    )
    fresh = queued(session, status=MessageStatus.SENDING, status_changed_at=NOON)
    with session.begin():
        report = sweep(session, settings, [Channel.SMS], NOON)
    assert report.unknown == 1
    assert reload(session, message).status is MessageStatus.UNKNOWN
    assert reload(session, fresh).status is MessageStatus.SENDING
    dispatch()
    assert adapter.sent == []


def test_urgent_messages_are_claimed_before_older_ordinary_ones(session, dispatch, adapter):
    queued(session, body="ordinary", next_attempt_at=NOON - timedelta(hours=1))
    queued(session, body="urgent", urgent=True)
    dispatch()
    assert [e.text for e in adapter.sent] == ["urgent", "ordinary"]


def test_telegram_messages_carry_their_answer_buttons(session, dispatch, adapter):
    address = create_address(session, channel=Channel.TELEGRAM, value="4242")
    queued(session, address, choices=[["Yes", "yes"], ["No", "no"]])
    dispatch()
    assert adapter.sent[0].choices == (("Yes", "yes"), ("No", "no"))
    assert adapter.sent[0].status_callback is None


def test_a_participant_with_a_broken_own_window_still_gets_the_default(session, dispatch, clock):
    assert TimeWindow.parse("09:00-20:00").contains(NOON.time())
    person = create_participant(session, quiet_hours="nonsense")
    message = queued(session, create_address(session, person))
    dispatch()
    assert reload(session, message).status is MessageStatus.SENT


def test_stopping_mid_batch_puts_untried_messages_back_in_the_queue(
    session, engine, settings, clock
):
    first, second, third = (queued(session) for _ in range(3))

    class StopsAfterOne(FakeAdapter):
        def send(self, envelope):
            dispatcher.stopping.set()  # as SIGTERM would, while this send is in hand
            return super().send(envelope)

    adapter = StopsAfterOne()
    pacer = Pacer(settings.sending, sleep=lambda _: None)
    dispatcher = Dispatcher(
        make_session_factory(engine), settings, {Channel.SMS: adapter}, pacer=pacer, clock=clock
    )
    report = dispatcher.run_once()
    assert (report.sent, report.claimed) == (1, 1)
    assert [reload(session, m).status for m in (first, second, third)] == [
        MessageStatus.SENT,
        MessageStatus.QUEUED,
        MessageStatus.QUEUED,
    ]
    assert reload(session, second).attempts == 0


def test_a_63016_hold_is_not_released_until_the_person_writes_again(
    session, dispatch, clock, settings
):
    # We believed the window open, Twilio said 63016, and there is no template and no SMS.
    address = whatsapp_address(session, last_inbound_at=NOON - timedelta(hours=1))
    message = queued(session, address)
    dispatch(adapters={Channel.WHATSAPP: FakeAdapter(WindowClosed("closed", "63016"))})
    dispatch()
    assert reload(session, message).status is MessageStatus.HELD
    session.rollback()
    with session.begin():
        assert sweep(session, settings, [Channel.WHATSAPP], clock.now).released == 0
    with session.begin():
        address = session.get(type(address), address.id, populate_existing=True)
        address.last_inbound_at = clock.now + timedelta(minutes=1)
    with session.begin():
        later = clock.now + timedelta(minutes=2)
        assert sweep(session, settings, [Channel.WHATSAPP], later).released == 1


def test_unflushed_sent_records_never_leak_into_other_postgresql_work(
    session, engine, dispatch, backend
):
    if backend != "postgresql":
        pytest.skip("synchronous_commit is a PostgreSQL setting")
    from sqlalchemy import text

    queued(session)
    dispatch()
    # The pool hands the batch's connection to whoever asks next: claims must wait for disk.
    with engine.connect() as connection:
        assert connection.scalar(text("SHOW synchronous_commit")) == "on"
