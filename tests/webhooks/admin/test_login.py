"""Logging in to the admin page: Argon2id passwords, one generic error, the lockout, CSRF,
session lifetimes and the audit log, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from bot.models import AuditEvent, StaffUser, utcnow
from bot.staff_login import MAX_FAILURES
from tests.webhooks.admin.conftest import PASSWORD, csrf_from, log_in


def actions(db) -> list[str]:
    db.expire_all()
    return list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_an_anonymous_visitor_is_sent_to_the_login_page(admin_app):
    answer = admin_app.test_client().get("/admin/")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/admin/login")


def test_the_login_form_has_the_named_fields_and_a_csrf_token(admin_app):
    html = admin_app.test_client().get("/admin/login").get_data(as_text=True)
    assert 'name="email"' in html and 'name="password"' in html
    assert csrf_from(html)
    assert '<label for="email">Email address</label>' in html


def test_the_right_password_reaches_the_dashboard_and_is_audited(admin_app, staff, db):
    client = admin_app.test_client()
    answer = log_in(client, staff.email)
    assert (answer.status_code, answer.headers["Location"]) == (302, "/admin/")
    page = client.get("/admin/")
    assert "<h1>Dashboard</h1>" in page.get_data(as_text=True)
    assert actions(db) == ["staff.created", "login.success"]


def test_every_failure_looks_the_same_whatever_the_reason(admin_app, staff, db):
    client = admin_app.test_client()
    wrong = log_in(client, staff.email, "not the password")
    unknown = log_in(client, "nobody@college.example", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_data(as_text=True) == unknown.get_data(as_text=True).replace(
        'value="nobody@college.example"', f'value="{staff.email}"'
    ).replace(csrf_from(unknown.get_data(as_text=True)), csrf_from(wrong.get_data(as_text=True)))
    assert actions(db)[-2:] == ["login.failure", "login.failure"]


def test_five_failures_lock_the_account_even_against_the_right_password(admin_app, staff, db):
    client = admin_app.test_client()
    for _ in range(MAX_FAILURES):
        assert log_in(client, staff.email, "guess").status_code == 401
    locked = log_in(client, staff.email, PASSWORD)
    assert locked.status_code == 401
    db.expire_all()
    assert db.get(StaffUser, staff.id).locked_until is not None
    with time_machine.travel(utcnow() + timedelta(minutes=16), tick=False):
        assert log_in(admin_app.test_client(), staff.email, PASSWORD).status_code == 302


def test_a_post_without_a_csrf_token_is_refused_with_400(admin_app, staff):
    client = admin_app.test_client()
    answer = client.post("/admin/login", data={"email": staff.email, "password": PASSWORD})
    assert answer.status_code == 400


def test_the_session_cookie_is_httponly_and_samesite_lax(admin_app, staff):
    client = admin_app.test_client()
    answer = log_in(client, staff.email)
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_login_ends_after_30_idle_minutes(logged_in):
    assert logged_in.get("/admin/").status_code == 200
    with time_machine.travel(utcnow() + timedelta(minutes=31)):
        assert logged_in.get("/admin/").status_code == 302


def test_a_login_ends_after_8_hours_however_busy(logged_in):
    start = utcnow()
    for minutes in range(20, 8 * 60, 20):
        with time_machine.travel(start + timedelta(minutes=minutes)):
            assert logged_in.get("/admin/").status_code == 200
    with time_machine.travel(start + timedelta(hours=8, minutes=1)):
        assert logged_in.get("/admin/").status_code == 302


def test_logging_out_ends_the_login(logged_in):
    token = csrf_from(logged_in.get("/admin/").get_data(as_text=True))
    assert logged_in.post("/admin/logout", data={"csrf_token": token}).status_code == 302
    assert logged_in.get("/admin/").status_code == 302


def test_a_next_address_off_the_site_is_never_followed(admin_app, staff):
    client = admin_app.test_client()
    token = csrf_from(client.get("/admin/login").get_data(as_text=True))
    answer = client.post(
        "/admin/login?next=//evil.example/",
        data={"email": staff.email, "password": PASSWORD, "csrf_token": token},
    )
    assert answer.headers["Location"] == "/admin/"


def test_a_copied_cookie_stops_working_once_its_owner_logs_out(admin_app, staff):
    client = admin_app.test_client()
    log_in(client, staff.email)
    copied = client.get_cookie("session").value
    token = csrf_from(client.get("/admin/").get_data(as_text=True))
    client.post("/admin/logout", data={"csrf_token": token})
    thief = admin_app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/admin/").status_code == 302


def test_logging_in_elsewhere_ends_the_older_login(admin_app, staff):
    first, second = admin_app.test_client(), admin_app.test_client()
    log_in(first, staff.email)
    log_in(second, staff.email)
    assert second.get("/admin/").status_code == 200
    assert first.get("/admin/").status_code == 302
