"""`voices survey`, `voices ask` and `voices action`, end to end through the command line and the
worker's survey pass, on a real migrated database (SQLite and PostgreSQL)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from bot import copy
from bot.db import make_engine, make_session_factory
from bot.events import InboundMessage
from bot.inbox import receive
from bot.models import (
    Answer,
    AuditEvent,
    Channel,
    ConsentPurpose,
    Direction,
    Message,
    SurveyRun,
    SurveyRunStatus,
)
from bot.settings import Settings
from bot.surveys.stepping import fire_due_surveys
from tests.factories import (
    create_address,
    create_consent,
    create_course,
    create_membership,
    create_participant,
)
from tests.voices.test_attendance_cli import run

NOW = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
_ids = itertools.count(1)


def member(db, course, n: int, *, feedback=True, quoting=True):
    person = create_participant(db, pseudonym=f"V-S{n:03d}")
    create_address(db, person, value=f"+4479110002{n:02d}")
    create_membership(db, course, person)
    create_consent(db, person.id, purpose=ConsentPurpose.SURVEYS)
    create_consent(db, person.id, purpose=ConsentPurpose.FEEDBACK, granted=feedback)
    create_consent(db, person.id, purpose=ConsentPurpose.QUOTING, granted=quoting)
    return person


def writer(database_url):
    """A separate session that writes, as the worker and the web process do."""
    return make_session_factory(make_engine(database_url))()


def worker_pass(database_url, when=NOW):
    with writer(database_url) as session, time_machine.travel(when, tick=False):
        fire_due_surveys(session, Settings(), when)
        session.commit()


def reply(database_url, phone, text, when=NOW):
    with writer(database_url) as session, time_machine.travel(when, tick=False):
        receive(session, InboundMessage(Channel.SMS, phone, f"SM{next(_ids):032x}", text))
        session.commit()


def sent_to(db, person) -> list[str]:
    db.rollback()
    return list(
        db.scalars(
            select(Message.body)
            .where(Message.participant_id == person.id, Message.direction == Direction.OUTBOUND)
            .order_by(Message.id)
        )
    )


def test_a_group_question_goes_to_a_course_and_the_replies_come_back_word_for_word(
    config, db, empty_database_url
):
    art = create_course(db, code="ART1")
    people = [member(db, art, n) for n in (1, 2, 3)]
    db.commit()
    question = "On Tuesday we talk about evening courses. What would help you come?"
    result = run(config, "ask", question, "--course", "art1", at=NOW)
    assert result.exit_code == 0, result.output
    assert "Group question run 1 is set" in result.output
    worker_pass(empty_database_url)
    asked = question + "\n" + copy.text("ask.how_to_reply")
    assert all(sent_to(db, person) == [asked] for person in people)
    reply(empty_database_url, "+447911000201", "a lift would help, and   food!")
    reply(empty_database_url, "+447911000202", "skip")
    assert sent_to(db, people[0])[-1] == copy.text("ask.thanks")
    result = run(config, "survey", "results", "1", at=NOW)
    assert result.exit_code == 0, result.output
    assert "1 answered, 1 skipped, 0 not understood" in result.output
    assert "- answer 1 V-S001 [quotable]: a lift would help, and   food!" in result.output


def test_results_mark_only_quotes_from_people_who_agreed_to_be_quoted(
    config, db, empty_database_url
):
    art = create_course(db, code="ART1")
    member(db, art, 1, quoting=False)
    db.commit()
    run(config, "ask", "What should we change?", "--course", "ART1", at=NOW)
    worker_pass(empty_database_url)
    reply(empty_database_url, "+447911000201", "More breaks")
    result = run(config, "survey", "results", "1", at=NOW)
    assert "V-S001 [not for quoting]: More breaks" in result.output
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "survey.results"))


def test_survey_results_give_counts_and_percentages_for_each_answer(config, db, empty_database_url):
    art = create_course(db, code="ART1")
    for n in (1, 2, 3, 4):
        member(db, art, n)
    db.commit()
    assert run(config, "survey", "start", "post-session", "--course", "ART1", at=NOW).exit_code == 0
    worker_pass(empty_database_url)
    for n, answer in zip((1, 2, 3, 4), ("5", "very good", "4", "purple"), strict=True):
        reply(empty_database_url, f"+4479110002{n:02d}", answer)
    reply(empty_database_url, "+447911000204", "skip")
    result = run(config, "survey", "results", "1", at=NOW)
    lines = [" ".join(line.split()) for line in result.output.splitlines()]
    assert "3 answered, 1 skipped, 0 not understood" in lines
    assert "4 Good 1 33.3%" in lines
    assert "5 Very good 2 66.7%" in lines
    assert "1 Very bad 0 0.0%" in lines


def test_a_run_can_be_paused_resumed_and_closed_and_each_change_is_audited(
    config, db, empty_database_url
):
    art = create_course(db, code="ART1")
    person = member(db, art, 1)
    db.commit()
    run(config, "survey", "start", "what-matters", "--course", "ART1", at=NOW)
    assert run(config, "survey", "pause", "1", at=NOW).output == "Run 1 is paused.\n"
    worker_pass(empty_database_url)
    assert sent_to(db, person) == []
    assert run(config, "survey", "resume", "1", at=NOW).exit_code == 0
    worker_pass(empty_database_url)
    assert sent_to(db, person)[0].startswith("We want to know what matters to you.")
    assert run(config, "survey", "close", "1", at=NOW).exit_code == 0
    again = run(config, "survey", "close", "1", at=NOW)
    assert again.exit_code == 1
    assert "already finished" in again.output
    db.rollback()
    assert db.scalars(select(SurveyRun)).one().status is SurveyRunStatus.FINISHED
    actions = set(db.scalars(select(AuditEvent.action)))
    assert {"survey.start", "survey.pause", "survey.resume", "survey.close"} <= actions


def test_an_unknown_survey_or_an_empty_group_gets_a_clear_refusal(config, db):
    create_course(db, code="ART1")
    db.commit()
    unknown = run(config, "survey", "start", "nope", "--course", "ART1", at=NOW)
    assert unknown.exit_code == 1
    assert (
        'there is no survey "nope". The surveys are: post-session, what-matters' in unknown.output
    )
    nobody = run(config, "survey", "start", "post-session", at=NOW)
    assert nobody.exit_code == 2
    assert "say who to ask" in nobody.output


def test_you_said_we_did_tells_each_contributor_who_agreed_once_and_nobody_else(
    config, db, empty_database_url
):
    art = create_course(db, code="ART1")
    agreed, refused = member(db, art, 1), member(db, art, 2, feedback=False)
    bystander = member(db, art, 3)
    db.commit()
    run(config, "ask", "What would help you come?", "--course", "ART1", at=NOW)
    worker_pass(empty_database_url)
    reply(empty_database_url, "+447911000201", "sessions after work please")
    reply(empty_database_url, "+447911000202", "evenings are better for me")
    db.rollback()
    answer_ids = [str(a.id) for a in db.scalars(select(Answer).order_by(Answer.id))]
    result = run(
        config,
        "action",
        "add",
        "--said",
        "Some of you want sessions in the evening",
        "--did",
        "We added an evening course on Thursdays",
        *[arg for a in answer_ids for arg in ("--answer", a)],
        at=NOW,
    )
    assert result.exit_code == 0, result.output
    told = run(config, "action", "tell", "1", at=NOW)
    assert told.output == (
        "Telling 1 people. Not told: 1 did not agree to hear back, 0 cannot be reached now.\n"
    )
    expected = copy.text(
        "you_said.told",
        said="Some of you want sessions in the evening.",
        did="We added an evening course on Thursdays.",
    )
    assert sent_to(db, agreed)[-1] == expected
    assert expected not in sent_to(db, refused)
    assert expected not in sent_to(db, bystander)
    # Once: telling again is refused, and nothing more is queued.
    again = run(config, "action", "tell", "1", at=NOW + timedelta(hours=1))
    assert again.exit_code == 1
    assert "already told" in again.output
    assert sent_to(db, agreed).count(expected) == 1


def test_a_paraphrase_that_repeats_someones_words_is_refused(config, db, empty_database_url):
    art = create_course(db, code="ART1")
    member(db, art, 1)
    db.commit()
    run(config, "ask", "What would help you come?", "--course", "ART1", at=NOW)
    worker_pass(empty_database_url)
    reply(empty_database_url, "+447911000201", "my bus stops running at six so I cannot come")
    result = run(
        config,
        "action",
        "add",
        "--said",
        "Your bus stops running at six.",
        "--did",
        "We moved the start time.",
        "--answer",
        "1",
        at=NOW,
    )
    assert result.exit_code == 1
    assert "in your own words" in result.output
