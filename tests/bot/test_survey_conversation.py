"""A survey from the worker's first question to the last answer, driven through
`bot.inbox.receive` as every channel drives it, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import delete, select, update

from bot import copy
from bot.due import fire_due
from bot.events import InboundMessage, split_tag
from bot.inbox import receive
from bot.models import (
    Answer,
    Channel,
    Consent,
    ConsentPurpose,
    ConversationState,
    Direction,
    Enrolment,
    Flag,
    FlagKind,
    InviteStatus,
    Message,
    MessageStatus,
    ParticipantStatus,
    PendingQuestion,
    Rsvp,
    SurveyInvite,
    SurveyRunStatus,
)
from bot.reminders.schedule import schedule_session
from bot.settings import Settings
from bot.surveys import definitions, runs, stepping
from bot.surveys.stepping import fire_due_surveys
from tests.factories import (
    create_address,
    create_consent,
    create_course,
    create_course_session,
    create_enrolment,
    create_membership,
    create_participant,
)

# Monday 23 November 2026, 11:00 in London (GMT): inside the 09:00-20:00 sending hours.
NOW = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
PHONE = "+447911000101"
CHAT = "777001"
_ids = itertools.count(1)

INTRO = (
    "We have 4 short questions about your session. Text SKIP to miss one. "
    "Text STOP SURVEY to finish early."
)
SCALE_SMS = (
    "How was the session today?\n1 Very bad\n2 Bad\n3 OK\n4 Good\n5 Very good\n"
    "Reply 1, 2, 3, 4 or 5."
)
WELCOME_SMS = "Did you feel welcome?\nReply YES or NO."


def words(key: str) -> str:
    return copy.text(key)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def person(session, *, channel=Channel.SMS, value=PHONE, surveys=True, language="en"):
    participant = create_participant(session, language=language)
    create_address(session, participant, channel=channel, value=value)
    create_consent(session, participant.id, purpose=ConsentPurpose.SURVEYS, granted=surveys)
    create_consent(session, participant.id, purpose=ConsentPurpose.REMINDERS)
    return participant


def start(session, people, survey="post-session", **kw):
    run = runs.create_run(session, Settings(), now=NOW, survey_key=survey, people=people, **kw)
    session.commit()
    return run


def worker_pass(session, when=None) -> int:
    queued = fire_due_surveys(session, Settings(), when or NOW)
    session.commit()
    return queued


def send(session, text, *, to=PHONE, channel=Channel.SMS, button=False) -> None:
    receive(session, InboundMessage(channel, to, f"SM{next(_ids):032x}", text, button=button))
    session.commit()


def press(session, data: str, *, to=CHAT) -> None:
    """A Telegram button press: the callback data is split as the channel parser splits it."""
    value, tag = split_tag(data)
    message = InboundMessage(Channel.TELEGRAM, to, f"U{next(_ids)}", value, button=True, tag=tag)
    receive(session, message)
    session.commit()


def outbound(session, participant) -> list[Message]:
    session.expire_all()
    return list(
        session.scalars(
            select(Message)
            .where(
                Message.participant_id == participant.id, Message.direction == Direction.OUTBOUND
            )
            .order_by(Message.id)
        )
    )


def bodies(session, participant) -> list[str]:
    return [m.body for m in outbound(session, participant)]


def answers(session, participant) -> list[tuple[str, str | None, str | None]]:
    session.expire_all()
    rows = session.scalars(
        select(Answer).where(Answer.participant_id == participant.id).order_by(Answer.id)
    )
    return [(a.question_key, a.raw_text, a.parsed_value) for a in rows]


def invite_of(session, participant) -> SurveyInvite:
    session.expire_all()
    return session.scalars(
        select(SurveyInvite).where(SurveyInvite.participant_id == participant.id)
    ).one()


def pending(session, participant) -> ConversationState | None:
    session.expire_all()
    return session.scalar(
        select(ConversationState).where(ConversationState.participant_id == participant.id)
    )


def reminder_reaches(session, participant) -> None:
    """The dispatcher's part, for these tests: the queued reminder goes to the provider."""
    session.execute(
        update(Message)
        .where(Message.participant_id == participant.id, Message.kind == "reminder")
        .values(status=MessageStatus.SENT)
    )
    session.commit()


