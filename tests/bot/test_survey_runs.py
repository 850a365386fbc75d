"""Who a run asks and when: the automatic survey after a session, course and list cohorts, and
the export of every answer, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.attendance import mark
from bot.conversation import pending
from bot.exports import response_rows
from bot.models import (
    Attendance,
    Cohort,
    ConsentPurpose,
    Direction,
    InviteStatus,
    Message,
    ParticipantStatus,
    SessionStatus,
    Survey,
    SurveyInvite,
    SurveyRun,
    SurveyRunStatus,
)
from bot.settings import Settings, SurveySettings, load_settings
from bot.surveys import runs
from bot.surveys.stepping import fire_due_surveys
from tests.factories import (
    create_address,
    create_answer,
    create_consent,
    create_course,
    create_course_session,
    create_enrolment,
    create_membership,
    create_participant,
)

# Tuesday 24 November 2026, 2pm to 4pm London time (GMT).
START = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
END = START + timedelta(hours=2)
AFTER = Settings(surveys=SurveySettings(after_session="post-session"))


def person(session, *, surveys=True, status=ParticipantStatus.ACTIVE):
    participant = create_participant(session, status=status)
    create_address(session, participant)
    create_consent(session, participant.id, purpose=ConsentPurpose.SURVEYS, granted=surveys)
    return participant


def came(session, course_session, participant, attendance=Attendance.ATTENDED):
    booking = create_enrolment(session, course_session, participant)
    mark(session, booking, attendance, Settings(), END)
    return booking


def run_for(session, course_session) -> SurveyRun | None:
    session.expire_all()
    return session.scalar(select(SurveyRun).where(SurveyRun.session_id == course_session.id))


def asked(session, participant) -> list[str]:
    session.expire_all()
    return list(
        session.scalars(
            select(Message.body).where(
                Message.participant_id == participant.id,
                Message.direction == Direction.OUTBOUND,
                Message.kind == "survey",
            )
        )
    )


@pytest.fixture
def art(session):
    course = create_course(session, title="Art for wellbeing")
    return create_course_session(session, course, starts_at=START, length=timedelta(hours=2))


def test_the_after_session_survey_starts_two_hours_after_the_end_for_those_who_came(session, art):
    there, away = person(session), person(session)
    came(session, art, there)
    came(session, art, away, Attendance.MISSED)
    session.flush()

    assert fire_due_surveys(session, AFTER, END + timedelta(hours=1, minutes=59)) == 0
    assert run_for(session, art) is None

    assert fire_due_surveys(session, AFTER, END + timedelta(hours=2)) == 2
    run = run_for(session, art)
    assert (run.cohort, run.status) == (Cohort.SESSION, SurveyRunStatus.RUNNING)
    assert len(asked(session, there)) == 2
    assert asked(session, away) == []


def test_the_after_session_survey_is_made_once_however_many_passes_look(session, art):
    came(session, art, person(session))
    for minutes in (0, 1, 30):
        fire_due_surveys(session, AFTER, END + timedelta(hours=2, minutes=minutes))
    session.expire_all()
    assert len(session.scalars(select(SurveyRun)).all()) == 1


def test_someone_marked_as_having_come_after_the_survey_started_is_asked_too(session, art):
    early, late = person(session), person(session)
    came(session, art, early)
    late_booking = create_enrolment(session, art, late)
    fire_due_surveys(session, AFTER, END + timedelta(hours=2))
    assert asked(session, late) == []

    mark(session, late_booking, Attendance.ATTENDED, Settings(), END + timedelta(hours=3))
    fire_due_surveys(session, AFTER, END + timedelta(hours=3))
    assert len(asked(session, late)) == 2


def test_no_survey_is_sent_when_it_is_off_in_settings_or_for_the_course(session, art):
    came(session, art, person(session))
    fire_due_surveys(session, Settings(), END + timedelta(hours=2))
    assert run_for(session, art) is None

    art.course.survey_after_session = "off"
    fire_due_surveys(session, AFTER, END + timedelta(hours=2))
    assert run_for(session, art) is None


def test_a_course_can_choose_its_own_after_session_survey(session, art):
    came(session, art, person(session))
    art.course.survey_after_session = "what-matters"
    fire_due_surveys(session, Settings(), END + timedelta(hours=2))
    run = run_for(session, art)
    assert session.get(Survey, run.survey_id).key == "what-matters"
    assert session.get(type(run), run.id).expires_at == END + timedelta(hours=2, days=7)


def test_a_cancelled_session_or_one_long_past_gets_no_survey(session, art):
    came(session, art, person(session))
    art.status = SessionStatus.CANCELLED
    fire_due_surveys(session, AFTER, END + timedelta(hours=2))
    assert run_for(session, art) is None

    art.status = SessionStatus.SCHEDULED
    # More than a day late (the worker was down, or surveys were just switched on): a survey
    # about the day before yesterday is worse than none.
    fire_due_surveys(session, AFTER, END + timedelta(hours=2, days=1, minutes=1))
    assert run_for(session, art) is None


def test_a_course_run_invites_only_members_who_can_be_asked(session):
    course = create_course(session)
    yes, no = person(session), person(session, surveys=False)
    stopped = person(session, status=ParticipantStatus.STOPPED)
    for member in (yes, no, stopped):
        create_membership(session, course, member)
    now = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
    run = runs.create_run(session, Settings(), now=now, survey_key="what-matters", course=course)
    fire_due_surveys(session, Settings(), now)
    session.expire_all()
    invited = session.scalars(
        select(SurveyInvite.participant_id).where(SurveyInvite.run_id == run.id)
    )
    assert list(invited) == [yes.id]


def test_a_run_set_for_later_waits_for_its_time(session):
    alex = person(session)
    now = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
    later = now + timedelta(days=1)
    run = runs.create_run(
        session, Settings(), now=now, survey_key="what-matters", people=[alex], starts_at=later
    )
    assert fire_due_surveys(session, Settings(), now) == 0
    assert fire_due_surveys(session, Settings(), later) == 2
    session.expire_all()
    assert run.status is SurveyRunStatus.RUNNING


def test_a_run_needs_one_group_and_a_known_survey(session):
    now = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
    with pytest.raises(runs.RunError, match="choose one group"):
        runs.create_run(session, Settings(), now=now, survey_key="what-matters")
    with pytest.raises(runs.RunError, match='no survey "nope"'):
        runs.create_run(session, Settings(), now=now, survey_key="nope", people=[person(session)])
    with pytest.raises(runs.RunError, match="empty"):
        runs.create_run(session, Settings(), now=now, ask_text="   ", people=[person(session)])


def test_closing_a_run_ends_every_open_invite_and_drops_the_open_question(session):
    alex = person(session)
    now = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
    run = runs.create_run(session, Settings(), now=now, survey_key="what-matters", people=[alex])
    fire_due_surveys(session, Settings(), now)
    runs.close(session, run, now)
    session.flush()
    session.expire_all()
    invite = session.scalars(select(SurveyInvite)).one()
    assert invite.status is InviteStatus.EXPIRED
    assert pending(session, alex.id) is None


def test_the_export_names_a_group_question_by_its_run(session):
    alex = person(session)
    now = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
    run = runs.create_run(session, Settings(), now=now, ask_text="What helps?", people=[alex])
    create_answer(session, run, alex, question_key="ask", raw_text="A lift", parsed_value=None)
    session.flush()
    rows = list(response_rows(session))
    assert rows[0][1:5] == [f"ask-{run.id}", "ask", "A lift", ""]


def test_the_settings_for_the_after_session_survey_are_read_from_the_file(tmp_path):
    path = tmp_path / "voices.toml"
    path.write_text('[surveys]\nafter_session = "what-matters"\nafter_session_hours = 3\n')
    loaded = load_settings(path, env={})
    assert loaded.surveys == SurveySettings(after_session="what-matters", after_session_hours=3.0)


def test_a_session_is_given_the_same_survey_once_with_a_clear_refusal_the_second_time(session, art):
    now = END + timedelta(hours=1)
    first = runs.create_run(
        session, Settings(), now=now, survey_key="post-session", course_session=art
    )
    with pytest.raises(runs.RunError, match=f"already has this survey: see run {first.id}"):
        runs.create_run(session, Settings(), now=now, survey_key="post-session", course_session=art)
