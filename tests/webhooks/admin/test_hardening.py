"""Every admin page, however it was written: not cached, not framed, and hostile input gets a
clear 4xx, never a crash."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.models import AuditEvent, Message, Participant
from tests.factories import create_message
from tests.webhooks.admin.conftest import log_in


@pytest.mark.parametrize("path", ["/admin/", "/admin/participants", "/admin/login"])
def test_admin_pages_are_never_cached_or_framed(admin_app, logged_in, path):
    answer = logged_in.get(path)
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_a_nul_byte_in_a_search_is_refused_not_a_crash(logged_in):
    assert logged_in.get("/admin/participants?q=a%00b").status_code == 400


def test_an_id_too_big_for_the_database_is_not_found(logged_in):
    assert logged_in.get("/admin/sessions/" + "9" * 30).status_code == 404
    assert logged_in.get("/admin/courses/" + "9" * 30).status_code == 404


def test_seeing_unread_replies_on_the_dashboard_is_recorded(logged_in, db):
    message = create_message(db, body="I feel low today")
    db.commit()
    logged_in.get("/admin/")
    db.rollback()
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "replies.view")).one()
    assert event.detail == {"messages": [message.id]}


def test_a_participant_page_opened_from_another_site_leaves_replies_unread(logged_in, db):
    message = create_message(db, body="Please call me")
    db.commit()
    pseudonym = db.get(Participant, message.participant_id).pseudonym
    logged_in.get(f"/admin/participants/{pseudonym}", headers={"Sec-Fetch-Site": "cross-site"})
    db.rollback()
    db.expire_all()
    assert db.get(Message, message.id).read_at is None
    logged_in.get(f"/admin/participants/{pseudonym}", headers={"Sec-Fetch-Site": "same-origin"})
    db.rollback()
    db.expire_all()
    assert db.get(Message, message.id).read_at is not None


def test_odd_page_numbers_give_the_first_page_not_a_crash(admin_app, admin_user):
    client = admin_app.test_client()
    log_in(client, admin_user.email)
    for page in ("²", "-1"):
        assert client.get(f"/admin/audit?page={page}").status_code == 200
    # Too many digits for any number we could use: a clear refusal, never a crash.
    assert client.get("/admin/audit?page=" + "9" * 5000).status_code == 400


def test_a_number_too_long_for_any_id_in_the_address_is_refused_not_a_crash(logged_in, db):
    person = create_message(db, body="Hello").participant_id
    pseudonym = db.get(Participant, person).pseudonym
    db.commit()
    answer = logged_in.get(f"/admin/participants/{pseudonym}?before=" + "9" * 30)
    assert answer.status_code == 400