# ---------------------------------------------------------------------------------------------


def test_the_worker_sends_the_intro_then_the_first_question_as_separate_messages(session, clock):
    alex = person(session)
    start(session, [alex])
    assert worker_pass(session) == 2
    assert bodies(session, alex) == [INTRO, SCALE_SMS]
    state = pending(session, alex)
    assert state.pending is PendingQuestion.SURVEY
    assert invite_of(session, alex).question_key == "how_was_it"


def test_answers_people_really_send_are_understood_and_kept_raw_beside_the_value(session, clock):
    alex = person(session)
    start(session, [alex])
    worker_pass(session)
    send(session, "5 - great")
    send(session, "yeah")
    send(session, "help to get there")
    send(session, "  The room was cold,   and I liked the tea  ")
    assert answers(session, alex) == [
        ("how_was_it", "5 - great", "5"),
        ("felt_welcome", "yeah", "yes"),
        ("what_helps", "help to get there", "2"),
        # Free text is kept exactly: spaces and all.
        ("anything_else", "  The room was cold,   and I liked the tea  ", None),
    ]
    assert invite_of(session, alex).status is InviteStatus.DONE


def test_each_answer_brings_the_next_question_and_the_last_brings_the_thanks(session, clock):
    alex = person(session)
    start(session, [alex])
    worker_pass(session)
    send(session, "four")
    send(session, "👍")
    said = bodies(session, alex)
    assert said[2] == WELCOME_SMS
    assert said[3].startswith("What would help you most next time?\n1 A text the day before\n")
    send(session, "4")
    send(session, "skip")
    said = bodies(session, alex)
    assert said[4] == (
        "Is there anything else you want to tell us? Use your own words.\nReply in your own words."
    )
    assert said[5] == "Thank you. Your answers help us make the sessions better."
    # Their first survey: we ask once whether we may quote them.
    assert said[6].startswith("Can we share what you said in our reports?")
    assert answers(session, alex)[-1] == ("anything_else", "skip", "skipped")


def test_a_reply_not_understood_gets_one_kind_reprompt_then_is_skipped_and_noted(session, clock):
    alex = person(session)
    start(session, [alex])
    worker_pass(session)
    send(session, "purple")
    assert bodies(session, alex)[-1] == (
        words("survey.reprompt") + "\n" + SCALE_SMS + "\nText SKIP to miss this question."
    )
    assert answers(session, alex) == []
    send(session, "7")
    assert bodies(session, alex)[-2:] == [words("survey.moving_on"), WELCOME_SMS]
    assert answers(session, alex) == [("how_was_it", "7", "not understood")]


def test_stop_survey_ends_the_survey_but_is_not_an_opt_out(session, clock):
    alex = person(session)
    start(session, [alex])
    worker_pass(session)
    send(session, "stop survey")
    session.expire_all()
    assert bodies(session, alex)[-1] == words("survey.stopped")
    assert invite_of(session, alex).status is InviteStatus.STOPPED
    assert alex.status is ParticipantStatus.ACTIVE
    assert pending(session, alex) is None


def test_telegram_shows_buttons_with_faces_and_a_skip_button(session, clock):
    sam = person(session, channel=Channel.TELEGRAM, value=CHAT)
    start(session, [sam])
    worker_pass(session)
    question = outbound(session, sam)[1]
    assert question.body == "How was the session today?\nTap a button to answer."
    tag = pending(session, sam).context["tag"]
    assert question.choices == [
        ["😞 Very bad", f"1|{tag}"],
        ["🙁 Bad", f"2|{tag}"],
        ["😐 OK", f"3|{tag}"],
        ["🙂 Good", f"4|{tag}"],
        ["😀 Very good", f"5|{tag}"],
        ["Skip", f"skip|{tag}"],
    ]
    press(session, f"4|{tag}")
    assert answers(session, sam) == [("how_was_it", "4", "4")]
    next_tag = pending(session, sam).context["tag"]
    assert next_tag != tag
    assert outbound(session, sam)[-1].choices == [
        ["Yes", f"yes|{next_tag}"],
        ["No", f"no|{next_tag}"],
        ["Skip", f"skip|{next_tag}"],
    ]


