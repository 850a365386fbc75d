"""Staff log in to the admin page in a real browser, on SQLite and on PostgreSQL.

The contract: GET /admin/login is a form (email, password, hidden csrf_token) labelled
"Email address" and "Password" with a "Log in" button. Logging in leads to /admin/, headed
"Dashboard". Any failure shows one generic message in `.error-summary`. Anyone not logged in
who asks for /admin/ is sent to the login page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveApp, snap, staff_login

pytestmark = pytest.mark.browser


def login_url(live_app: LiveApp) -> str:
    return f"{live_app.url}/admin/login"


def log_in(page: Page, live_app: LiveApp, email: str, password: str) -> None:
    page.goto(login_url(live_app))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()


def test_logging_in_reaches_the_dashboard(page: Page, live_app: LiveApp):
    email, password = staff_login(live_app)
    page.goto(login_url(live_app))
    expect(page.get_by_label("Email address")).to_have_attribute("name", "email")
    expect(page.get_by_label("Password", exact=True)).to_have_attribute("name", "password")
    expect(page.locator("input[type=hidden][name=csrf_token]")).to_have_count(1)
    snap(page, "admin-login")

    log_in(page, live_app, email, password)

    expect(page).to_have_url(f"{live_app.url}/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    snap(page, "admin-dashboard")


def test_a_wrong_password_shows_the_generic_error(page: Page, live_app: LiveApp):
    email, password = staff_login(live_app)

    log_in(page, live_app, "nobody@example.org", password)
    expect(page.locator(".error-summary")).to_be_visible()
    unknown_email_error = page.locator(".error-summary").inner_text().strip()

    log_in(page, live_app, email, password + "-wrong")
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape(login_url(live_app))))
    expect(page.get_by_role("heading", name="Dashboard")).to_have_count(0)
    snap(page, "admin-login-error")
    # One message for both: it must not tell a stranger which staff email addresses exist.
    assert unknown_email_error
    assert page.locator(".error-summary").inner_text().strip() == unknown_email_error


def test_anyone_not_logged_in_is_sent_to_the_login_page(page: Page, live_app: LiveApp):
    page.goto(f"{live_app.url}/admin/")

    expect(page).to_have_url(re.compile(re.escape(login_url(live_app)) + r"(\?.*)?$"))
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
