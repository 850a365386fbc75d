"""The Settings page through Flask's test client, on SQLite and PostgreSQL: admins only; each
value shown with where it comes from; a change checked as config.toml's would be, saved with
its group or not at all, audited, and followed at once by this process and within seconds by
the worker; the environment left in charge of what it sets; secrets never shown."""

from __future__ import annotations

import logging
import threading
from contextlib import nullcontext
from dataclasses import replace
from datetime import time
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from bot import live_settings
from bot.db import make_session_factory, reading_only
from bot.live_settings import LiveSettings, applied
from bot.models import AuditEvent, SettingChange
from bot.settings import DatabaseSettings, SafeguardingSettings
from bot.time_windows import TimeWindow
from scheduler.worker import Jobs
from tests.webhooks.admin.conftest import csrf_from, log_in
from tests.webhooks.admin.test_surveys_pages import error_summary, html_of
from webhooks.app import create_app
from webhooks.context import settings as settings_in_force

PAGE = "/admin/settings"


@pytest.fixture
def as_admin(admin_app, admin_user):
    client = admin_app.test_client()
    assert log_in(client, admin_user.email).status_code == 302
    return client


def save(client, group: str, **values):
    token = csrf_from(html_of(client, PAGE))
    data = {"group": group, "csrf_token": token}
    data.update({name.replace("__", "."): value for name, value in values.items()})
    return client.post(PAGE, data=data)


def in_force(app):
    with app.test_request_context():
        return settings_in_force()


def changes(db) -> dict[str, str]:
    db.rollback()
    return {f"{r.section}.{r.key}": r.value for r in db.scalars(select(SettingChange))}


def setting_audits(db) -> list[dict]:
    db.rollback()
    return [
        e.detail
        for e in db.scalars(
            select(AuditEvent).where(AuditEvent.action == "settings.change").order_by(AuditEvent.id)
        )
    ]


def test_only_admins_can_see_or_change_the_settings(logged_in):
    assert logged_in.get(PAGE).status_code == 403
    token = csrf_from(html_of(logged_in, "/admin/"))
    answer = logged_in.post(
        PAGE, data={"group": "Sending", "app.send_window": "always", "csrf_token": token}
    )
    assert answer.status_code == 403
    assert 'href="/admin/settings"' not in html_of(logged_in, "/admin/")


def test_the_page_shows_each_value_in_force_and_where_it_comes_from(as_admin):
    html = html_of(as_admin, PAGE)
    assert 'name="app.send_window" value="09:00-20:00"' in html
    assert 'name="reminders.day_before_at" value="10:00"' in html
    assert "The built-in default." in html
    assert 'href="/admin/settings"' in html_of(as_admin, "/admin/")


def test_a_change_is_saved_audited_and_in_force_at_once(as_admin, admin_app, db, admin_user):
    answer = save(as_admin, "Reminders", reminders__day_before_at="09:30")
    assert answer.status_code == 303
    assert changes(db) == {"reminders.day_before_at": "09:30"}
    assert setting_audits(db) == [
        {"setting": "reminders.day_before_at", "from": "10:00", "to": "09:30"}
    ]
    assert in_force(admin_app).reminders.day_before_at == time(9, 30)
    html = html_of(as_admin, PAGE)
    assert "Saved: Day-before reminder time." in html
    assert "Changed here by alex@college.example on" in html
    assert "The config file says 10:00." in html


def test_another_process_follows_a_change_within_its_reread_time(as_admin, engine, web_settings):
    worker_view = LiveSettings(web_settings, make_session_factory(reading_only(engine)), every=0)
    assert worker_view.current().app.send_window == TimeWindow.parse("09:00-20:00")
    save(as_admin, "Sending", app__send_window="10:00-18:00")
    assert worker_view.current().app.send_window == TimeWindow.parse("10:00-18:00")


def test_the_worker_takes_up_a_change_before_its_next_pass(as_admin, engine, web_settings):
    sessions = make_session_factory(engine)
    live = LiveSettings(web_settings, make_session_factory(reading_only(engine)), every=0)
    jobs = Jobs.build(sessions, web_settings, {}, live=live)
    save(as_admin, "Sending", app__send_window="always")
    jobs.follow_changes()
    assert jobs.settings.app.send_window.always
    assert jobs.dispatcher.settings.app.send_window.always


