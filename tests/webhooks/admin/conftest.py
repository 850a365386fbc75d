"""Fixtures for the admin page through Flask's test client: a real app on the test database,
staff accounts, and a logged-in client. Browser tests are in tests/browser."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from bot.db import make_session_factory, reading_only
from bot.staff import add_staff
from webhooks.app import create_app

PASSWORD = "correct horse battery"


@pytest.fixture
def admin_app(web_settings, engine):
    settings = replace(web_settings, app=replace(web_settings.app, secure_cookies=False))
    app = create_app(settings)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def db(engine):
    """A session for setting up rows and looking at what the pages wrote. reading_only: it
    stays open while the app writes, so it must not hold SQLite's write lock."""
    with make_session_factory(reading_only(engine))() as session:
        yield session


@pytest.fixture
def staff(db):
    user = add_staff(db, "sam@college.example", PASSWORD)
    db.commit()
    return user


@pytest.fixture
def admin_user(db):
    user = add_staff(db, "alex@college.example", PASSWORD, admin=True)
    db.commit()
    return user


def csrf_from(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def log_in(client, email: str, password: str = PASSWORD):
    page = client.get("/admin/login")
    token = csrf_from(page.get_data(as_text=True))
    return client.post(
        "/admin/login", data={"email": email, "password": password, "csrf_token": token}
    )


@pytest.fixture
def logged_in(admin_app, staff):
    client = admin_app.test_client()
    assert log_in(client, staff.email).status_code == 302
    return client
