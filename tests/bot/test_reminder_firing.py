"""Session reminders: the plan, the due times kept per session, the "fire due" pass, and what
moving, cancelling and taking a booking off do to reminders already planned or queued.

Times are UTC instants on the way in and out; the plan is in London time, so the sessions near
the two 2026 changeovers (forward Sunday 29 March, back Sunday 25 October, both at 01:00 UTC)
show a reminder staying at 10:00 on the wall clock while its UTC instant moves by an hour."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from bot.due import fire_due
from bot.models import (
    Channel,
    ConversationState,
    Course,
    CourseSession,
    Enrolment,
    Message,
    MessageStatus,
    Participant,
    ParticipantStatus,
    PendingQuestion,
    ReminderKind,
    ReminderTime,
    Rsvp,
    SessionStatus,
)
from bot.reminders import firing
from bot.reminders.firing import fire_due_reminders
from bot.reminders.plan import ReminderPlan, moments, plan_for
from bot.reminders.schedule import schedule_session
from bot.reminders.session_changes import (
    cancel_session,
    move_session,
    remove_booking,
    restore_session,
)
from bot.settings import ReminderSettings
from tests.factories import (
    create_address,
    create_consent,
    create_course,
    create_course_session,
    create_enrolment,
    create_participant,
)

LONDON = ZoneInfo("Europe/London")
DEFAULTS = ReminderSettings()


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# Tuesday 24 November 2026, 14:30 GMT (= UTC): well away from either changeover.
START = utc(2026, 11, 24, 14, 30)
DAY_BEFORE_DUE = utc(2026, 11, 23, 10, 0)  # Monday 10:00 GMT
ON_THE_DAY_DUE = utc(2026, 11, 24, 12, 30)  # two hours before the start
MIDNIGHT_BEFORE = utc(2026, 11, 24, 0, 0)  # the day-before reminder is stale from here

ASK = "Reply 1 if you are coming. Reply 2 if you can't come. Reply 3 if you need help to get there."
BUTTONS = [["I am coming", "1"], ["I can't come", "2"], ["I need help to get there", "3"]]

# Sessions at 14:00 local just after each 2026 changeover, and on the changeover Sundays:
# (start in UTC, the day as people read it, day-before due, day-before stale from,
#  on-the-day due).
CHANGEOVERS = [
    pytest.param(
        utc(2026, 3, 29, 13, 0),  # Sunday 14:00 BST
        "Sunday 29 March",
        utc(2026, 3, 28, 10, 0),  # Saturday 10:00 GMT
        utc(2026, 3, 29, 0, 0),  # Sunday 00:00 GMT
        utc(2026, 3, 29, 11, 0),
        id="sunday-the-clocks-go-forward",
    ),
    pytest.param(
        utc(2026, 3, 30, 13, 0),  # Monday 14:00 BST
        "Monday 30 March",
        utc(2026, 3, 29, 9, 0),  # Sunday 10:00 BST
        utc(2026, 3, 29, 23, 0),  # Monday 00:00 BST
        utc(2026, 3, 30, 11, 0),
        id="monday-after-the-clocks-go-forward",
    ),
    pytest.param(
        utc(2026, 10, 25, 14, 0),  # Sunday 14:00 GMT
        "Sunday 25 October",
        utc(2026, 10, 24, 9, 0),  # Saturday 10:00 BST
        utc(2026, 10, 24, 23, 0),  # Sunday 00:00 BST
        utc(2026, 10, 25, 12, 0),
        id="sunday-the-clocks-go-back",
    ),
    pytest.param(
        utc(2026, 10, 26, 14, 0),  # Monday 14:00 GMT
        "Monday 26 October",
        utc(2026, 10, 25, 10, 0),  # Sunday 10:00 GMT
        utc(2026, 10, 26, 0, 0),  # Monday 00:00 GMT
        utc(2026, 10, 26, 12, 0),
        id="monday-after-the-clocks-go-back",
    ),
]

_numbers = itertools.count(1)


# ---------------------------------------------------------------------------------------------
# Helpers


def person(
    session,
    *,
    channel: Channel = Channel.SMS,
    status: ParticipantStatus = ParticipantStatus.ACTIVE,
    consent: bool | None = True,
) -> Participant:
    """A participant with one address and, unless `consent` is None, an answer about reminders."""
    participant = create_participant(session, status=status)
    number = next(_numbers)
    value = str(700_000_000 + number) if channel is Channel.TELEGRAM else f"+4479111{number:05d}"
    create_address(session, participant, channel=channel, value=value)
    if consent is not None:
        agree(session, participant, consent, at=utc(2026, 1, 5, 9, 0))
    return participant


def agree(session, participant: Participant, granted: bool, *, at: datetime) -> None:
    create_consent(session, participant.id, granted=granted, recorded_at=at)
    session.flush()


def book(session, course_session: CourseSession, participant: Participant | None = None, **kw):
    return create_enrolment(session, course_session, participant or person(session), **kw)


def planned(session, settings, course: Course, starts_at: datetime = START, **kw) -> CourseSession:
    """A session with its reminder times, as an import or a member of staff would leave it."""
    course_session = create_course_session(session, course, starts_at=starts_at, **kw)
    schedule_session(session, course_session, settings)
    return course_session


def fire(session, settings, now: datetime) -> int:
    """One pass of the producer at `now`, with the real clock there too."""
    with time_machine.travel(now, tick=False):
        return fire_due_reminders(session, settings, now)


def messages(session, kind: str = "reminder") -> list[Message]:
    session.expire_all()
    return list(session.scalars(select(Message).where(Message.kind == kind).order_by(Message.id)))


def queued(session, kind: str = "reminder") -> list[Message]:
    return [m for m in messages(session, kind) if m.status is MessageStatus.QUEUED]


def times_of(session, course_session: CourseSession) -> dict[ReminderKind, ReminderTime]:
    session.expire_all()
    rows = session.scalars(select(ReminderTime).where(ReminderTime.session_id == course_session.id))
    return {row.kind: row for row in rows}


def mark_sent(session, message: Message) -> None:
    message.status = MessageStatus.SENT
    session.flush()


@pytest.fixture
def course(session):
    return create_course(
        session, code="ART1", title="Art for wellbeing", location="Room 4, Leeds Central Library"
    )


@pytest.fixture
def art(session, settings, course) -> CourseSession:
    """Tuesday 24 November at 2:30pm, with its reminder times in place."""
    return planned(session, settings, course)


# ---------------------------------------------------------------------------------------------
# The plan and the time zone (no database)


@pytest.mark.parametrize(
    ("starts_at", "day", "day_before_due", "day_before_stale", "on_the_day_due"), CHANGEOVERS
)
def test_the_day_before_reminder_stays_at_10_local_and_the_on_the_day_one_2_hours_before(
    starts_at, day, day_before_due, day_before_stale, on_the_day_due
):
    found = moments(plan_for(Course(title="Art"), DEFAULTS), starts_at, LONDON)

    assert set(found) == {ReminderKind.DAY_BEFORE, ReminderKind.ON_THE_DAY}
    day_before, on_the_day = found[ReminderKind.DAY_BEFORE], found[ReminderKind.ON_THE_DAY]
    assert day_before.due_at == day_before_due
    assert day_before.due_at.astimezone(LONDON).time() == time(10, 0)
    assert day_before.due_at.astimezone(LONDON).date() == (
        starts_at.astimezone(LONDON).date() - timedelta(days=1)
    )
    # Stale from local midnight starting the session's day.
    assert day_before.not_after == day_before_stale
    assert day_before.not_after.astimezone(LONDON).time() == time(0, 0)
    assert on_the_day.due_at == on_the_day_due == starts_at - timedelta(hours=2)
    assert on_the_day.not_after == starts_at


def test_with_no_plan_of_its_own_a_course_follows_the_settings():
    plan = plan_for(
        Course(title="Art"), ReminderSettings(day_before_at=time(9, 15), hours_before=3)
    )
    assert plan == ReminderPlan(time(9, 15), 3, None)


def test_a_courses_own_plan_overrides_the_settings():
    course = Course(title="Art", reminder_day_before="18:30", reminder_hours_before=1.5)

    plan = plan_for(course, DEFAULTS)
    found = moments(plan, START, LONDON)

    assert plan == ReminderPlan(time(18, 30), 1.5, None)
    assert found[ReminderKind.DAY_BEFORE].due_at == utc(2026, 11, 23, 18, 30)
    assert found[ReminderKind.ON_THE_DAY].due_at == utc(2026, 11, 24, 13, 0)


def test_a_course_can_switch_on_a_reminder_the_settings_switch_off():
    settings_off = ReminderSettings(day_before_at=None, hours_before=0)
    course = Course(title="Art", reminder_day_before="10:00", reminder_hours_before=2)

    assert set(moments(plan_for(Course(title="Art"), settings_off), START, LONDON)) == set()
    assert set(moments(plan_for(course, settings_off), START, LONDON)) == {
        ReminderKind.DAY_BEFORE,
        ReminderKind.ON_THE_DAY,
    }


@pytest.mark.parametrize(
    ("day_before", "hours", "kinds"),
    [
        ("off", None, {ReminderKind.ON_THE_DAY}),
        ("OFF", None, {ReminderKind.ON_THE_DAY}),
        (None, 0, {ReminderKind.DAY_BEFORE}),
        ("off", 0, set()),
    ],
)
def test_off_switches_the_day_before_reminder_off_and_0_hours_the_on_the_day_one(
    day_before, hours, kinds
):
    course = Course(title="Art", reminder_day_before=day_before, reminder_hours_before=hours)
    assert set(moments(plan_for(course, DEFAULTS), START, LONDON)) == kinds


def test_an_early_morning_sessions_on_the_day_reminder_is_not_sent_the_evening_before():
    # 01:00 GMT: two hours before is 23:00 the day before, which is not "today".
    starts_at = utc(2026, 11, 24, 1, 0)
    found = moments(plan_for(Course(title="Art"), DEFAULTS), starts_at, LONDON)
    assert found[ReminderKind.ON_THE_DAY].due_at == utc(2026, 11, 24, 0, 0)
    assert found[ReminderKind.ON_THE_DAY].not_after == starts_at


@pytest.mark.parametrize(
    ("session_day", "tutor_due"),
    [
        (utc(2026, 11, 24, 14, 30), utc(2026, 11, 26, 10, 0)),  # Thursday 10:00 GMT
        (utc(2026, 10, 23, 13, 0), utc(2026, 10, 25, 10, 0)),  # Sunday of the change, GMT
        (utc(2026, 3, 27, 14, 0), utc(2026, 3, 29, 9, 0)),  # Sunday of the change, BST
    ],
)
def test_the_tutors_message_is_planned_for_10_local_the_set_number_of_days_after(
    session_day, tutor_due
):
    course = Course(title="Art", tutor_message="See you next week", tutor_message_days_after=2)
    tutor = moments(plan_for(course, DEFAULTS), session_day, LONDON)[ReminderKind.TUTOR]
    assert tutor.due_at == tutor_due
    assert tutor.not_after == tutor_due + timedelta(days=1)


def test_a_course_with_no_tutor_message_plans_none():
    course = Course(title="Art", tutor_message=None, tutor_message_days_after=2)
    assert ReminderKind.TUTOR not in moments(plan_for(course, DEFAULTS), START, LONDON)


# ---------------------------------------------------------------------------------------------
# The due times kept per session


def test_scheduling_a_session_stores_one_due_time_per_kind_and_again_changes_nothing(
    session, settings, course
):
    art = planned(session, settings, course)
    first = {kind: (row.id, row.due_at, row.fired) for kind, row in times_of(session, art).items()}

    schedule_session(session, art, settings)

    assert first == {
        ReminderKind.DAY_BEFORE: (first[ReminderKind.DAY_BEFORE][0], DAY_BEFORE_DUE, False),
        ReminderKind.ON_THE_DAY: (first[ReminderKind.ON_THE_DAY][0], ON_THE_DAY_DUE, False),
    }
    again = {kind: (row.id, row.due_at, row.fired) for kind, row in times_of(session, art).items()}
    assert again == first


def test_a_course_switching_a_reminder_off_loses_that_kinds_due_time(session, settings, art):
    art.course.reminder_hours_before = 0
    schedule_session(session, art, settings)
    assert set(times_of(session, art)) == {ReminderKind.DAY_BEFORE}


def test_a_reminder_switched_off_after_it_was_planned_is_not_sent_even_if_not_rescheduled(
    session, settings, art
):
    book(session, art)
    art.course.reminder_day_before = "off"
    session.flush()

    assert fire(session, settings, DAY_BEFORE_DUE) == 0
    assert messages(session) == []
    assert times_of(session, art)[ReminderKind.DAY_BEFORE].fired is True


# ---------------------------------------------------------------------------------------------
# Across the changeovers, end to end on both databases


@pytest.mark.parametrize(
    ("starts_at", "day", "day_before_due", "day_before_stale", "on_the_day_due"), CHANGEOVERS
)
def test_across_a_changeover_the_day_before_reminder_is_queued_at_its_moment_not_a_minute_before(
    session, settings, course, starts_at, day, day_before_due, day_before_stale, on_the_day_due
):
    art = planned(session, settings, course, starts_at)
    booking = book(session, art)
    session.commit()

    assert fire(session, settings, day_before_due - timedelta(minutes=1)) == 0
    assert messages(session) == []
    assert fire(session, settings, day_before_due) == 1

    (reminder,) = messages(session)
    assert reminder.send_key == f"reminder:{booking.id}:day_before"
    assert reminder.not_after == day_before_stale
    assert reminder.created_at == day_before_due
    assert reminder.body.splitlines()[0] == (f"Art for wellbeing is tomorrow, {day}, at 2pm.")


@pytest.mark.parametrize(
    ("starts_at", "day", "day_before_due", "day_before_stale", "on_the_day_due"), CHANGEOVERS
)
def test_across_a_changeover_the_on_the_day_reminder_goes_2_hours_before_and_says_the_local_time(
    session, settings, course, starts_at, day, day_before_due, day_before_stale, on_the_day_due
):
    art = planned(session, settings, course, starts_at)
    booking = book(session, art)
    session.commit()
    # The day-before reminder goes first, so that only the on-the-day one is left to fire.
    assert fire(session, settings, day_before_due) == 1

    assert fire(session, settings, on_the_day_due - timedelta(minutes=1)) == 0
    assert fire(session, settings, on_the_day_due) == 1

    reminder = messages(session)[-1]
    assert reminder.send_key == f"reminder:{booking.id}:on_the_day"
    assert reminder.not_after == starts_at
    assert reminder.body.splitlines()[0] == "Reminder: Art for wellbeing is today at 2pm."


# ---------------------------------------------------------------------------------------------
# Firing


def test_each_reachable_booking_gets_one_day_before_reminder_saying_what_when_and_where(
    session, settings, art
):
    first, second = book(session, art), book(session, art)
    session.commit()

    assert fire(session, settings, DAY_BEFORE_DUE) == 2

    sent = messages(session)
    assert [m.send_key for m in sent] == [
        f"reminder:{first.id}:day_before",
        f"reminder:{second.id}:day_before",
    ]
    assert [(m.enrolment_id, m.participant_id) for m in sent] == [
        (first.id, first.participant_id),
        (second.id, second.participant_id),
    ]
    for message in sent:
        assert message.status is MessageStatus.QUEUED
        assert message.channel is Channel.SMS
        assert message.not_after == MIDNIGHT_BEFORE
        assert message.next_attempt_at == DAY_BEFORE_DUE
        assert message.choices is None
        assert message.body == (
            "Art for wellbeing is tomorrow, Tuesday 24 November, at 2:30pm.\n"
            "It is at Room 4, Leeds Central Library.\n" + ASK
        )


def test_an_online_session_is_reminded_with_its_link_and_no_place(session, settings):
    online = create_course(
        session, title="Mindful mornings", online_url="https://meet.example.org/mm"
    )
    course_session = planned(session, settings, online)
    book(session, course_session)

    assert fire(session, settings, DAY_BEFORE_DUE) == 1

    (reminder,) = messages(session)
    assert reminder.body == (
        "Mindful mornings is tomorrow, Tuesday 24 November, at 2:30pm.\n"
        "It is online. Join with this link: https://meet.example.org/mm\n" + ASK
    )


def test_a_sessions_own_place_is_named_instead_of_the_courses(session, settings, course):
    moved_room = planned(session, settings, course, location="The Hub, 12 Park Row")
    book(session, moved_room)

    fire(session, settings, DAY_BEFORE_DUE)

    (reminder,) = messages(session)
    assert "It is at The Hub, 12 Park Row." in reminder.body.splitlines()
    assert "Leeds Central Library" not in reminder.body


def test_a_telegram_booking_gets_answer_buttons_and_no_reply_numbers(session, settings, art):
    booking = book(session, art, person(session, channel=Channel.TELEGRAM))

    assert fire(session, settings, DAY_BEFORE_DUE) == 1

    (reminder,) = messages(session)
    assert reminder.channel is Channel.TELEGRAM
    assert reminder.send_key == f"reminder:{booking.id}:day_before"
    # Each button carries the booking it answers, so a press under an old reminder is not
    # read as the answer to a newer question.
    assert reminder.choices == [[label, f"{value}|r{booking.id}"] for label, value in BUTTONS]
    assert [value.split("|")[0] for _, value in reminder.choices] == ["1", "2", "3"]
    assert "Reply 1" not in reminder.body
    assert reminder.body.splitlines() == [
        "Art for wellbeing is tomorrow, Tuesday 24 November, at 2:30pm.",
        "It is at Room 4, Leeds Central Library.",
        "Are you coming? Please tap a button.",
    ]


def test_the_on_the_day_reminder_says_today_and_is_stale_from_the_start(session, settings, art):
    booking = book(session, art)
    assert fire(session, settings, DAY_BEFORE_DUE) == 1

    assert fire(session, settings, ON_THE_DAY_DUE) == 1

    reminder = messages(session)[-1]
    assert reminder.send_key == f"reminder:{booking.id}:on_the_day"
    assert reminder.not_after == START
    assert reminder.body == (
        "Reminder: Art for wellbeing is today at 2:30pm.\n"
        "It is at Room 4, Leeds Central Library.\n" + ASK
    )


def test_nothing_is_queued_before_a_reminder_falls_due(session, settings, art):
    book(session, art)
    assert fire(session, settings, DAY_BEFORE_DUE - timedelta(seconds=1)) == 0
    assert messages(session) == []
    assert not any(row.fired for row in times_of(session, art).values())


def test_a_second_pass_queues_nothing_more_and_the_due_time_is_marked_fired(session, settings, art):
    book(session, art)
    assert fire(session, settings, DAY_BEFORE_DUE) == 1
    session.commit()

    assert fire(session, settings, DAY_BEFORE_DUE + timedelta(seconds=30)) == 0

    assert len(messages(session)) == 1
    rows = times_of(session, art)
    assert (rows[ReminderKind.DAY_BEFORE].fired, rows[ReminderKind.DAY_BEFORE].fired_at) == (
        True,
        DAY_BEFORE_DUE,
    )
    assert rows[ReminderKind.ON_THE_DAY].fired is False


def test_re_arming_a_fired_reminder_does_not_send_it_twice(session, settings, art):
    book(session, art)
    assert fire(session, settings, DAY_BEFORE_DUE) == 1

    schedule_session(session, art, settings, rearm=True)
    assert times_of(session, art)[ReminderKind.DAY_BEFORE].fired is False

    assert fire(session, settings, DAY_BEFORE_DUE + timedelta(minutes=1)) == 0
    assert len(messages(session)) == 1
    assert times_of(session, art)[ReminderKind.DAY_BEFORE].fired is True


def _stopped(session, art):
    return book(session, art, person(session, status=ParticipantStatus.STOPPED))


def _paused(session, art):
    return book(session, art, person(session, status=ParticipantStatus.PAUSED))


def _never_agreed(session, art):
    return book(session, art, person(session, consent=None))


def _said_no(session, art):
    return book(session, art, person(session, consent=False))


def _withdrew_consent_later(session, art):
    participant = person(session, consent=True)
    agree(session, participant, False, at=utc(2026, 11, 20, 9, 0))
    return book(session, art, participant)


def _booking_removed(session, art):
    return book(session, art, removed_at=utc(2026, 11, 20, 9, 0))


def _said_they_cant_come(session, art):
    return book(session, art, rsvp=Rsvp.CANT_COME)


@pytest.mark.parametrize(
    "unreachable",
    [
        _stopped,
        _paused,
        _never_agreed,
        _said_no,
        _withdrew_consent_later,
        _booking_removed,
        _said_they_cant_come,
    ],
    ids=lambda make: make.__name__.strip("_"),
)
def test_only_reachable_bookings_are_reminded(session, settings, art, unreachable):
    unreachable(session, art)
    reached = book(session, art)

    assert fire(session, settings, DAY_BEFORE_DUE) == 1

    assert [m.enrolment_id for m in messages(session)] == [reached.id]


def test_someone_who_agreed_again_after_saying_no_is_reminded(session, settings, art):
    participant = person(session, consent=False)
    agree(session, participant, True, at=utc(2026, 11, 20, 9, 0))
    booking = book(session, art, participant)

    assert fire(session, settings, DAY_BEFORE_DUE) == 1
    assert [m.enrolment_id for m in messages(session)] == [booking.id]


def test_a_cancelled_sessions_reminders_are_not_sent_and_its_due_time_is_spent(
    session, settings, art
):
    book(session, art)
    art.status = SessionStatus.CANCELLED  # cancelled without its due times being tidied
    session.flush()

    assert fire(session, settings, DAY_BEFORE_DUE) == 0

    assert messages(session) == []
    assert times_of(session, art)[ReminderKind.DAY_BEFORE].fired is True


def test_a_reminder_whose_moment_passed_while_the_worker_was_down_is_not_sent_but_is_spent(
    session, settings, art
):
    book(session, art)

    # Back up a minute after the session started: both reminders are due, and both are stale.
    assert fire(session, settings, START + timedelta(minutes=1)) == 0

    assert messages(session) == []
    rows = times_of(session, art)
    assert {kind: row.fired for kind, row in rows.items()} == {
        ReminderKind.DAY_BEFORE: True,
        ReminderKind.ON_THE_DAY: True,
    }
    assert fire(session, settings, START + timedelta(minutes=2)) == 0


def test_a_day_before_reminder_not_gone_by_midnight_is_dropped_and_the_on_the_day_one_still_goes(
    session, settings, art
):
    booking = book(session, art)

    assert fire(session, settings, MIDNIGHT_BEFORE) == 0
    assert times_of(session, art)[ReminderKind.DAY_BEFORE].fired is True
    assert fire(session, settings, ON_THE_DAY_DUE) == 1

    assert [m.send_key for m in messages(session)] == [f"reminder:{booking.id}:on_the_day"]


def test_a_day_before_reminder_still_goes_late_the_evening_before(session, settings, art):
    booking = book(session, art)
    assert fire(session, settings, MIDNIGHT_BEFORE - timedelta(seconds=1)) == 1
    assert [m.send_key for m in messages(session)] == [f"reminder:{booking.id}:day_before"]


def test_one_pass_fires_at_most_rows_per_pass_and_the_rest_go_in_the_next(
    session, settings, course, monkeypatch
):
    monkeypatch.setattr(firing, "ROWS_PER_PASS", 2)
    # Three sessions on the same Tuesday: all three day-before reminders fall due at 10:00.
    bookings = [
        book(session, planned(session, settings, course, START + timedelta(hours=hour)))
        for hour in (-4, -2, 0)
    ]

    assert fire(session, settings, DAY_BEFORE_DUE) == 2
    assert [m.enrolment_id for m in messages(session)] == [b.id for b in bookings[:2]]
    assert fire(session, settings, DAY_BEFORE_DUE + timedelta(seconds=30)) == 1
    assert fire(session, settings, DAY_BEFORE_DUE + timedelta(seconds=60)) == 0

    assert [m.enrolment_id for m in messages(session)] == [b.id for b in bookings]
    fired = session.scalar(
        select(func.count()).select_from(ReminderTime).where(ReminderTime.fired.is_(True))
    )
    assert fired == 3


def test_after_a_reminder_the_persons_pending_question_is_are_you_coming_to_that_session(
    session, settings, art
):
    booking = book(session, art)

    fire(session, settings, DAY_BEFORE_DUE)

    state = session.scalar(
        select(ConversationState).where(ConversationState.participant_id == booking.participant_id)
    )
    assert state.pending is PendingQuestion.RSVP
    assert state.context == {"enrolment_id": booking.id, "tag": f"r{booking.id}"}
    assert state.misses == 0
    assert state.asked_at == DAY_BEFORE_DUE


def test_a_reminder_comes_before_a_survey_question_which_waits_to_be_asked_again(
    session, settings, art
):
    # The session is soon; the survey can wait. Its invite keeps its place (see
    # tests/bot/test_survey_conversation.py for the question coming back).
    booking = book(session, art)
    session.add(
        ConversationState(
            participant_id=booking.participant_id,
            pending=PendingQuestion.SURVEY,
            context={"run_id": 3, "invite_id": 5, "question": "q2"},
            asked_at=utc(2026, 11, 23, 9, 0),
        )
    )
    session.flush()

    assert fire(session, settings, DAY_BEFORE_DUE) == 1

    state = session.scalar(select(ConversationState))
    survey_question = {"run_id": 3, "invite_id": 5, "question": "q2"}
    # The survey question is kept beside it, for a reply sent before the reminder arrives.
    assert (state.pending, state.context) == (
        PendingQuestion.RSVP,
        {
            "enrolment_id": booking.id,
            "tag": f"r{booking.id}",
            "before": {"pending": "survey", "context": survey_question},
        },
    )


def test_a_reminder_takes_the_place_of_an_unanswered_surveys_consent_question(
    session, settings, art
):
    # They said yes to reminders (or they would get none); left open, the surveys question
    # would read their "yes, coming" as yes to surveys.
    booking = book(session, art)
    session.add(
        ConversationState(
            participant_id=booking.participant_id,
            pending=PendingQuestion.CONSENT_SURVEYS,
            context={},
            asked_at=utc(2026, 11, 23, 9, 0),
        )
    )
    session.flush()

    assert fire(session, settings, DAY_BEFORE_DUE) == 1

    state = session.scalar(select(ConversationState))
    assert (state.pending, state.context) == (
        PendingQuestion.RSVP,
        {"enrolment_id": booking.id, "tag": f"r{booking.id}"},
    )


def test_a_reminder_replaces_an_older_rsvp_question_with_one_about_its_own_booking(
    session, settings, course, art
):
    participant = person(session)
    last_week = book(
        session, planned(session, settings, course, START - timedelta(days=7)), participant
    )
    booking = book(session, art, participant)
    session.add(
        ConversationState(
            participant_id=participant.id,
            pending=PendingQuestion.RSVP_REASON,
            context={"enrolment_id": last_week.id},
            misses=1,
            asked_at=utc(2026, 11, 16, 10, 5),
        )
    )
    session.flush()

    assert fire(session, settings, DAY_BEFORE_DUE) == 1

    session.expire_all()
    states = session.scalars(select(ConversationState)).all()
    assert [(s.participant_id, s.pending, s.context, s.misses, s.asked_at) for s in states] == [
        (
            participant.id,
            PendingQuestion.RSVP,
            {"enrolment_id": booking.id, "tag": f"r{booking.id}"},
            0,
            DAY_BEFORE_DUE,
        )
    ]


def test_the_workers_fire_due_pass_queues_due_reminders(session, settings, art):
    booking = book(session, art)

    with time_machine.travel(DAY_BEFORE_DUE, tick=False):
        assert fire_due(session, settings, DAY_BEFORE_DUE) == 1

    assert [m.send_key for m in messages(session)] == [f"reminder:{booking.id}:day_before"]


# ---------------------------------------------------------------------------------------------
# Moving, cancelling, taking a booking off

THURSDAY = utc(2026, 11, 26, 14, 30)  # where the Tuesday session moves to


def move(session, settings, course_session, starts_at, now) -> int:
    with time_machine.travel(now, tick=False):
        return move_session(
            session, course_session, starts_at, starts_at + timedelta(hours=2), settings, now
        )


def test_moving_a_session_before_any_reminder_re_times_its_due_times(session, settings, art):
    book(session, art)

    move(session, settings, art, THURSDAY, utc(2026, 11, 20, 12, 0))

    rows = times_of(session, art)
    assert {kind: (row.due_at, row.fired) for kind, row in rows.items()} == {
        ReminderKind.DAY_BEFORE: (utc(2026, 11, 25, 10, 0), False),
        ReminderKind.ON_THE_DAY: (utc(2026, 11, 26, 12, 30), False),
    }
    assert fire(session, settings, DAY_BEFORE_DUE) == 0
    assert messages(session) == []


def test_moving_a_session_withdraws_its_queued_reminder_and_a_later_pass_gives_the_new_time(
    session, settings, art
):
    booking = book(session, art)
    fire(session, settings, DAY_BEFORE_DUE)
    moved_at = DAY_BEFORE_DUE + timedelta(hours=1)

    assert move(session, settings, art, THURSDAY, moved_at) == 1

    (withdrawn,) = messages(session)
    assert withdrawn.status is MessageStatus.CANCELLED
    assert withdrawn.send_key is None
    assert withdrawn.status_changed_at == moved_at
    rows = times_of(session, art)
    assert (rows[ReminderKind.DAY_BEFORE].due_at, rows[ReminderKind.DAY_BEFORE].fired) == (
        utc(2026, 11, 25, 10, 0),
        False,
    )
    assert rows[ReminderKind.ON_THE_DAY].due_at == utc(2026, 11, 26, 12, 30)

    assert fire(session, settings, utc(2026, 11, 25, 9, 59)) == 0
    assert fire(session, settings, utc(2026, 11, 25, 10, 0)) == 1

    again = queued(session)
    assert [m.send_key for m in again] == [f"reminder:{booking.id}:day_before"]
    assert again[0].body.splitlines()[0] == (
        "Art for wellbeing is tomorrow, Thursday 26 November, at 2:30pm."
    )
    assert again[0].not_after == utc(2026, 11, 26, 0, 0)


def test_a_reminder_already_sent_is_not_sent_again_after_a_move(session, settings, art):
    reminded, waiting = book(session, art), book(session, art)
    fire(session, settings, DAY_BEFORE_DUE)
    mark_sent(session, messages(session)[0])

    move(session, settings, art, THURSDAY, DAY_BEFORE_DUE + timedelta(hours=1))

    first, second = messages(session)
    assert (first.status, first.send_key) == (
        MessageStatus.SENT,
        f"reminder:{reminded.id}:day_before",
    )
    assert (second.status, second.send_key) == (MessageStatus.CANCELLED, None)
    # Only the one whose reminder was withdrawn is reminded of the new time.
    assert fire(session, settings, utc(2026, 11, 25, 10, 0)) == 1
    assert [m.enrolment_id for m in queued(session)] == [waiting.id]


def test_everyone_booked_is_told_once_that_a_session_moved_and_a_repeat_move_tells_nobody(
    session, settings, art
):
    first, second = book(session, art), book(session, art)
    _stopped(session, art)
    now = utc(2026, 11, 20, 12, 0)

    assert move(session, settings, art, THURSDAY, now) == 2
    assert move(session, settings, art, THURSDAY, now + timedelta(minutes=5)) == 0

    notices = messages(session, "session_notice")
    assert [m.enrolment_id for m in notices] == [first.id, second.id]
    for notice in notices:
        assert notice.status is MessageStatus.QUEUED
        # One key per change (the moment it was made), so a later change is told afresh.
        assert notice.send_key == f"moved:{notice.enrolment_id}:20261120T120000.000000"
        assert notice.not_after == THURSDAY
        assert notice.body == (
            "Art for wellbeing has moved. It is now on Thursday 26 November at 2:30pm."
        )


def test_a_session_moved_back_to_a_time_people_were_told_of_before_is_announced_again(
    session, settings, art
):
    booking = book(session, art)

    # Tuesday -> Thursday, then back to Tuesday, each notice sent; then Thursday once more.
    assert move(session, settings, art, THURSDAY, utc(2026, 11, 18, 12, 0)) == 1
    mark_sent(session, messages(session, "session_notice")[-1])
    assert move(session, settings, art, START, utc(2026, 11, 19, 12, 0)) == 1
    mark_sent(session, messages(session, "session_notice")[-1])

    told = move(session, settings, art, THURSDAY, utc(2026, 11, 20, 12, 0))

    # Their last word from us was "now on Tuesday": they must hear it is Thursday again.
    assert told == 1
    latest = messages(session, "session_notice")[-1]
    assert (latest.enrolment_id, latest.status) == (booking.id, MessageStatus.QUEUED)
    assert "Thursday 26 November at 2:30pm" in latest.body


def test_cancelling_a_session_withdraws_its_reminders_and_tells_everyone_booked_once(
    session, settings, art
):
    first, second = book(session, art), book(session, art)
    fire(session, settings, DAY_BEFORE_DUE)
    now = DAY_BEFORE_DUE + timedelta(hours=1)

    with time_machine.travel(now, tick=False):
        assert cancel_session(session, art, settings, now) == 2
        assert cancel_session(session, art, settings, now + timedelta(minutes=5)) == 0

    assert art.status is SessionStatus.CANCELLED
    reminders = messages(session)
    assert [(m.status, m.send_key) for m in reminders] == [(MessageStatus.CANCELLED, None)] * 2
    # The fired day-before row stays as a record; the unfired on-the-day row is gone.
    assert {kind: row.fired for kind, row in times_of(session, art).items()} == {
        ReminderKind.DAY_BEFORE: True
    }
    notices = messages(session, "session_notice")
    assert [m.enrolment_id for m in notices] == [first.id, second.id]
    assert {m.body for m in notices} == {
        "Sorry. Art for wellbeing on Tuesday 24 November at 2:30pm is cancelled."
    }
    assert fire(session, settings, ON_THE_DAY_DUE) == 0
    assert len(messages(session)) == 2


def test_nobody_is_told_about_cancelling_a_session_that_has_already_started(session, settings, art):
    book(session, art)
    now = START + timedelta(minutes=10)

    with time_machine.travel(now, tick=False):
        assert cancel_session(session, art, settings, now) == 0

    assert art.status is SessionStatus.CANCELLED
    assert messages(session, "session_notice") == []


def test_a_session_cancelled_again_after_being_put_back_on_and_reminded_is_announced_again(
    session, settings, art
):
    booking = book(session, art)
    first_cancel = utc(2026, 11, 18, 12, 0)
    with time_machine.travel(first_cancel, tick=False):
        assert cancel_session(session, art, settings, first_cancel) == 1
    mark_sent(session, messages(session, "session_notice")[0])
    restore_session(session, art, settings)
    # Back on: the day-before reminder goes, and it reaches them.
    assert fire(session, settings, DAY_BEFORE_DUE) == 1
    mark_sent(session, messages(session)[0])

    second_cancel = DAY_BEFORE_DUE + timedelta(hours=2)
    with time_machine.travel(second_cancel, tick=False):
        told = cancel_session(session, art, settings, second_cancel)

    # Their last word from us was "... is tomorrow": they must hear it is off.
    assert told == 1
    latest = messages(session, "session_notice")[-1]
    assert (latest.enrolment_id, latest.status) == (booking.id, MessageStatus.QUEUED)


def test_a_restored_session_is_reminded_again(session, settings, art):
    booking = book(session, art)
    now = utc(2026, 11, 18, 12, 0)
    with time_machine.travel(now, tick=False):
        cancel_session(session, art, settings, now)
    assert times_of(session, art) == {}

    restore_session(session, art, settings)

    assert set(times_of(session, art)) == {ReminderKind.DAY_BEFORE, ReminderKind.ON_THE_DAY}
    assert fire(session, settings, DAY_BEFORE_DUE) == 1
    assert [m.send_key for m in queued(session)] == [f"reminder:{booking.id}:day_before"]


def test_taking_one_booking_off_withdraws_only_that_persons_reminder(session, settings, art):
    leaving, staying = book(session, art), book(session, art)
    fire(session, settings, DAY_BEFORE_DUE)
    now = DAY_BEFORE_DUE + timedelta(hours=1)

    remove_booking(session, leaving, now)
    session.flush()

    assert session.get(Enrolment, leaving.id).removed_at == now
    by_booking = {m.enrolment_id: m for m in messages(session)}
    assert (by_booking[leaving.id].status, by_booking[leaving.id].send_key) == (
        MessageStatus.CANCELLED,
        None,
    )
    assert (by_booking[staying.id].status, by_booking[staying.id].send_key) == (
        MessageStatus.QUEUED,
        f"reminder:{staying.id}:day_before",
    )
    # The on-the-day reminder goes to the one still booked.
    assert fire(session, settings, ON_THE_DAY_DUE) == 1
    assert queued(session)[-1].send_key == f"reminder:{staying.id}:on_the_day"


# ---------------------------------------------------------------------------------------------
# The tutor's message

TUTOR_TEXT = "Lovely work today!  Bring one photo you like next week 📷 - Sam"
TUTOR_DUE = utc(2026, 11, 26, 10, 0)  # Thursday 10:00 GMT, two days after Tuesday's session


@pytest.fixture
def tutored(session):
    return create_course(
        session,
        title="Art for wellbeing",
        location="Room 4",
        tutor_message=TUTOR_TEXT,
        tutor_message_days_after=2,
    )


def test_the_tutors_message_goes_2_days_after_at_10_exactly_as_written_when_a_session_follows(
    session, settings, tutored
):
    tuesday = planned(session, settings, tutored)
    planned(session, settings, tutored, START + timedelta(days=7))
    booking = book(session, tuesday)
    assert times_of(session, tuesday)[ReminderKind.TUTOR].due_at == TUTOR_DUE

    assert fire(session, settings, TUTOR_DUE - timedelta(minutes=1)) == 0
    assert fire(session, settings, TUTOR_DUE) == 1

    (message,) = messages(session, "tutor")
    assert message.body == TUTOR_TEXT
    assert message.choices is None
    assert message.send_key == f"reminder:{booking.id}:tutor"
    assert message.enrolment_id == booking.id
    assert message.not_after == TUTOR_DUE + timedelta(days=1)
    # It asks nothing, so no answer is expected.
    assert session.scalar(select(ConversationState)) is None


@pytest.mark.parametrize("later", ["none", "cancelled"])
def test_the_tutors_message_is_not_sent_when_no_session_of_the_course_follows(
    session, settings, tutored, later
):
    tuesday = planned(session, settings, tutored)
    if later == "cancelled":
        planned(
            session, settings, tutored, START + timedelta(days=7), status=SessionStatus.CANCELLED
        )
    book(session, tuesday)

    assert fire(session, settings, TUTOR_DUE) == 0

    assert messages(session, "tutor") == []
    assert times_of(session, tuesday)[ReminderKind.TUTOR].fired is True