def test_a_bad_value_saves_nothing_in_its_group_and_says_how_to_fix_it(as_admin, db):
    answer = save(
        as_admin,
        "Reminders",
        reminders__day_before_at="25:00",
        reminders__hours_before="3",
    )
    assert answer.status_code == 400
    problem = error_summary(answer.get_data(as_text=True))
    assert problem.startswith("There is a problem Day-before reminder time:")
    assert 'For example: "10:00" (or "off")' in problem
    assert changes(db) == {}
    assert setting_audits(db) == []
    # The form keeps what was typed, so it can be put right.
    assert 'value="25:00"' in answer.get_data(as_text=True)


def test_a_shorter_retention_time_is_saved_only_when_the_admin_confirms_it(as_admin, db):
    answer = save(as_admin, "Privacy", privacy__keep_words_days="180")
    assert answer.status_code == 400
    assert "removes older words or numbers for good" in error_summary(answer.get_data(as_text=True))
    assert changes(db) == {}
    assert save(as_admin, "Privacy", privacy__keep_words_days="400").status_code == 303
    assert changes(db) == {"privacy.keep_words_days": "400"}


def test_putting_back_the_files_value_hands_the_setting_back_to_the_file(as_admin, db):
    save(as_admin, "Privacy", privacy__keep_words_days="180", confirm_shorter="yes")
    assert changes(db) == {"privacy.keep_words_days": "180"}
    save(as_admin, "Privacy", privacy__keep_words_days="365")
    assert changes(db) == {}
    assert [a["to"] for a in setting_audits(db)] == ["180", "365"]


def test_saving_without_a_change_records_nothing(as_admin, db):
    answer = save(as_admin, "Surveys", surveys__expire_after_days="7")
    assert answer.status_code == 303
    assert changes(db) == {}
    assert setting_audits(db) == []


def test_a_survey_that_does_not_exist_is_refused_like_in_the_config_file(as_admin, db):
    answer = save(as_admin, "Surveys", surveys__after_session="no-such-survey")
    assert answer.status_code == 400
    assert 'there is no survey "no-such-survey"' in error_summary(answer.get_data(as_text=True))
    assert changes(db) == {}


def test_alert_emails_need_a_mail_server_and_the_audit_counts_them_without_copying(
    admin_app, as_admin, db, web_settings, engine, admin_user
):
    answer = save(as_admin, "Safeguarding", safeguarding__alert_emails="duty@college.example")
    assert answer.status_code == 400
    assert "no mail server" in error_summary(answer.get_data(as_text=True))

    with_mail = replace(web_settings, safeguarding=SafeguardingSettings(smtp_host="smtp.example"))
    app = create_app(replace(with_mail, app=replace(with_mail.app, secure_cookies=False)))
    client = app.test_client()
    assert log_in(client, admin_user.email).status_code == 302
    emails = "duty@college.example, lead@college.example"
    assert save(client, "Safeguarding", safeguarding__alert_emails=emails).status_code == 303
    assert in_force(app).safeguarding.alert_emails == (
        "duty@college.example",
        "lead@college.example",
    )
    assert setting_audits(db) == [{"setting": "safeguarding.alert_emails", "to": "2 addresses"}]
    app.extensions["voices"]["engine"].dispose()


def test_a_setting_from_the_environment_is_shown_locked_and_cannot_be_changed_here(
    web_settings, admin_user, db
):
    from_env = replace(
        web_settings,
        app=replace(web_settings.app, secure_cookies=False, send_window=TimeWindow.parse("always")),
        origins={"app.send_window": "environment"},
    )
    app = create_app(from_env)
    client = app.test_client()
    assert log_in(client, admin_user.email).status_code == 302
    html = html_of(client, PAGE)
    assert "Set by the environment variable VOICES_APP_SEND_WINDOW. Change it there." in html
    assert 'name="app.send_window" value="always"' in html
    assert save(client, "Sending", app__send_window="09:00-17:00").status_code == 303
    assert changes(db) == {}
    assert in_force(app).app.send_window.always
    app.extensions["voices"]["engine"].dispose()