def test_a_second_tap_under_an_old_question_answers_nothing_and_points_to_the_newest(
    session, clock
):
    sam = person(session, channel=Channel.TELEGRAM, value=CHAT)
    start(session, [sam])
    worker_pass(session)
    first_tag = pending(session, sam).context["tag"]
    press(session, f"4|{first_tag}")
    # The same button again, or another under the first question: the open question is now
    # "Did you feel welcome?", and a "2" from the old keyboard is not an answer to it.
    press(session, f"2|{first_tag}")
    assert answers(session, sam) == [("how_was_it", "4", "4")]
    assert bodies(session, sam)[-1] == words("general.old_button")
    assert pending(session, sam).context["question"] == "felt_welcome"


def test_whatsapp_lists_faces_but_sms_never_does(session, clock):
    kim = person(session, channel=Channel.WHATSAPP, value="+447911000102")
    alex = person(session)
    start(session, [kim, alex])
    worker_pass(session)
    assert "\n5 😀 Very good\n" in outbound(session, kim)[1].body
    assert "😀" not in outbound(session, alex)[1].body


def test_polish_speakers_get_polish_words_and_english_where_a_piece_is_missing(session, clock):
    ola = person(session, language="pl")
    start(session, [ola])
    worker_pass(session)
    intro, question = bodies(session, ola)
    assert intro.startswith("Mamy 4 krótkie pytania")
    assert question.startswith("Jak było dzisiaj na zajęciach?\n1 Bardzo źle\n")
    send(session, "pięć")
    assert answers(session, ola) == [("how_was_it", "pięć", "5")]
    send(session, "tak")
    assert answers(session, ola)[-1] == ("felt_welcome", "tak", "yes")


def test_people_who_did_not_agree_to_surveys_are_never_asked(session, clock):
    alex = person(session, surveys=False)
    run = start(session, [alex])
    assert worker_pass(session) == 0
    assert bodies(session, alex) == []
    assert session.scalars(select(SurveyInvite).where(SurveyInvite.run_id == run.id)).all() == []


def test_nobody_is_asked_outside_their_hours_and_they_are_asked_when_the_hours_open(session):
    alex = person(session)
    late = datetime(2026, 11, 23, 21, 30, tzinfo=UTC)
    with time_machine.travel(late, tick=False):
        runs.create_run(session, Settings(), now=late, survey_key="post-session", people=[alex])
        session.commit()
        assert worker_pass(session, late) == 0
    morning = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    with time_machine.travel(morning, tick=False):
        assert worker_pass(session, morning) == 2


def test_a_paused_run_asks_nothing_new_and_asks_the_next_question_when_resumed(session, clock):
    alex = person(session)
    run = start(session, [alex])
    worker_pass(session)
    runs.pause(session, run)
    session.commit()
    send(session, "3")
    # The answer counts, but the next question waits.
    assert answers(session, alex) == [("how_was_it", "3", "3")]
    assert bodies(session, alex)[-1] == words("survey.paused_saved")
    assert WELCOME_SMS not in bodies(session, alex)
    assert worker_pass(session) == 0
    runs.resume(session, run)
    session.commit()
    assert worker_pass(session) == 1
    assert bodies(session, alex)[-1] == WELCOME_SMS


