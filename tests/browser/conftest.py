"""Real-browser tests: Debian's Chromium, driven by Playwright, against the app in a thread.

Fixtures:
- `browser`: one headless Chromium for all the browser tests.
- `live_app`: `create_app(settings)` served on 127.0.0.1 for one test, on each backend, with
  `.url`, `.sessions` (to seed and check rows) and `.settings`.
- `page`: a fresh browser context and page (10 s timeouts); a screenshot of it is kept in
  test-artifacts/screenshots/<test name>.png when the test ends, whether it passed or not.
- `database_url`: here, a database built by the migrations (as `voices serve` needs), not
  by `create_all`.

Helpers to import: `snap(page, name)`, `staff_login(live_app, ...)`, `serve(flask_app)`.

CI installs Chromium (.ci/run). Without it these tests fail, they are not skipped: a skip would
hide a broken CI."""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.serving import make_server

from bot.db import make_engine, make_session_factory
from bot.migrate import upgrade
from bot.settings import Settings
from bot.staff import add_staff
from webhooks.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
# As ../shared/peers/README.md says. No sandbox: CI runs as root in a container, where
# Chromium's sandbox cannot start. The rest stops the browser calling Google on its own.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
SECRET_KEY = "browser-tests-only-not-a-real-secret-key-0123456789abcdef"
STAFF_PASSWORD = "correct horse battery staple"

# expect(...) waits 5 s unless told; the same 10 s as everything else on the page.
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Headless Chromium, started once for the tests in this folder.

    Package scope, not session: while Playwright's sync API is alive, the main thread looks to
    asyncio as if an event loop were running, so any later test calling asyncio.run() or
    loop.run_until_complete() (the Telegram adapter, `voices telegram`) would fail. Closing
    Playwright when the last browser test is done keeps the rest of the suite out of it."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing, and the browser tests need it. Install Debian's Chromium: "
            "`apt-get install -y chromium` (.ci/run does this in CI). "
            "`playwright install` cannot be used instead: its download host is not reachable.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass(frozen=True)
class LiveApp:
    url: str  # the base URL, with no slash at the end: f"{live_app.url}/admin/login"
    sessions: sessionmaker[Session]
    settings: Settings


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Serve a WSGI app on 127.0.0.1 in a background thread; yields its base URL.

    Port 0 lets the system pick a free port as the socket is bound, so there is no gap in
    which another process could take it. Threaded: a browser asks for several things at once."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-app", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()  # waits for serve_forever to return
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def database_url(empty_database_url: str) -> str:
    """A database at the Alembic head, on the parametrised backend (SQLite, PostgreSQL)."""
    engine = make_engine(empty_database_url)
    upgrade(engine)
    engine.dispose()
    return empty_database_url


@pytest.fixture
def live_app(settings: Settings) -> Iterator[LiveApp]:
    """The web app on a real port. Plain HTTP on loopback, so cookies must not be Secure-only.

    Keep sessions from `.sessions` short (`with live_app.sessions() as s: ...; s.commit()`):
    on SQLite an open writing transaction makes the app wait for its lock."""
    settings = dataclasses.replace(
        settings,
        source="(browser test)",
        app=dataclasses.replace(settings.app, secure_cookies=False, secret_key=SECRET_KEY),
    )
    app = create_app(settings)
    engine = make_engine(settings.database.url)
    try:
        with serve(app) as url:
            yield LiveApp(url=url, sessions=make_session_factory(engine), settings=settings)
    finally:
        engine.dispose()
        app.extensions["voices"]["engine"].dispose()


def _file_name(name: str) -> str:
    # test_x[sqlite] -> test_x-sqlite
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "page"


def snap(page: Page, name: str) -> Path:
    """Save a full-page screenshot as test-artifacts/screenshots/<name>.png; returns its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{_file_name(name)}.png"
    page.screenshot(path=path, full_page=True)
    return path


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    browser_page = context.new_page()
    try:
        yield browser_page
    finally:
        try:
            snap(browser_page, request.node.name)
        except PlaywrightError as error:
            # A page that crashed or closed has nothing to show; the test says what went wrong.
            request.node.warn(pytest.PytestWarning(f"no screenshot of the page: {error}"))
        finally:
            context.close()


def staff_login(
    live_app: LiveApp,
    email: str = "staff@example.org",
    password: str = STAFF_PASSWORD,
    *,
    admin: bool = False,
) -> tuple[str, str]:
    """Make a staff account in the live app's database; returns (email, password) to log in."""
    with live_app.sessions() as session:
        add_staff(session, email, password, admin=admin)
        session.commit()
    return email, password
