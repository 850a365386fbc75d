"""Staff who hit an error on the admin page get a readable page and a way back, never JSON."""

from __future__ import annotations


def test_a_missing_page_is_a_readable_404_with_a_way_back(logged_in):
    answer = logged_in.get("/admin/participants/V-NOBODY")
    assert answer.status_code == 404
    html = answer.get_data(as_text=True)
    assert "We could not find that page." in html
    assert 'href="/admin/"' in html


def test_a_form_sent_without_its_token_explains_what_to_do(logged_in):
    answer = logged_in.post("/admin/logout")
    assert answer.status_code == 400
    assert "reload the page and try again" in answer.get_data(as_text=True)


def test_provider_webhooks_still_get_json_errors(admin_app):
    answer = admin_app.test_client().get("/webhooks/twilio/messages")
    assert answer.status_code == 405
    assert answer.is_json