def test_one_gentle_nudge_goes_before_the_run_expires_and_never_twice(session, clock):
    alex = person(session)
    start(session, [alex])
    worker_pass(session)
    assert worker_pass(session, NOW + timedelta(days=2)) == 0
    nudge_day = NOW + timedelta(days=3, minutes=1)
    assert worker_pass(session, nudge_day) == 2
    assert bodies(session, alex)[-2:] == [
        words("survey.nudge"),
        SCALE_SMS,
    ]
    assert worker_pass(session, nudge_day + timedelta(hours=1)) == 0


def test_an_expired_run_stops_asking_and_a_late_answer_is_kept_for_staff(session, clock):
    alex = person(session)
    run = start(session, [alex])
    worker_pass(session)
    after = NOW + timedelta(days=7, minutes=1)
    worker_pass(session, after)
    session.expire_all()
    assert run.status is SurveyRunStatus.EXPIRED
    assert invite_of(session, alex).status is InviteStatus.EXPIRED
    assert pending(session, alex) is None
    with time_machine.travel(after, tick=False):
        send(session, "5")
    assert answers(session, alex) == []
    kept = session.scalars(
        select(Message).where(Message.direction == Direction.INBOUND, Message.body == "5")
    ).one()
    assert kept.participant_id == alex.id


def test_a_question_is_not_sent_while_another_question_is_open(session, clock):
    alex = person(session)
    start(session, [alex])
    start(session, [alex], survey="what-matters")
    worker_pass(session)
    # One survey at a time: the second waits until the first is done.
    assert len(bodies(session, alex)) == 2
    assert worker_pass(session) == 0


def test_the_second_survey_starts_once_the_first_is_finished(session, clock):
    alex = person(session)
    start(session, [alex])
    start(session, [alex], survey="what-matters")
    worker_pass(session)
    send(session, "stop survey")
    assert worker_pass(session) == 2
    assert bodies(session, alex)[-2].startswith("We want to know what matters to you.")


def test_agreeing_to_be_quoted_and_to_hear_back_is_asked_once_and_recorded(session, clock):
    alex = person(session)
    start(session, [alex])
    worker_pass(session)
    for reply in ("4", "yes", "1", "It was good"):
        send(session, reply)
    send(session, "yes")
    assert bodies(session, alex)[-1].startswith("Can we tell you later what changed")
    send(session, "no")
    assert bodies(session, alex)[-1] == words("consent_more.saved")
    session.expire_all()
    given = {
        (c.purpose, c.granted)
        for c in session.scalars(select(Consent).where(Consent.participant_id == alex.id))
    }
    assert (ConsentPurpose.QUOTING, True) in given
    assert (ConsentPurpose.FEEDBACK, False) in given
    # A second survey does not ask again.
    start(session, [alex], survey="what-matters")
    worker_pass(session)
    for reply in ("1", "5", "no", "Nothing"):
        send(session, reply)
    assert bodies(session, alex)[-1] == "Thank you for telling us what matters to you."


def test_a_reminder_comes_first_and_the_survey_asks_its_question_again_afterwards(session):
    """The turn-taking rule (docs/surveys.md): the reminder's "are you coming?" takes the place
    of the open survey question; once it is answered, the survey asks again."""
    alex = person(session)
    course = create_course(session, title="Art for wellbeing")
    create_membership(session, course, alex)
    # Tuesday 24 November 2026 at 2:30pm: the day-before reminder falls due at 10:00 on Monday.
    tomorrow = create_course_session(
        session, course, starts_at=datetime(2026, 11, 24, 14, 30, tzinfo=UTC)
    )
    create_enrolment(session, tomorrow, alex)
    schedule_session(session, tomorrow, Settings())
    asked = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    with time_machine.travel(asked, tick=False):
        runs.create_run(session, Settings(), now=asked, survey_key="post-session", people=[alex])
        session.commit()
        fire_due(session, Settings(), asked)
        session.commit()
    assert pending(session, alex).pending is PendingQuestion.SURVEY
    reminder_time = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    with time_machine.travel(reminder_time, tick=False):
        fire_due(session, Settings(), reminder_time)
        session.commit()
        assert pending(session, alex).pending is PendingQuestion.RSVP
        # While the reminder's question is open, the survey does not ask again.
        assert worker_pass(session, reminder_time) == 0
        reminder_reaches(session, alex)
        send(session, "1")
    session.expire_all()
    booking = session.scalars(select(Enrolment)).one()
    assert booking.rsvp is Rsvp.COMING
    assert answers(session, alex) == []
    later = reminder_time + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        assert worker_pass(session, later) == 1
        assert bodies(session, alex)[-1] == words("survey.asked_again") + "\n" + SCALE_SMS
        send(session, "4")
    assert answers(session, alex) == [("how_was_it", "4", "4")]


