"""Staff accounts and the audit log: admins only. Staff get 403; admins add accounts (the
password typed twice, bot.staff's rules) and deactivate them, and read the log newest first."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import select

from bot.audit import record
from bot.models import AuditEvent, StaffRole, StaffUser
from tests.webhooks.admin.conftest import PASSWORD, csrf_from, log_in

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
NEW_PASSWORD = "a long enough password"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def as_admin(admin_app, admin_user):
    client = admin_app.test_client()
    assert log_in(client, admin_user.email).status_code == 302
    return client


def post(client, page: str, action: str, data: dict | None = None):
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(action, data={**(data or {}), "csrf_token": token})


def fresh_user(db, email: str) -> StaffUser | None:
    db.commit()  # a new read transaction, to see what the app wrote
    db.expire_all()
    return db.scalar(select(StaffUser).where(StaffUser.email == email))


def test_staff_who_are_not_admins_get_403_on_both_pages(logged_in, admin_user):
    for path in ("/admin/staff", "/admin/audit", "/admin/audit?page=2"):
        assert logged_in.get(path).status_code == 403
    token = csrf_from(logged_in.get("/admin/").get_data(as_text=True))
    add = {"email": "x@college.example", "password": PASSWORD, "password_again": PASSWORD}
    assert logged_in.post("/admin/staff", data={**add, "csrf_token": token}).status_code == 403
    deactivate = f"/admin/staff/{admin_user.id}/deactivate"
    assert logged_in.post(deactivate, data={"csrf_token": token}).status_code == 403


def test_an_admin_adds_an_account_that_can_then_log_in(as_admin, admin_app, db, admin_user):
    answer = post(
        as_admin,
        "/admin/staff",
        "/admin/staff",
        {
            "email": " Kim@College.example ",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
            "admin": "no",
        },
    )
    assert answer.status_code == 302
    page = as_admin.get("/admin/staff").get_data(as_text=True)
    assert "Added the staff account kim@college.example" in page
    kim = fresh_user(db, "kim@college.example")
    assert kim.role is StaffRole.STAFF and kim.active
    event = db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "staff.created", AuditEvent.target_id == kim.id
        )
    )
    assert event.staff_user_id == admin_user.id
    assert log_in(admin_app.test_client(), "kim@college.example", NEW_PASSWORD).status_code == 302


def test_an_admin_account_can_be_added(as_admin, db):
    post(
        as_admin,
        "/admin/staff",
        "/admin/staff",
        {
            "email": "lee@college.example",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
            "admin": "yes",
        },
    )
    assert fresh_user(db, "lee@college.example").role is StaffRole.ADMIN


@pytest.mark.parametrize(
    ("email", "password", "again", "said"),
    [
        (
            "kim@college.example",
            NEW_PASSWORD,
            NEW_PASSWORD + "!",
            "The two passwords are not the same.",
        ),
        ("kim@college.example", "too short", "too short", "at least 12 characters"),
        ("not an email", NEW_PASSWORD, NEW_PASSWORD, "That does not look like an email address."),
        ("alex@college.example", NEW_PASSWORD, NEW_PASSWORD, "already exists"),
    ],
)
def test_a_bad_new_account_is_refused_saying_why(as_admin, db, email, password, again, said):
    answer = post(
        as_admin,
        "/admin/staff",
        "/admin/staff",
        {"email": email, "password": password, "password_again": again},
    )
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert said in html
    # The password is never put back into the page.
    assert password not in re.findall(r'value="([^"]*)"', html)
    db.commit()
    assert len(db.scalars(select(StaffUser)).all()) == 1


def test_a_deactivated_account_is_logged_out_and_cannot_log_in(as_admin, admin_app, staff, db):
    staff_client = admin_app.test_client()
    assert log_in(staff_client, staff.email).status_code == 302
    answer = post(as_admin, "/admin/staff", f"/admin/staff/{staff.id}/deactivate")
    assert answer.status_code == 302
    assert "Deactivated sam@college.example" in as_admin.get("/admin/staff").get_data(as_text=True)
    assert not fresh_user(db, staff.email).active
    # Their open login ends at the next page.
    assert staff_client.get("/admin/").status_code == 302
    assert log_in(admin_app.test_client(), staff.email).status_code == 401
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "staff.deactivated"))
    assert event.target_id == staff.id


def test_an_admin_cannot_deactivate_their_own_account(as_admin, admin_user, db):
    page = as_admin.get("/admin/staff").get_data(as_text=True)
    assert f"/admin/staff/{admin_user.id}/deactivate" not in page
    answer = post(as_admin, "/admin/staff", f"/admin/staff/{admin_user.id}/deactivate")
    assert answer.status_code == 400
    assert "You cannot deactivate your own account." in answer.get_data(as_text=True)
    assert fresh_user(db, admin_user.email).active


def test_the_audit_log_is_newest_first_and_a_page_at_a_time(as_admin, db):
    for n in range(60):
        record(db, "test.event", detail={"n": n, "note": "<b>typed</b>"})
    db.commit()
    first = as_admin.get("/admin/audit").get_data(as_text=True)
    # What was recorded is shown as text, never as markup.
    assert "<b>typed</b>" not in first
    rows = re.findall(r'<th scope="row">([^<]+)</th>', first)
    assert len(rows) == 50
    # Newest first: the events from 59 down (the clock stands still, so by when they were
    # added); the admin's account and login came before them.
    assert set(rows) == {"test.event"}
    assert [int(n) for n in re.findall(r'"n": (\d+)', first)] == list(range(59, 9, -1))
    assert "page 1 of 2" in first and 'rel="next"' in first and 'rel="prev"' not in first
    second = as_admin.get("/admin/audit?page=2").get_data(as_text=True)
    rows_two = re.findall(r"<th scope=\"row\">([^<]+)</th>", second)
    assert "page 2 of 2" in second and 'rel="prev"' in second
    # 60 events, the admin's account creation and the login: 62 in all, 12 on page 2.
    assert len(rows_two) == 12
    assert rows_two[-2:] == ["login.success", "staff.created"]
    assert [int(n) for n in re.findall(r'"n": (\d+)', second)] == list(range(9, -1, -1))


def test_the_audit_log_cannot_be_changed_from_the_page(as_admin):
    token = csrf_from(as_admin.get("/admin/audit").get_data(as_text=True))
    assert as_admin.post("/admin/audit", data={"csrf_token": token}).status_code == 405


def test_pages_for_admins_only_are_not_offered_to_other_staff(logged_in, admin_app, admin_user):
    html = logged_in.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/participants"' in html
    assert 'href="/admin/staff"' not in html and 'href="/admin/audit"' not in html
    admin = admin_app.test_client()
    log_in(admin, admin_user.email)
    html = admin.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/staff"' in html and 'href="/admin/audit"' in html
