"""The browser test machinery itself works, before any page of ours exists to test with it."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask import Flask, request
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import SCREENSHOTS, serve, snap

pytestmark = pytest.mark.browser


def test_chromium_opens_a_page_and_reads_its_title(browser: Browser):
    html = "<!doctype html><meta charset='utf-8'><title>Many Voices ✓</title><p>Hello £5</p>"
    browser_page = browser.new_page()
    try:
        browser_page.goto("data:text/html;charset=utf-8," + quote(html))
        assert browser_page.title() == "Many Voices ✓"
        assert browser_page.text_content("p") == "Hello £5"
    finally:
        browser_page.close()


def throwaway_app() -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def form():
        return (
            "<!doctype html><title>Form</title>"
            "<form method='post'><label for='name'>Your name</label>"
            "<input id='name' name='name'><button>Send</button></form>"
        )

    @app.post("/")
    def answer():
        return f"<!doctype html><title>Thanks</title><h1>Thank you, {request.form['name']}</h1>"

    return app


def test_a_form_round_trip_through_a_served_app(page: Page):
    with serve(throwaway_app()) as url:
        page.goto(url)
        page.get_by_label("Your name").fill("Sam")
        page.get_by_role("button", name="Send").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, Sam")
        assert page.title() == "Thanks"
        path = snap(page, "smoke-throwaway-form")
    assert path == SCREENSHOTS / "smoke-throwaway-form.png"
    assert path.stat().st_size > 0
