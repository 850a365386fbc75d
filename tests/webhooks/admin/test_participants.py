"""The Participants pages through the Flask test client, on SQLite and PostgreSQL: finding
people, reading one conversation across channels, masked numbers and the audited reveal,
pause and resume, and one-off messages with their cost."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from bot.models import (
    AddressStatus,
    AuditEvent,
    Channel,
    ConsentPurpose,
    Direction,
    Message,
    MessageStatus,
    Participant,
    ParticipantStatus,
)
from bot.participant_pages import PAGE_SIZE, THREAD_SIZE
from tests.factories import (
    create_address,
    create_consent,
    create_course,
    create_membership,
    create_message,
    create_participant,
)
from tests.webhooks.admin.conftest import csrf_from

# Monday 23 November 2026, 9am in London.
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
# A number libphonenumber holds valid: a one-off goes through bot.one_off, which checks it.
NUMBER = "+447911123123"
MASKED = "+44 7••• •••123"


@pytest.fixture(autouse=True)
def clock():
    # Before the login: a signed session cookie from the future is refused, rightly.
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def get(client, url: str, status: int = 200) -> str:
    answer = client.get(url)
    assert answer.status_code == status, answer.get_data(as_text=True)[:500]
    return answer.get_data(as_text=True)


def post(client, url: str, data: dict | None = None, *, page: str | None = None):
    """POST with the CSRF token from `page` (or from the participants list)."""
    token = csrf_from(page or get(client, "/admin/participants"))
    return client.post(url, data={**(data or {}), "csrf_token": token})


def fresh(db) -> None:
    """End the test session's transaction, so that its next read sees what the app committed:
    on SQLite an open read transaction keeps the snapshot it started with. With no transaction
    open, rollback() expires nothing: expire_all() does."""
    db.rollback()
    db.expire_all()


def audits(db, action: str) -> list[AuditEvent]:
    fresh(db)
    return list(
        db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
    )


def result_pseudonyms(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/admin/participants/([^"]+)">', html)


def person_with_number(db, pseudonym: str = "V-AAAA1", **kw) -> Participant:
    person = create_participant(db, pseudonym=pseudonym, **kw)
    create_address(db, person, channel=Channel.SMS, value=NUMBER)
    return person


# --- access --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/admin/participants", "/admin/participants/V-AAAA1"])
def test_anyone_not_logged_in_is_sent_to_the_login_page(admin_app, db, url):
    create_participant(db, pseudonym="V-AAAA1")
    db.commit()
    answer = admin_app.test_client().get(url)
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/admin/login")


@pytest.mark.parametrize("action", ["reveal", "pause", "resume", "send"])
def test_a_post_without_a_csrf_token_is_refused_with_400_and_changes_nothing(logged_in, db, action):
    person = person_with_number(db)
    db.commit()
    answer = logged_in.post(
        f"/admin/participants/V-AAAA1/{action}",
        data={"address_id": person.addresses[0].id, "text": "Hello"},
    )
    assert answer.status_code == 400
    fresh(db)
    assert db.scalar(select(Message.id)) is None
    assert db.get(Participant, person.id).status is ParticipantStatus.ACTIVE
    assert db.scalar(select(AuditEvent.id).where(AuditEvent.action.like("participant.%"))) is None


def test_the_participants_page_is_in_the_main_navigation(logged_in):
    html = get(logged_in, "/admin/")
    assert re.search(r'<a href="/admin/participants"\s*>Participants</a>', html)


def test_an_unknown_pseudonym_is_not_found(logged_in):
    get(logged_in, "/admin/participants/V-NOBODY", status=404)


# --- the list ------------------------------------------------------------------------------


def test_the_search_finds_people_by_pseudonym_or_name_whatever_the_case(logged_in, db):
    create_participant(db, pseudonym="V-KQ4M7", display_name="Priya Shah")
    create_participant(db, pseudonym="V-ZZZ22", display_name="Sam Kaur")
    create_participant(db, pseudonym="V-PRI99", display_name=None)
    db.commit()
    assert result_pseudonyms(get(logged_in, "/admin/participants?q=kq4m")) == ["V-KQ4M7"]
    assert result_pseudonyms(get(logged_in, "/admin/participants?q=KAUR")) == ["V-ZZZ22"]
    # "pri" is in one name and one pseudonym: both are found, in pseudonym order.
    assert result_pseudonyms(get(logged_in, "/admin/participants?q=pri")) == [
        "V-KQ4M7",
        "V-PRI99",
    ]


def test_percent_and_underscore_in_a_search_are_plain_characters(logged_in, db):
    create_participant(db, pseudonym="V-AAAA1", display_name="Jo")
    db.commit()
    html = get(logged_in, "/admin/participants?q=%25")
    assert result_pseudonyms(html) == []
    assert "Nobody matches this search." in html


def test_the_search_form_is_a_labelled_get_form(logged_in):
    html = get(logged_in, "/admin/participants")
    start = html.index('role="search"')
    form = html[start - 200 : html.index("</form>", start)]
    assert 'method="get"' in form
    for field in ("q", "status", "channel", "course"):
        assert f'<label for="{field}">' in form and f'id="{field}" name="{field}"' in form


def test_the_list_filters_by_status_channel_and_course(logged_in, db):
    art = create_course(db, code="ART24", title="Art for wellbeing")
    on_telegram_paused = create_participant(
        db, pseudonym="V-TEL01", status=ParticipantStatus.PAUSED
    )
    create_address(db, on_telegram_paused, channel=Channel.TELEGRAM, value="555123456")
    on_sms_in_art = create_participant(db, pseudonym="V-SMS01")
    create_address(db, on_sms_in_art, channel=Channel.SMS)
    create_membership(db, art, on_sms_in_art)
    create_participant(db, pseudonym="V-NONE1")
    db.commit()

    assert result_pseudonyms(get(logged_in, "/admin/participants?status=paused")) == ["V-TEL01"]
    assert result_pseudonyms(get(logged_in, "/admin/participants?channel=telegram")) == ["V-TEL01"]
    assert result_pseudonyms(get(logged_in, "/admin/participants?course=art24")) == ["V-SMS01"]
    both = get(logged_in, "/admin/participants?course=ART24&status=paused")
    assert result_pseudonyms(both) == []
    unknown = get(logged_in, "/admin/participants?course=NOPE")
    assert "No course has the code NOPE" in unknown


def test_the_list_shows_50_a_page_in_pseudonym_order_with_a_link_to_the_next(logged_in, db):
    for n in reversed(range(PAGE_SIZE + 3)):
        create_participant(db, pseudonym=f"V-P{n:04d}")
    db.commit()
    first = get(logged_in, "/admin/participants?status=active")
    assert result_pseudonyms(first) == [f"V-P{n:04d}" for n in range(PAGE_SIZE)]
    assert "Page 1 of 2" in first
    next_link = re.search(r'<a href="([^"]+)" rel="next">', first).group(1).replace("&amp;", "&")
    assert "status=active" in next_link and "page=2" in next_link
    second = get(logged_in, next_link)
    assert result_pseudonyms(second) == [f"V-P{n:04d}" for n in range(PAGE_SIZE, PAGE_SIZE + 3)]
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_the_list_shows_no_phone_numbers(logged_in, db):
    person_with_number(db)
    db.commit()
    html = get(logged_in, "/admin/participants")
    assert "V-AAAA1" in html and "123123" not in html and NUMBER not in html


# --- one participant -----------------------------------------------------------------------


def test_the_conversation_is_one_thread_across_channels_oldest_first(logged_in, db):
    person = create_participant(db, pseudonym="V-AAAA1")
    sms = create_address(db, person, channel=Channel.SMS, value=NUMBER)
    telegram = create_address(db, person, channel=Channel.TELEGRAM, value="987654321")
    # Stored out of order: the thread follows the time, not the row id.
    create_message(db, telegram, body="third, on Telegram", created_at=NOW - timedelta(hours=1))
    create_message(db, sms, body="first, by SMS", created_at=NOW - timedelta(days=2))
    create_message(
        db,
        sms,
        body="second, our reply",
        direction=Direction.OUTBOUND,
        status=MessageStatus.DELIVERED,
        created_at=NOW - timedelta(days=1),
    )
    other = create_address(db, channel=Channel.SMS)
    create_message(db, other, body="someone else's words")
    db.commit()

    html = get(logged_in, "/admin/participants/V-AAAA1")
    thread = html[html.index('id="conversation"') : html.index('id="send"')]
    assert thread.index("first, by SMS") < thread.index("second, our reply")
    assert thread.index("second, our reply") < thread.index("third, on Telegram")
    assert "someone else" not in html
    # Who wrote it, and how it went, are in words.
    assert "V-AAAA1 wrote" in thread and "We sent" in thread and "Delivered" in thread
    assert "Telegram" in thread and "SMS" in thread


def test_what_a_participant_wrote_is_shown_as_text_never_run(logged_in, db):
    person = person_with_number(db, display_name="<b>Bold</b>")
    create_message(db, person.addresses[0], body="<script>alert(1)</script>")
    db.commit()
    html = get(logged_in, "/admin/participants/V-AAAA1")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Bold</b>" not in html and "&lt;b&gt;Bold&lt;/b&gt;" in html


def test_the_thread_shows_the_newest_200_and_links_to_the_older_ones(logged_in, db):
    person = person_with_number(db)
    address = person.addresses[0]
    for n in range(THREAD_SIZE + 5):
        create_message(
            db, address, body=f"message {n:03d}.", created_at=NOW - timedelta(minutes=300 - n)
        )
    db.commit()

    newest = get(logged_in, "/admin/participants/V-AAAA1")
    bodies = re.findall(r"message (\d{3})\.", newest)
    assert bodies == [f"{n:03d}" for n in range(5, THREAD_SIZE + 5)]
    # The five older ones are unread, and the link says so.
    assert "(5 unread)" in newest
    older_link = re.search(r'<a href="([^"]+)">Show older messages</a>', newest).group(1)

    older = get(logged_in, older_link.replace("&amp;", "&"))
    assert re.findall(r"message (\d{3})\.", older) == ["000", "001", "002", "003", "004"]
    assert "Show older messages" not in older
    assert "Back to the newest messages" in older


def test_consent_history_and_courses_are_shown(logged_in, db):
    person = person_with_number(db)
    create_consent(db, person.id, granted=True, recorded_at=NOW - timedelta(days=30))
    create_consent(db, person.id, granted=False, recorded_at=NOW - timedelta(days=1))
    create_consent(db, person.id, purpose=ConsentPurpose.SURVEYS, granted=True)
    create_membership(db, create_course(db, code="ART24", title="Art for wellbeing"), person)
    db.commit()
    html = get(logged_in, "/admin/participants/V-AAAA1")
    consent = html[html.index('id="consent"') : html.index('id="courses"')]
    rows = re.findall(
        r"<tr>\s*<th scope=\"row\">(.*?)</th>\s*<td>(Yes|No)</td>(.*?)</tr>", consent, re.S
    )
    summary = [(what, answer, "In force" in rest) for what, answer, rest in rows]
    assert summary == [
        ("Surveys", "Yes", True),
        ("Session reminders", "No", True),
        ("Session reminders", "Yes", False),
    ]
    assert "en:2026-11" in consent
    assert "ART24" in html and "Art for wellbeing" in html


def test_the_page_about_a_person_is_never_cached(logged_in, db):
    person_with_number(db)
    db.commit()
    answer = logged_in.get("/admin/participants/V-AAAA1")
    assert answer.headers["Cache-Control"] == "no-store"


# --- numbers ---------------------------------------------------------------------------------


def test_numbers_are_masked_and_only_an_audited_reveal_shows_one_once(logged_in, db, staff):
    person = person_with_number(db)
    create_address(db, person, channel=Channel.TELEGRAM, value="987654321")
    db.commit()
    sms = person.addresses[0]

    page = get(logged_in, "/admin/participants/V-AAAA1")
    assert MASKED in page and "••••••321" in page
    assert "123123" not in page and "987654321" not in page
    assert audits(db, "participant.reveal") == []

    answer = post(
        logged_in, "/admin/participants/V-AAAA1/reveal", {"address_id": sms.id}, page=page
    )
    assert answer.status_code == 303

    revealed = get(logged_in, answer.headers["Location"])
    assert "+44 7911 123123" in revealed
    assert "987654321" not in revealed  # only the one asked for
    [event] = audits(db, "participant.reveal")
    assert (event.staff_user_id, event.target_type, event.target_id) == (
        staff.id,
        "Participant",
        person.id,
    )
    assert event.detail == {"address_id": sms.id}
    assert "123123" not in str(event.detail)

    again = get(logged_in, "/admin/participants/V-AAAA1")
    assert "+44 7911 123123" not in again and MASKED in again
    assert "••••••321" in again and "987654321" not in again


def test_a_reveal_of_another_persons_address_is_refused_and_not_audited(logged_in, db):
    person_with_number(db)
    stranger = create_address(db, channel=Channel.SMS, value="+447911123999")
    db.commit()
    answer = post(logged_in, "/admin/participants/V-AAAA1/reveal", {"address_id": stranger.id})
    assert answer.status_code == 404
    assert audits(db, "participant.reveal") == []
    assert "+44 7911 123999" not in get(logged_in, "/admin/participants/V-AAAA1")


# --- viewing ---------------------------------------------------------------------------------


def test_viewing_a_conversation_is_audited_and_marks_their_replies_read(logged_in, db, staff):
    person = person_with_number(db)
    theirs = create_message(db, person.addresses[0], body="Can I bring a friend?")
    someone_elses = create_message(db, body="Not theirs")
    db.commit()

    html = get(logged_in, "/admin/participants/V-AAAA1")
    assert '<strong class="tag">New</strong>' in html  # new to this reader, in words

    fresh(db)
    assert db.get(Message, theirs.id).read_at == NOW
    assert db.get(Message, someone_elses.id).read_at is None
    [event] = audits(db, "participant.view")
    assert (event.staff_user_id, event.target_id, event.detail) == (staff.id, person.id, None)
    # Read now: no longer new on the next view, and gone from the dashboard's unread list.
    assert '<strong class="tag">New</strong>' not in get(logged_in, "/admin/participants/V-AAAA1")
    assert "Can I bring a friend?" not in get(logged_in, "/admin/")


# --- pause and resume ------------------------------------------------------------------------


def test_staff_can_pause_and_resume_a_participant_and_each_change_is_audited(logged_in, db):
    person = person_with_number(db)
    db.commit()

    paused = post(logged_in, "/admin/participants/V-AAAA1/pause")
    assert paused.status_code == 303
    fresh(db)
    assert db.get(Participant, person.id).status is ParticipantStatus.PAUSED
    page = get(logged_in, paused.headers["Location"])
    assert "V-AAAA1 is paused" in page and "Resume messages" in page

    resumed = post(logged_in, "/admin/participants/V-AAAA1/resume", page=page)
    assert resumed.status_code == 303
    fresh(db)
    assert db.get(Participant, person.id).status is ParticipantStatus.ACTIVE
    assert [e.detail for e in audits(db, "participant.pause")] == [
        {"from": "active", "to": "paused"}
    ]
    assert [e.detail for e in audits(db, "participant.resume")] == [
        {"from": "paused", "to": "active"}
    ]


def test_staff_cannot_restart_someone_who_opted_out(logged_in, db):
    person = person_with_number(db, status=ParticipantStatus.STOPPED)
    db.commit()
    page = get(logged_in, "/admin/participants/V-AAAA1")
    assert "Resume messages" not in page and "Pause messages" not in page
    answer = post(logged_in, "/admin/participants/V-AAAA1/resume", page=page)
    fresh(db)
    assert db.get(Participant, person.id).status is ParticipantStatus.STOPPED
    assert audits(db, "participant.resume") == []
    assert "Only they can start again" in get(logged_in, answer.headers["Location"])


# --- sending ---------------------------------------------------------------------------------


def test_sending_queues_a_message_to_their_best_address_with_an_estimate(logged_in, db):
    person = person_with_number(db)
    db.commit()
    page = get(logged_in, "/admin/participants/V-AAAA1")
    assert f'Goes by SMS to <span aria-hidden="true">{MASKED}</span>' in page

    text = "See you on Thursday.\r\nBring your sketchbook!" + " More." * 30
    answer = post(
        logged_in, "/admin/participants/V-AAAA1/send", {"text": text, "action": "send"}, page=page
    )
    assert answer.status_code == 303

    fresh(db)
    message = db.scalar(select(Message).where(Message.direction == Direction.OUTBOUND))
    assert (message.participant_id, message.channel, message.status, message.kind) == (
        person.id,
        Channel.SMS,
        MessageStatus.QUEUED,
        "staff",
    )
    assert message.body == text.replace("\r\n", "\n")
    after = get(logged_in, answer.headers["Location"])
    assert "Message queued for V-AAAA1 by SMS: 2 SMS segments, about 8p." in after
    assert "Waiting to send" in after
    [event] = audits(db, "participant.send")
    assert event.detail == {"message_id": message.id, "segments": 2}


def test_telegram_is_chosen_over_sms_and_costs_nothing(logged_in, db):
    person = person_with_number(db)
    create_address(db, person, channel=Channel.TELEGRAM, value="987654321")
    db.commit()
    answer = post(
        logged_in, "/admin/participants/V-AAAA1/send", {"text": "Hello", "action": "send"}
    )
    fresh(db)
    assert db.scalar(select(Message.channel)) is Channel.TELEGRAM
    assert "by Telegram: 1 Telegram message, free." in get(logged_in, answer.headers["Location"])


def test_checking_the_cost_shows_it_and_queues_nothing(logged_in, db):
    person_with_number(db)
    db.commit()
    answer = post(
        logged_in,
        "/admin/participants/V-AAAA1/send",
        {"text": "Hello “friend” 😀", "action": "check"},
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "This message: 1 SMS segment, about 4p. It has a character outside" in html
    assert "Hello “friend” 😀</textarea>" in html
    fresh(db)
    assert db.scalar(select(Message.id)) is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [("   ", "The message is empty"), ("x" * 1601, "The message is longer than 1600 characters")],
)
def test_a_message_that_cannot_go_is_refused_with_the_reason(logged_in, db, text, reason):
    person_with_number(db)
    db.commit()
    answer = post(logged_in, "/admin/participants/V-AAAA1/send", {"text": text, "action": "send"})
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert 'class="error-summary"' in html and f'<a href="#text">{reason}.</a>' in html
    fresh(db)
    assert db.scalar(select(Message.id)) is None
    assert audits(db, "participant.send") == []


def test_nothing_is_sent_to_someone_who_opted_out_or_whose_number_stopped(logged_in, db):
    person_with_number(db, status=ParticipantStatus.STOPPED)
    other = create_participant(db, pseudonym="V-BBBB2")
    create_address(db, other, value="+447911123456", status=AddressStatus.STOPPED)
    db.commit()
    opted_out = post(logged_in, "/admin/participants/V-AAAA1/send", {"text": "Hi"})
    stopped = post(logged_in, "/admin/participants/V-BBBB2/send", {"text": "Hi"})
    assert opted_out.status_code == stopped.status_code == 400
    assert "V-AAAA1 has opted out, so nothing is sent." in opted_out.get_data(as_text=True)
    assert "V-BBBB2 cannot get messages at this address." in stopped.get_data(as_text=True)
    fresh(db)
    assert db.scalar(select(Message.id)) is None
