"""The group messages page through Flask's test client, on SQLite and PostgreSQL: a check shows
who the message reaches, who is left out and why, the cost and any easy-read warnings; only a
checked message is sent; a second press of Send sends nothing more; every send is audited; and
each copy then travels the outbox like any other message (held while paused, expired when
stale)."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from bot import broadcasts
from bot.db import make_session_factory
from bot.models import (
    AuditEvent,
    Broadcast,
    Channel,
    ConsentPurpose,
    Message,
    MessageStatus,
    ParticipantStatus,
)
from bot.sending.claiming import claim_due
from bot.sending.sweeper import sweep
from bot.settings import Settings
from tests.factories import (
    create_address,
    create_consent,
    create_course,
    create_course_session,
    create_enrolment,
    create_membership,
    create_participant,
)
from tests.webhooks.admin.conftest import csrf_from
from tests.webhooks.admin.test_surveys_pages import error_summary, html_of, post, tables

# Monday 23 November 2026, 11am in London: inside everyone's hours.
NOW = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
NEWS = "Art is in Room 2 next week. The room is on the ground floor."
SENT = "The newest group messages, with how many copies have gone"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def person(db, n: int, *, course=None, channel=Channel.SMS, agreed=True, status=None):
    someone = create_participant(db, pseudonym=f"V-G{n:03d}")
    value = f"+4479110004{n:02d}" if channel is not Channel.TELEGRAM else f"70000{n:02d}"
    create_address(db, someone, channel=channel, value=value)
    if course is not None:
        create_membership(db, course, someone)
    create_consent(db, someone.id, purpose=ConsentPurpose.REMINDERS, granted=agreed)
    if status is not None:
        someone.status = status
    return someone


def a_course_of_five(db):
    """ART1: two by SMS, one on Telegram, one who said no to session messages, one stopped."""
    art = create_course(db, code="ART1")
    people = [
        person(db, 1, course=art),
        person(db, 2, course=art),
        person(db, 3, course=art, channel=Channel.TELEGRAM),
        person(db, 4, course=art, agreed=False),
        person(db, 5, course=art, status=ParticipantStatus.STOPPED),
    ]
    db.commit()
    return art, people


def check(client, **fields):
    data = {"text": NEWS, "group": "course", "course": "ART1", "step": "check"} | fields
    return post(client, "/admin/group-messages", data)


def send_after_check(client, checked_html: str, **fields):
    """Press Send on the page a check showed, with the hidden fields it carries."""
    data = {"text": NEWS, "group": "course", "course": "ART1"} | fields
    data |= {
        "step": "send",
        "checked": hidden(checked_html, "checked"),
        "token": hidden(checked_html, "token"),
        "csrf_token": csrf_from(checked_html),
    }
    return client.post("/admin/group-messages", data=data)


def hidden(html: str, name: str) -> str:
    found = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', html)
    assert found, f"the page has no hidden {name}"
    return unescape(found.group(1))


def copies(db) -> list[Message]:
    db.rollback()
    return list(db.scalars(select(Message).where(Message.kind == "broadcast").order_by(Message.id)))


def test_a_check_shows_who_gets_the_message_who_is_left_out_and_what_it_costs(logged_in, db):
    a_course_of_five(db)
    answer = check(logged_in)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200, html[:2000]
    text = " ".join(html.split())
    assert "The group is everyone on ART1: 5 people." in text
    assert "<strong>3</strong> will get it: 2 by text message, 1 by Telegram." in text
    assert "<strong>1</strong> did not agree to hear about their sessions" in text
    assert "<strong>1</strong> cannot get messages now" in text
    # 60 GSM-7 characters: one segment each, 4p each for two SMS, Telegram free.
    assert "Each text message copy is 1 SMS segment. The whole group costs about 8p." in text
    assert "Send to 3 people" in text
    assert copies(db) == []


def test_only_a_checked_message_is_sent_and_it_goes_to_those_who_agreed_and_can_be_reached(
    logged_in, db, staff
):
    art, people = a_course_of_five(db)
    checked = check(logged_in).get_data(as_text=True)
    sent = send_after_check(logged_in, checked)
    assert sent.status_code == 303
    broadcast = db.scalars(select(Broadcast)).one()
    assert sent.headers["Location"] == f"/admin/group-messages/{broadcast.id}"
    got = copies(db)
    assert [m.participant_id for m in got] == [p.id for p in people[:3]]
    assert {m.body for m in got} == {NEWS}
    assert {m.status for m in got} == {MessageStatus.QUEUED}
    assert {m.broadcast_id for m in got} == {broadcast.id}
    assert {m.not_after for m in got} == {NOW + timedelta(days=2)}
    assert (broadcast.in_group, broadcast.queued, broadcast.not_agreed, broadcast.unreachable) == (
        5,
        3,
        1,
        1,
    )
    assert (broadcast.staff_user_id, broadcast.course_id) == (staff.id, art.id)
    audit = db.scalars(select(AuditEvent).where(AuditEvent.action == "broadcast.send")).one()
    assert (audit.staff_user_id, audit.target_type, audit.target_id) == (
        staff.id,
        "Broadcast",
        broadcast.id,
    )
    assert audit.detail == {"group": "course", "in_group": 5, "queued": 3}
    # The audit holds counts, never the words.
    assert NEWS not in str(audit.detail)


def test_pressing_send_twice_sends_the_message_once(logged_in, db):
    a_course_of_five(db)
    checked = check(logged_in).get_data(as_text=True)
    first = send_after_check(logged_in, checked)
    second = send_after_check(logged_in, checked)
    assert (first.status_code, second.status_code) == (303, 303)
    assert first.headers["Location"] == second.headers["Location"]
    assert len(copies(db)) == 3
    assert db.scalar(select(func.count()).select_from(Broadcast)) == 1
    shown = html_of(logged_in, second.headers["Location"])
    assert "was already sent. Nothing more was sent." in shown


def test_a_message_changed_after_its_check_is_checked_again_not_sent(logged_in, db):
    a_course_of_five(db)
    checked = check(logged_in).get_data(as_text=True)
    answer = send_after_check(logged_in, checked, text=NEWS + " Bring a coat.")
    assert answer.status_code == 200
    assert "Check before you send" in answer.get_data(as_text=True)
    assert copies(db) == []


def test_a_group_changed_after_its_check_is_checked_again_not_sent(logged_in, db):
    a_course_of_five(db)
    create_course(db, code="POT1")
    db.commit()
    checked = check(logged_in).get_data(as_text=True)
    answer = send_after_check(logged_in, checked, course="POT1")
    assert answer.status_code == 200
    assert "The group is everyone on POT1: 0 people." in " ".join(
        answer.get_data(as_text=True).split()
    )
    assert copies(db) == []


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"text": "   "}, "Write the message"),
        ({"text": "x" * 1601}, "The message is longer than 1600 characters"),
        ({"group": "somebody"}, "Choose who to send to"),
        ({"course": ""}, "Give the course code"),
        ({"course": "NOPE"}, "There is no course NOPE"),
        ({"group": "session"}, "Give the date of the session"),
        ({"group": "session", "date": "2026-11-30"}, "Course ART1 has no session on 2026-11-30"),
        ({"group": "people", "people": "V-NOBODY"}, "No participant called V-NOBODY"),
        ({"days": "15"}, "The number of days must be a whole number from 1 to 14"),
        ({"days": "²"}, "The number of days must be a whole number from 1 to 14"),
        ({"group": "session", "date": "9999-12-31"}, "9999-12-31 is too far ahead"),
    ],
)
def test_a_form_with_a_problem_says_what_to_fix_and_sends_nothing(logged_in, db, fields, problem):
    a_course_of_five(db)
    answer = check(logged_in, **fields)
    assert answer.status_code == 400
    assert problem in error_summary(answer.get_data(as_text=True))
    assert copies(db) == []


def test_a_session_group_is_everyone_booked_on_it_and_not_those_removed(logged_in, db):
    art = create_course(db, code="ART1")
    tuesday = create_course_session(db, art, starts_at=NOW + timedelta(days=1, hours=3))
    # A third person, not booked, is not in the group.
    booked, removed, _ = (person(db, n) for n in (1, 2, 3))
    create_enrolment(db, tuesday, booked)
    create_enrolment(db, tuesday, removed, removed_at=NOW)
    db.commit()
    checked = check(logged_in, group="session", date="2026-11-24").get_data(as_text=True)
    assert "booked on ART1, Tue 24 Nov 2026 14:00: 1 person." in " ".join(checked.split())
    send_after_check(logged_in, checked, group="session", date="2026-11-24")
    assert [m.participant_id for m in copies(db)] == [booked.id]
    assert db.scalars(select(Broadcast)).one().session_id == tuesday.id


def test_everyone_means_everyone_who_agreed_and_named_people_means_only_them(logged_in, db):
    people = [person(db, n) for n in (1, 2, 3)]
    person(db, 4, agreed=False)
    db.commit()
    checked = check(logged_in, group="everyone").get_data(as_text=True)
    assert "Send to 3 people" in checked
    checked = check(logged_in, group="people", people="v-g002, V-G004").get_data(as_text=True)
    text = " ".join(checked.split())
    assert "The group is V-G002, V-G004: 2 people." in text
    send_after_check(logged_in, checked, group="people", people="v-g002, V-G004")
    assert [m.participant_id for m in copies(db)] == [people[1].id]


def test_the_page_lists_each_group_message_with_how_far_its_copies_have_got(logged_in, db):
    a_course_of_five(db)
    send_after_check(logged_in, check(logged_in).get_data(as_text=True))
    first, second, _ = copies(db)
    db.execute(
        Message.__table__.update()
        .where(Message.id == first.id)
        .values(status=MessageStatus.DELIVERED)
    )
    db.execute(
        Message.__table__.update()
        .where(Message.id == second.id)
        .values(status=MessageStatus.FAILED)
    )
    db.commit()
    rows = tables(html_of(logged_in, "/admin/group-messages"))[SENT]
    heading, row = rows[0], rows[1]
    found = dict(zip(heading, row, strict=True))
    assert found["Group"] == "everyone on ART1"
    assert (found["Queued"], found["Waiting"], found["Delivered"], found["Not delivered"]) == (
        "3",
        "1",
        "1",
        "1",
    )
    detail = html_of(logged_in, f"/admin/group-messages/{first.broadcast_id}")
    assert "sam@college.example" in detail
    assert NEWS in detail


def test_words_staff_wrote_are_shown_escaped(logged_in, db):
    a_course_of_five(db)
    answer = check(logged_in, text="<script>alert(1)</script> Come on Tuesday.")
    html = answer.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Come on Tuesday." in html


def test_a_paused_persons_copy_waits_and_every_copy_expires_when_stale(logged_in, db, clock):
    _, people = a_course_of_five(db)
    people[1].status = ParticipantStatus.PAUSED
    db.commit()
    checked = check(logged_in, days="1").get_data(as_text=True)
    assert "<strong>1</strong> of them asked for a pause" in checked
    send_after_check(logged_in, checked, days="1")
    db.rollback()
    claim = claim_due(db, Settings(), {Channel.SMS, Channel.TELEGRAM}, NOW, 10)
    assert (len(claim.claimed), claim.held) == (2, 1)
    db.commit()
    later = NOW + timedelta(days=1, minutes=1)
    people[1].status = ParticipantStatus.ACTIVE
    db.commit()
    # The worker's sweep lets a held copy go once its person is active again.
    sweep(db, Settings(), {Channel.SMS, Channel.TELEGRAM}, NOW + timedelta(minutes=1))
    db.commit()
    assert [m.status for m in copies(db) if m.participant_id == people[1].id] == [
        MessageStatus.QUEUED
    ]
    claim = claim_due(db, Settings(), {Channel.SMS, Channel.TELEGRAM}, later, 10)
    assert (len(claim.claimed), claim.expired) == (0, 1)


def test_staff_who_are_not_logged_in_cannot_see_or_send_group_messages(admin_app, db):
    a_course_of_five(db)
    client = admin_app.test_client()
    assert client.get("/admin/group-messages").status_code == 302
    # With a valid CSRF token, so that it is the login check that turns the post away.
    token = csrf_from(client.get("/admin/login").get_data(as_text=True))
    answer = client.post(
        "/admin/group-messages",
        data={"text": NEWS, "group": "everyone", "step": "send", "csrf_token": token},
    )
    assert answer.status_code == 302
    assert "/admin/login" in answer.headers["Location"]
    assert copies(db) == []


def test_a_second_send_waiting_on_the_first_finds_its_message_instead_of_failing(
    backend, engine, db
):
    """Two presses at once: the second waits on the first's token, then finds its row."""
    if backend == "sqlite":
        pytest.skip("SQLite takes its write lock at BEGIN, so the two cannot overlap there")
    a_course_of_five(db)
    sessions = make_session_factory(engine)
    first, second = sessions(), sessions()
    group = broadcasts.choose_group(
        first, ZoneInfo("Europe/London"), kind="course", course_code="ART1"
    )
    sent, new = broadcasts.send(first, group, NEWS, token="same", days=2, now=NOW, staff_id=None)
    assert new
    found = {}

    def press_again():
        again = broadcasts.choose_group(
            second, ZoneInfo("Europe/London"), kind="course", course_code="ART1"
        )
        found["result"] = broadcasts.send(
            second, again, NEWS, token="same", days=2, now=NOW, staff_id=None
        )

    waiting = threading.Thread(target=press_again)
    waiting.start()
    waiting.join(timeout=1)
    assert waiting.is_alive(), "the second press should wait for the first to commit"
    first.commit()
    waiting.join(timeout=10)
    broadcast, is_new = found["result"]
    assert (broadcast.id, is_new) == (sent.id, False)
    second.commit()
    first.close()
    second.close()
    assert len(copies(db)) == 3
