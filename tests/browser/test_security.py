"""The admin page's defences, through the real forms in Chromium, on SQLite and PostgreSQL.

- After bot.staff_login.MAX_FAILURES wrong passwords the account is locked: the right password
  is then refused with the very same generic message, so the form tells a stranger nothing.
- A form whose CSRF token was changed or removed is refused with 400 and the readable admin
  error page ("reload the page and try again"), and nothing in the database changes.

Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from bot.models import AuditEvent, Participant, ParticipantStatus, StaffUser, utcnow
from bot.staff_login import LOCKED_FOR, MAX_FAILURES
from tests.browser.conftest import LiveApp, snap, staff_login
from tests.factories import create_participant
from webhooks.admin.auth import LOGIN_FAILED

pytestmark = pytest.mark.browser

PSEUDONYM = "V-SAFE1"
TRY_AGAIN = (
    "The form had expired or was not sent from this site. Go back, reload the page and try again."
)


def submit_login(page: Page, live_app: LiveApp, email: str, password: str) -> int:
    """Fill in and send the real login form; returns the status of the answer."""
    page.goto(f"{live_app.url}/admin/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    return answer.value.status


def log_in(page: Page, live_app: LiveApp) -> None:
    email, password = staff_login(live_app)
    submit_login(page, live_app, email, password)
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")


def audit_actions(live_app: LiveApp) -> list[tuple[int, str]]:
    with live_app.sessions() as session:
        return [
            (row.id, row.action)
            for row in session.execute(select(AuditEvent.id, AuditEvent.action))
        ]


def participant_status(live_app: LiveApp) -> ParticipantStatus | None:
    with live_app.sessions() as session:
        return session.scalar(select(Participant.status).where(Participant.pseudonym == PSEUDONYM))


def expect_the_form_refused(page: Page) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Bad Request")
    expect(page.get_by_role("main")).to_contain_text(TRY_AGAIN)
    expect(page.get_by_role("link", name="Go to the dashboard")).to_be_visible()


def test_the_right_password_is_refused_once_the_account_is_locked(page: Page, live_app: LiveApp):
    email, password = staff_login(live_app)

    messages = []
    for attempt in range(MAX_FAILURES):
        status = submit_login(page, live_app, email, f"{password}-wrong-{attempt}")
        assert status == 401
        expect(page.locator(".error-summary")).to_be_visible()
        messages.append(page.locator(".error-summary p").inner_text().strip())
    assert messages == [LOGIN_FAILED] * MAX_FAILURES

    status = submit_login(page, live_app, email, password)

    assert status == 401
    expect(page).to_have_url(re.compile(re.escape(f"{live_app.url}/admin/login")))
    expect(page.locator(".error-summary p")).to_have_text(LOGIN_FAILED)
    expect(page.get_by_role("heading", name="Dashboard")).to_have_count(0)
    expect(page.get_by_label("Email address")).to_have_value(email)
    snap(page, "admin-login-locked")
    # Not logged in after all: the dashboard still sends them to the login page.
    page.goto(f"{live_app.url}/admin/")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    with live_app.sessions() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.email == email))
        reasons = session.scalars(
            select(AuditEvent.detail)
            .where(AuditEvent.action == "login.failure", AuditEvent.staff_user_id == user.id)
            .order_by(AuditEvent.id)
        ).all()
    assert user.locked_until is not None and user.locked_until > utcnow()
    assert user.last_login_at is None
    assert [r["reason"] for r in reasons][-2:] == [
        f"wrong password; locked for {LOCKED_FOR.seconds // 60} minutes",
        "locked",
    ]


def test_a_changed_csrf_token_is_refused_and_changes_nothing(page: Page, live_app: LiveApp):
    with live_app.sessions() as session:
        create_participant(session, pseudonym=PSEUDONYM)
        session.commit()
    log_in(page, live_app)
    page.goto(f"{live_app.url}/admin/participants/{PSEUDONYM}")
    pause = page.get_by_role("button", name="Pause messages")
    form = page.locator("form", has=pause)
    real_token = form.locator("input[name=csrf_token]").input_value()
    form.locator("input[name=csrf_token]").evaluate(
        "(input, token) => { input.value = token.split('').reverse().join(''); }", real_token
    )
    before = audit_actions(live_app)

    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        pause.click()

    assert answer.value.status == 400
    assert answer.value.url.endswith(f"/admin/participants/{PSEUDONYM}/pause")
    expect_the_form_refused(page)
    snap(page, "admin-csrf-refused")
    assert audit_actions(live_app) == before
    assert participant_status(live_app) is ParticipantStatus.ACTIVE

    # What the page says works: back, reload, and the same button does it.
    page.go_back()
    page.reload()
    page.get_by_role("button", name="Pause messages").click()
    expect(page.get_by_role("button", name="Resume messages")).to_be_visible()
    assert participant_status(live_app) is ParticipantStatus.PAUSED


def test_logging_out_without_the_csrf_token_is_refused_and_keeps_the_login(
    page: Page, live_app: LiveApp
):
    log_in(page, live_app)
    logout = page.locator("form.header__logout")
    logout.locator("input[name=csrf_token]").evaluate("input => input.remove()")
    before = audit_actions(live_app)

    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        logout.get_by_role("button", name="Log out").click()

    assert answer.value.status == 400
    expect_the_form_refused(page)
    snap(page, "admin-csrf-missing")
    assert audit_actions(live_app) == before  # no "logout" recorded
    # Still logged in: a forged log-out cannot end someone's session.
    page.get_by_role("link", name="Go to the dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