def test_people_outside_their_own_hours_do_not_hold_back_the_people_behind_them(
    session, clock, monkeypatch
):
    monkeypatch.setattr(stepping, "PER_PASS", 2)
    evening_only = [person(session, value=f"+4479110003{n:02d}") for n in range(3)]
    for someone in evening_only:
        someone.quiet_hours = "18:00-20:00"
    others = [person(session, value=f"+4479110004{n:02d}") for n in range(3)]
    start(session, [*evening_only, *others])
    # Two people a pass, each sent the intro and the first question.
    assert worker_pass(session) == 4
    assert worker_pass(session) == 2
    assert all(len(bodies(session, someone)) == 2 for someone in others)
    assert all(bodies(session, someone) == [] for someone in evening_only)


def test_a_reply_sent_before_the_reminder_reaches_them_answers_the_survey_question(session):
    """The reminder was queued (its question opened) but is still waiting for their hours or
    the dispatcher: their "2" is for the survey question they can see, not "can't come"."""
    alex, booking = surveyed_and_booked(session)
    reminder_time = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    with time_machine.travel(reminder_time, tick=False):
        fire_due(session, Settings(), reminder_time)
        session.commit()
        send(session, "2")
        assert answers(session, alex) == [("how_was_it", "2", "2")]
        session.expire_all()
        assert booking.rsvp is Rsvp.NONE
        # The reminder's question stays open, and the survey waits for it.
        assert pending(session, alex).pending is PendingQuestion.RSVP
        assert bodies(session, alex)[-1] == words("survey.paused_saved")
        reminder_reaches(session, alex)
        send(session, "2")
        session.expire_all()
        assert booking.rsvp is Rsvp.CANT_COME
        assert answers(session, alex) == [("how_was_it", "2", "2")]


def test_an_unanswered_reminder_does_not_hold_back_a_survey_once_its_session_has_begun(
    session,
):
    alex, _booking = surveyed_and_booked(session, survey_first=False)
    reminder_time = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    with time_machine.travel(reminder_time, tick=False):
        fire_due(session, Settings(), reminder_time)
        session.commit()
        runs.create_run(
            session, Settings(), now=reminder_time, survey_key="what-matters", people=[alex]
        )
        session.commit()
        # "Are you coming?" is open and still means something: the survey waits.
        assert worker_pass(session, reminder_time) == 0
    # The session began at 2:30pm the next day; the RSVP question is stale after that.
    later = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
    with time_machine.travel(later, tick=False):
        assert worker_pass(session, later) == 2
        assert pending(session, alex).pending is PendingQuestion.SURVEY


def test_sharing_questions_left_unanswered_do_not_hold_back_the_next_survey_or_come_again(
    session, clock
):
    alex = person(session)
    start(session, [alex], survey="what-matters")
    worker_pass(session)
    for reply in ("1", "5", "no", "Nothing"):
        send(session, reply)
    assert pending(session, alex).pending is PendingQuestion.CONSENT_QUOTING
    start(session, [alex])
    assert worker_pass(session) == 0  # the sharing question is still fresh
    next_day = NOW + timedelta(days=1, minutes=1)
    with time_machine.travel(next_day, tick=False):
        assert worker_pass(session, next_day) == 2
        for reply in ("4", "yes", "1", "Fine"):
            send(session, reply)
    # Asked once: no answer is a no, and they are not asked again after every survey.
    assert bodies(session, alex)[-1] == words_of("post-session", "thanks")
    sharing = [b for b in bodies(session, alex) if b.startswith("Can we share")]
    assert len(sharing) == 1


