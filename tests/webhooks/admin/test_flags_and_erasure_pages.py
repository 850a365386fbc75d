"""A flag's page (read it, close it with a note of what was done) and erasing a participant
from the admin page (admins only), through the Flask test client on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import select, update

from bot.events import InboundMessage
from bot.inbox import receive
from bot.models import (
    AuditEvent,
    Channel,
    Flag,
    FlagStatus,
    InviteStatus,
    Message,
    MessageStatus,
    Participant,
    ParticipantStatus,
    SurveyInvite,
)
from bot.settings import Settings
from tests.bot import test_survey_conversation as survey
from tests.bot.test_erasure import PHONE, somebody_with_history
from tests.webhooks.admin.conftest import csrf_from, log_in
from tests.webhooks.admin.test_participants import audits, fresh, get

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
RISK = "<b>i want to end it all</b>"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def risk_flag(db, text: str = RISK) -> Flag:
    receive(db, InboundMessage(Channel.SMS, PHONE, "SM" + "f0" * 16, text), Settings())
    db.commit()
    return db.scalars(select(Flag)).one()


def test_the_dashboard_links_each_open_safeguarding_flag_to_its_page(logged_in, db):
    flag = risk_flag(db)
    dashboard = get(logged_in, "/admin/")
    assert f'href="/admin/flags/{flag.id}"' in dashboard


def test_the_flag_page_shows_their_words_escaped_and_the_view_is_audited(logged_in, db, staff):
    flag = risk_flag(db)
    page = get(logged_in, f"/admin/flags/{flag.id}")
    assert "&lt;b&gt;i want to end it all&lt;/b&gt;" in page
    assert "<b>i want to end" not in page
    assert "116 123" in page  # staff see what the person was told
    fresh(db)
    (event,) = audits(db, "flag.view")
    assert (event.staff_user_id, event.target_id) == (staff.id, flag.id)
    assert event.detail == {"messages": [flag.message_id]}


def test_a_flag_cannot_be_closed_without_a_note_of_what_was_done(logged_in, db):
    flag = risk_flag(db)
    page = get(logged_in, f"/admin/flags/{flag.id}")
    answer = logged_in.post(
        f"/admin/flags/{flag.id}/resolve", data={"note": "   ", "csrf_token": csrf_from(page)}
    )
    assert answer.status_code == 400
    assert "Write what you did before closing the flag." in answer.get_data(as_text=True)
    fresh(db)
    assert db.get(Flag, flag.id).status is FlagStatus.OPEN


def test_closing_a_flag_records_the_note_who_and_when_and_leaves_the_dashboard(
    logged_in, db, staff
):
    flag = risk_flag(db)
    page = get(logged_in, f"/admin/flags/{flag.id}")
    note = "Phoned at 09:10. Safe, with family. Told their key worker."
    answer = logged_in.post(
        f"/admin/flags/{flag.id}/resolve", data={"note": note, "csrf_token": csrf_from(page)}
    )
    assert answer.status_code == 303
    fresh(db)
    closed = db.get(Flag, flag.id)
    assert (closed.status, closed.action_taken, closed.resolved_by_id) == (
        FlagStatus.RESOLVED,
        note,
        staff.id,
    )
    assert closed.resolved_at == NOW
    assert "No open safeguarding flags." in get(logged_in, "/admin/")
    (event,) = audits(db, "flag.resolve")
    assert event.detail == {"kind": "safeguarding", "surveys_resumed": 0}
    # Closing twice is refused, not silently overwritten.
    again = logged_in.post(
        f"/admin/flags/{flag.id}/resolve", data={"note": "x", "csrf_token": csrf_from(page)}
    )
    assert again.status_code == 400
    assert "Someone has already closed this flag." in again.get_data(as_text=True)


def test_closing_can_let_a_paused_survey_carry_on(logged_in, db):
    someone = survey.person(db, value=PHONE)
    survey.start(db, [someone])
    survey.worker_pass(db, survey.NOW)
    fresh(db)
    assert db.scalars(select(SurveyInvite)).one().status is InviteStatus.ASKING
    flag = risk_flag(db)
    fresh(db)
    assert db.scalars(select(SurveyInvite)).one().status is InviteStatus.PAUSED
    page = get(logged_in, f"/admin/flags/{flag.id}")
    answer = logged_in.post(
        f"/admin/flags/{flag.id}/resolve",
        data={"note": "Spoke to them.", "resume_surveys": "yes", "csrf_token": csrf_from(page)},
    )
    assert answer.status_code == 303, answer.get_data(as_text=True)
    fresh(db)
    assert db.scalars(select(SurveyInvite)).one().status is InviteStatus.ASKING


def test_an_unknown_flag_is_not_found(logged_in):
    assert logged_in.get("/admin/flags/99999").status_code == 404


def test_only_an_admin_sees_the_erase_form_and_staff_posting_it_are_refused(logged_in, db):
    person = somebody_with_history(db)
    page = get(logged_in, f"/admin/participants/{person.pseudonym}")
    assert "Erase this person" not in page
    answer = logged_in.post(
        f"/admin/participants/{person.pseudonym}/erase",
        data={"confirm": person.pseudonym, "csrf_token": csrf_from(page)},
    )
    assert answer.status_code == 403
    fresh(db)
    assert db.get(Participant, person.id).status is ParticipantStatus.ACTIVE


def test_an_admin_erases_after_typing_the_pseudonym_and_it_is_audited(admin_app, db, admin_user):
    client = admin_app.test_client()
    log_in(client, admin_user.email)
    person = somebody_with_history(db)
    url = f"/admin/participants/{person.pseudonym}"
    page = get(client, url)
    assert "Erase this person" in page

    mistyped = client.post(
        url + "/erase", data={"confirm": "V-OTHER", "csrf_token": csrf_from(page)}
    )
    assert mistyped.status_code == 303
    fresh(db)
    assert db.get(Participant, person.id).status is ParticipantStatus.ACTIVE

    erased = client.post(
        url + "/erase", data={"confirm": person.pseudonym, "csrf_token": csrf_from(page)}
    )
    assert erased.status_code == 303
    after = get(client, url)
    assert "Bartholomew" not in after and "zebra" not in after and "Erased" in after
    assert "Erase this person" not in after
    fresh(db)
    assert db.get(Participant, person.id).status is ParticipantStatus.ERASED
    (event,) = db.scalars(select(AuditEvent).where(AuditEvent.action == "participant.erase"))
    assert event.staff_user_id == admin_user.id


def test_the_flag_page_shows_whether_the_safety_message_really_went(logged_in, db):
    flag = risk_flag(db)
    assert "Waiting to send" in get(logged_in, f"/admin/flags/{flag.id}")
    fresh(db)
    db.execute(
        update(Message)
        .where(Message.kind == "safeguarding")
        .values(status=MessageStatus.FAILED, error_text="the number is not reachable")
    )
    db.commit()
    page = get(logged_in, f"/admin/flags/{flag.id}")
    assert '<strong class="tag tag--urgent">Failed</strong> the number is not reachable' in page
    assert "Phone them another way" in page


def test_the_dashboard_says_when_nobody_is_alerted_of_urgent_flags(logged_in):
    assert "Nobody is told by email or duty line" in get(logged_in, "/admin/")


def test_the_dashboard_says_nothing_of_alerts_once_a_route_is_set_up(web_settings, engine, staff):
    from dataclasses import replace

    from bot.settings import SafeguardingSettings
    from webhooks.app import create_app

    settings = replace(
        web_settings,
        app=replace(web_settings.app, secure_cookies=False),
        safeguarding=SafeguardingSettings(alert_webhook_url="https://duty.example.org/x"),
    )
    client = create_app(settings).test_client()
    log_in(client, staff.email)
    assert "Nobody is told by email or duty line" not in get(client, "/admin/")


def test_an_admin_cannot_erase_someone_whose_safeguarding_flag_is_open(admin_app, db, admin_user):
    client = admin_app.test_client()
    log_in(client, admin_user.email)
    flag = risk_flag(db)
    person = db.get(Participant, flag.participant_id)
    url = f"/admin/participants/{person.pseudonym}"
    page = get(client, url)
    answer = client.post(
        url + "/erase", data={"confirm": person.pseudonym, "csrf_token": csrf_from(page)}
    )
    assert answer.status_code == 303
    assert "open safeguarding flag. Close it first" in get(client, url)
    fresh(db)
    assert db.get(Participant, flag.participant_id).status is not ParticipantStatus.ERASED