def test_secrets_and_the_database_password_are_never_shown(web_settings, admin_user, engine):
    url = "postgresql://voices:hunter2secret@db.example/voices?sslpassword=alsosecret"
    shown = replace(
        web_settings,
        app=replace(web_settings.app, secure_cookies=False),
        database=DatabaseSettings(url=url),
    )
    app = create_app(shown)
    # The page reads the test database; only what it displays is under test here.
    app.extensions["voices"]["engine"].dispose()
    app.extensions["voices"]["engine"] = engine
    app.extensions["voices"]["sessions"] = make_session_factory(engine)
    app.extensions["voices"]["settings"].sessions = make_session_factory(reading_only(engine))
    client = app.test_client()
    assert log_in(client, admin_user.email).status_code == 302
    html = html_of(client, PAGE)
    assert "hunter2secret" not in html and "alsosecret" not in html
    assert "postgresql://voices:***@db.example/voices?sslpassword=hidden" in html
    assert web_settings.twilio.auth_token not in html
    assert "<code>TWILIO_AUTH_TOKEN</code>: set" in html
    assert "<code>SMTP_PASSWORD</code>: not set" in html


def test_the_environment_is_named_as_the_source_of_what_it_sets(tmp_path):
    from bot.settings import load_settings

    path = tmp_path / "config.toml"
    path.write_text('[database]\nurl = "sqlite:///file.db"\n[app]\ntimezone = "Europe/London"\n')
    found = load_settings(
        path,
        env={"DATABASE_URL": "sqlite:///env.db", "VOICES_APP_SEND_WINDOW": "always"},
    )
    assert found.origins["database.url"] == "environment"
    assert found.origins["app.send_window"] == "environment"
    assert found.origins["app.timezone"] == "file"
    assert "app.service_name" not in found.origins


def test_a_stored_change_that_no_longer_passes_can_be_replaced_from_the_page(as_admin, db):
    db.add(SettingChange(section="surveys", key="after_session", value="removed-survey"))
    db.commit()
    assert save(as_admin, "Surveys", surveys__after_session="off").status_code == 303
    assert changes(db) == {}


def test_a_stored_change_that_no_longer_passes_is_left_out_and_logged_once(
    web_settings, caplog, monkeypatch
):
    monkeypatch.setattr(live_settings, "_WARNED", set())
    with caplog.at_level(logging.WARNING, logger="bot.live_settings"):
        result = applied(
            web_settings,
            {"surveys.after_session": "removed-survey", "privacy.keep_words_days": "200"},
        )
    assert result.surveys.after_session == web_settings.surveys.after_session
    assert result.privacy.keep_words_days == 200
    assert "surveys.after_session no longer passes its check" in caplog.text
    assert "removed-survey" not in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.live_settings"):
        applied(web_settings, {"surveys.after_session": "removed-survey"})
    assert caplog.text == ""


def test_a_slow_reread_cannot_put_back_the_value_a_save_replaced(web_settings, monkeypatch):
    """A gunicorn thread's periodic re-read began before a save, and ends after the save's
    own re-read: the saved value must stay in force."""
    stored: dict[str, str] = {}
    first_read_began, let_it_finish = threading.Event(), threading.Event()
    reads = []

    def read_changes(_session):
        snapshot = dict(stored)
        reads.append(snapshot)
        if len(reads) == 1:
            first_read_began.set()
            let_it_finish.wait(5)
        return {name: SimpleNamespace(value=value) for name, value in snapshot.items()}

    monkeypatch.setattr(live_settings, "read_changes", read_changes)
    live = LiveSettings(web_settings, lambda: nullcontext(), every=3600)
    slow = threading.Thread(target=live.current)
    slow.start()
    assert first_read_began.wait(5)
    stored["privacy.keep_words_days"] = "200"  # the save commits
    saver = threading.Thread(target=live.refresh)
    saver.start()
    saver.join(0.5)  # without the lock, the save's own re-read would be done by now
    let_it_finish.set()
    slow.join(5)
    saver.join(5)
    assert live.current().privacy.keep_words_days == 200