def test_the_nudge_never_comes_with_the_first_asking_of_a_question(session, clock):
    alex = person(session)
    run = start(session, [alex])
    # First asked after the run's nudge time (their hours were closed until then, say).
    late = run.nudge_at + timedelta(hours=1)
    with time_machine.travel(late, tick=False):
        assert worker_pass(session, late) == 2
        assert words("survey.nudge") not in bodies(session, alex)


def test_a_question_asked_again_and_again_ends_the_invite_so_the_next_survey_can_start(
    session, clock, monkeypatch
):
    alex = person(session)
    start(session, [alex])
    start(session, [alex], survey="what-matters")
    worker_pass(session)
    monkeypatch.setattr(stepping, "MAX_TIMES_ASKED", 1)
    # Something took the question's place and was settled; asked once already, it ends.
    session.execute(delete(ConversationState))
    session.commit()
    assert worker_pass(session) == 2
    session.expire_all()
    statuses = [i.status for i in session.scalars(select(SurveyInvite).order_by(SurveyInvite.id))]
    assert statuses == [InviteStatus.EXPIRED, InviteStatus.ASKING]
    assert bodies(session, alex)[-2].startswith("We want to know what matters to you.")


def words_of(survey: str, piece: str) -> str:
    return getattr(definitions.get(survey), piece).in_language("en")


def surveyed_and_booked(session, *, survey_first: bool = True):
    """Someone on the first post-session question at 9:30, booked on a session at 2:30pm the
    next day, whose day-before reminder falls due at 10:00."""
    alex = person(session)
    course = create_course(session, title="Art for wellbeing")
    create_membership(session, course, alex)
    tomorrow = create_course_session(
        session, course, starts_at=datetime(2026, 11, 24, 14, 30, tzinfo=UTC)
    )
    booking = create_enrolment(session, tomorrow, alex)
    schedule_session(session, tomorrow, Settings())
    session.commit()
    if survey_first:
        asked = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
        with time_machine.travel(asked, tick=False):
            runs.create_run(
                session, Settings(), now=asked, survey_key="post-session", people=[alex]
            )
            session.commit()
            worker_pass(session, asked)
    return alex, booking


def test_a_free_text_answer_that_mentions_a_stop_is_kept_as_the_answer(session, clock):
    alex = person(session)
    start(session, [alex], survey="what-matters")
    worker_pass(session)
    for reply in ("1", "5", "no"):
        send(session, reply)
    send(session, "The bus stop is too far from the centre")
    session.expire_all()
    assert answers(session, alex)[-1] == (
        "do_better",
        "The bus stop is too far from the centre",
        None,
    )
    assert alex.status is ParticipantStatus.ACTIVE
    # A person still reads it, in case it was a request after all.
    flag = session.scalars(select(Flag)).one()
    assert flag.kind is FlagKind.STOP_REQUEST


def test_a_clear_request_to_stop_texting_is_heard_even_in_a_free_text_answer(session, clock):
    alex = person(session)
    start(session, [alex], survey="what-matters")
    worker_pass(session)
    for reply in ("1", "5", "no"):
        send(session, reply)
    send(session, "please stop texting me")
    session.expire_all()
    assert alex.status is ParticipantStatus.PAUSED
    assert answers(session, alex)[-1][0] == "help_plan"


@pytest.mark.parametrize("text", ["stop survey please", "STOP SURVEYS", "end the survey"])
def test_ways_of_saying_stop_survey_end_the_survey_and_pause_nothing(session, clock, text):
    alex = person(session)
    start(session, [alex])
    worker_pass(session)
    send(session, text)
    session.expire_all()
    assert invite_of(session, alex).status is InviteStatus.STOPPED
    assert alex.status is ParticipantStatus.ACTIVE
