"""The survey pages through Flask's test client, on SQLite and PostgreSQL: starting, pausing,
resuming and closing runs; results with bars drawn in SVG and the same numbers in a table;
asking the group after an easy-read check; and "you said, we did", told once. Runs go through
the worker's survey pass and answers through the inbox, as in production."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta
from html import unescape
from html.parser import HTMLParser

import pytest
import time_machine
from markupsafe import escape
from sqlalchemy import func, select

from bot import copy
from bot.db import make_engine, make_session_factory
from bot.events import InboundMessage
from bot.inbox import receive
from bot.models import (
    Action,
    Answer,
    Attendance,
    AuditEvent,
    Channel,
    Cohort,
    ConsentPurpose,
    Direction,
    Message,
    RunKind,
    SurveyInvite,
    SurveyRun,
    SurveyRunStatus,
)
from bot.settings import Settings
from bot.surveys.results import Count
from bot.surveys.stepping import fire_due_surveys
from tests.factories import (
    create_address,
    create_consent,
    create_course,
    create_course_session,
    create_enrolment,
    create_membership,
    create_participant,
)
from tests.webhooks.admin.conftest import csrf_from
from webhooks.admin.survey_chart import bar_chart

# Monday 23 November 2026, 11am in London: inside everyone's hours.
NOW = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
_sids = itertools.count(1)
RUNS = "Every survey and group question, newest first, with how far people got"


@pytest.fixture(autouse=True)
def clock():
    # Before the login: a signed session cookie from the future is refused, rightly.
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


# Setting up people, and the worker and the inbox as the other processes --------------------


def member(db, course, n: int, *, quoting=True, feedback=True):
    person = create_participant(db, pseudonym=f"V-P{n:03d}")
    create_address(db, person, value=phone(n))
    create_membership(db, course, person)
    create_consent(db, person.id, purpose=ConsentPurpose.SURVEYS)
    create_consent(db, person.id, purpose=ConsentPurpose.QUOTING, granted=quoting)
    create_consent(db, person.id, purpose=ConsentPurpose.FEEDBACK, granted=feedback)
    return person


def phone(n: int) -> str:
    return f"+4479110003{n:02d}"


def worker_pass(database_url, when=NOW):
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session, time_machine.travel(when, tick=False):
            fire_due_surveys(session, Settings(), when)
            session.commit()
    finally:
        engine.dispose()


def reply(database_url, n: int, text: str, when=NOW):
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session, time_machine.travel(when, tick=False):
            sid = f"SM{next(_sids):032x}"
            receive(session, InboundMessage(Channel.SMS, phone(n), sid, text))
            session.commit()
    finally:
        engine.dispose()


def sent_to(db, person) -> list[str]:
    db.rollback()
    return list(
        db.scalars(
            select(Message.body)
            .where(Message.participant_id == person.id, Message.direction == Direction.OUTBOUND)
            .order_by(Message.id)
        )
    )


def audited(db) -> list[tuple[str, int | None]]:
    db.rollback()
    return list(
        db.execute(select(AuditEvent.action, AuditEvent.staff_user_id).order_by(AuditEvent.id))
    )


# Reading pages ------------------------------------------------------------------------------


def html_of(client, path: str, status: int = 200) -> str:
    answer = client.get(path)
    assert answer.status_code == status, answer.get_data(as_text=True)[:2000]
    return answer.get_data(as_text=True)


def post(client, path: str, data: dict, *, page: str | None = None):
    """Post a form with the CSRF token from the page it is on."""
    token = csrf_from(html_of(client, page or path))
    return client.post(path, data={**data, "csrf_token": token})


class _Tables(HTMLParser):
    """Each table's caption and its rows, as the text of their cells."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._caption: list[str] | None = None
        self._rows: list[list[str]] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._rows = []
        elif tag == "caption":
            self._caption = []
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "caption" and self._caption is not None:
            self._name = " ".join("".join(self._caption).split())
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table" and self._rows is not None:
            self.tables[self._name] = self._rows
            self._rows = None

    def handle_data(self, data):
        if self._caption is not None:
            self._caption.append(data)
        if self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def error_summary(html: str) -> str:
    found = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert found, "the page has no error summary"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(0))).split())


def first_run(html: str) -> dict[str, str]:
    """The newest run's row on the surveys page, by column heading."""
    heading, row = tables(html)[RUNS][:2]
    return dict(zip(heading, row, strict=True))


def section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    end = html.find("</section>", start)
    return html[start:end]


# Starting runs ------------------------------------------------------------------------------


def test_starting_a_survey_for_a_course_from_the_page_sets_a_run_and_audits_who_did_it(
    logged_in, db, staff, database_url
):
    art = create_course(db, code="ART1", title="Art for wellbeing")
    people = [member(db, art, n) for n in (1, 2)]
    db.commit()
    answer = post(
        logged_in,
        "/admin/surveys/start",
        {"survey": "post-session", "group": "course", "course": "art1", "days": "3"},
        page="/admin/surveys",
    )
    assert (answer.status_code, answer.headers["Location"]) == (302, "/admin/surveys")
    html = html_of(logged_in, "/admin/surveys")
    assert "Survey run 1 is set." in html
    run_row = first_run(html)
    assert run_row["Run"].startswith("Run 1")
    assert run_row["What"] == "After a session"
    assert run_row["Group"] == "Course ART1 (Art for wellbeing)"
    assert run_row["Status"] == "Scheduled"
    db.rollback()
    run = db.scalars(select(SurveyRun)).one()
    assert (run.kind, run.cohort, run.created_by_id) == (RunKind.SURVEY, Cohort.COURSE, staff.id)
    assert run.expires_at == NOW + timedelta(days=3)
    assert ("survey.start", staff.id) in audited(db)
    # The worker invites the course's members and asks the first question.
    worker_pass(database_url)
    assert all(sent_to(db, person) for person in people)
    progress = first_run(html_of(logged_in, "/admin/surveys"))
    assert (progress["Status"], progress["Invited"], progress["Waiting or asking"]) == (
        "Running",
        "2",
        "0 waiting, 2 asking",
    )


def test_a_survey_can_go_to_the_people_who_came_to_a_session_or_to_people_named(
    logged_in, db, database_url
):
    art = create_course(db, code="ART1")
    came, missed, named = member(db, art, 1), member(db, art, 2), member(db, art, 3)
    monday = create_course_session(db, art, starts_at=NOW - timedelta(hours=3))
    create_enrolment(db, monday, came, attendance=Attendance.ATTENDED)
    create_enrolment(db, monday, missed, attendance=Attendance.MISSED)
    db.commit()
    by_session = post(
        logged_in,
        "/admin/surveys/start",
        {"survey": "post-session", "group": "session", "course": "ART1", "date": "2026-11-23"},
        page="/admin/surveys",
    )
    assert by_session.status_code == 302
    by_name = post(
        logged_in,
        "/admin/surveys/start",
        {"survey": "what-matters", "group": "people", "people": "v-p003"},
        page="/admin/surveys",
    )
    assert by_name.status_code == 302
    worker_pass(database_url)
    assert sent_to(db, came) and sent_to(db, named)
    assert sent_to(db, missed) == []
    html = html_of(logged_in, "/admin/surveys")
    assert "Session of ART1, <time" in html
    assert "People named by staff" in html
    # A session is surveyed once: asking again says so, rather than failing.
    again = post(
        logged_in,
        "/admin/surveys/start",
        {"survey": "post-session", "group": "session", "course": "ART1", "date": "2026-11-23"},
        page="/admin/surveys",
    )
    assert again.status_code == 400
    assert "That session already has this survey: see run 1" in error_summary(
        again.get_data(as_text=True)
    )


@pytest.mark.parametrize(
    ("form", "problem"),
    [
        (
            {"survey": "post-session", "group": "course", "course": "nope"},
            "There is no course NOPE",
        ),
        ({"survey": "post-session", "group": "course"}, "Give the course code"),
        (
            {"survey": "post-session", "group": "people", "people": "V-GONE"},
            "No participant called V-GONE",
        ),
        (
            {"survey": "post-session", "group": "session", "course": "ART1", "date": "2026-11-30"},
            "Course ART1 has no session on 2026-11-30",
        ),
        (
            {"survey": "post-session", "group": "course", "course": "ART1", "days": "99"},
            "The number of days must be a whole number from 1 to 60",
        ),
        (
            {
                "survey": "post-session",
                "group": "course",
                "course": "ART1",
                "start_date": "2026-13-01",
            },
            "real date",
        ),
        ({"survey": "nope", "group": "course", "course": "ART1"}, 'There is no survey "nope"'),
    ],
)
def test_a_mistake_on_the_start_form_is_shown_in_an_error_summary_and_nothing_starts(
    logged_in, db, form, problem
):
    create_course(db, code="ART1")
    db.commit()
    answer = post(logged_in, "/admin/surveys/start", form, page="/admin/surveys")
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert problem in error_summary(html)
    # What staff typed is kept, so they fix it rather than write it all again.
    if form.get("course"):
        assert f'value="{escape(form["course"])}"' in html
    db.rollback()
    assert db.scalar(select(func.count()).select_from(SurveyRun)) == 0


def test_a_run_starts_at_the_local_time_given(logged_in, db):
    create_course(db, code="ART1")
    db.commit()
    answer = post(
        logged_in,
        "/admin/surveys/start",
        {
            "survey": "post-session",
            "group": "course",
            "course": "ART1",
            "start_date": "2026-11-24",
            "start_time": "18:00",
        },
        page="/admin/surveys",
    )
    assert answer.status_code == 302
    db.rollback()
    # London is on GMT in November.
    assert db.scalars(select(SurveyRun)).one().starts_at == datetime(2026, 11, 24, 18, tzinfo=UTC)


# Pausing, resuming, closing -----------------------------------------------------------------


def test_a_run_can_be_paused_resumed_and_closed_from_the_page_and_each_change_is_audited(
    logged_in, db, staff, database_url
):
    art = create_course(db, code="ART1")
    person = member(db, art, 1)
    db.commit()
    post(
        logged_in,
        "/admin/surveys/start",
        {"survey": "what-matters", "group": "course", "course": "ART1"},
        page="/admin/surveys",
    )
    paused = post(logged_in, "/admin/surveys/1/pause", {}, page="/admin/surveys")
    assert paused.status_code == 302
    assert "Run 1 is paused." in html_of(logged_in, "/admin/surveys")
    worker_pass(database_url)
    assert sent_to(db, person) == []
    resumed = post(logged_in, "/admin/surveys/1/resume", {"back": "results"}, page="/admin/surveys")
    assert resumed.headers["Location"] == "/admin/surveys/1"
    worker_pass(database_url)
    assert sent_to(db, person)[0].startswith("We want to know what matters to you.")
    assert post(logged_in, "/admin/surveys/1/close", {}, page="/admin/surveys").status_code == 302
    db.rollback()
    assert db.get(SurveyRun, 1).status is SurveyRunStatus.FINISHED
    assert db.scalars(select(SurveyInvite.status)).one().value == "expired"
    # A closed run has nothing left to change: no buttons, and a second close is refused.
    html = html_of(logged_in, "/admin/surveys")
    assert "/admin/surveys/1/close" not in html
    again = post(logged_in, "/admin/surveys/1/close", {}, page="/admin/surveys")
    assert again.status_code == 409
    assert "Run 1 is already finished" in error_summary(again.get_data(as_text=True))
    changes = [a for a, who in audited(db) if a.startswith("survey.") and who == staff.id]
    assert changes == ["survey.start", "survey.pause", "survey.resume", "survey.close"]


def test_an_unknown_run_is_not_found(logged_in):
    assert html_of(logged_in, "/admin/surveys/99", status=404)
    token = csrf_from(html_of(logged_in, "/admin/surveys"))
    assert logged_in.post("/admin/surveys/99/pause", data={"csrf_token": token}).status_code == 404


# Results ------------------------------------------------------------------------------------


def test_the_results_page_shows_counts_percentages_svg_bars_and_a_table_with_the_same_numbers(
    logged_in, db, staff, database_url
):
    art = create_course(db, code="ART1")
    for n in (1, 2, 3, 4, 5):
        member(db, art, n)
    db.commit()
    post(
        logged_in,
        "/admin/surveys/start",
        {"survey": "post-session", "group": "course", "course": "ART1"},
        page="/admin/surveys",
    )
    worker_pass(database_url)
    for n, words in ((1, "5"), (2, "very good"), (3, "4"), (4, "skip"), (5, "purple")):
        reply(database_url, n, words)
    reply(database_url, 5, "purple again")  # a second miss: not understood
    html = html_of(logged_in, "/admin/surveys/1")

    assert "<h1>After a session: results</h1>" in html
    assert "3 answered, 1 skipped, 1 not understood" in html
    table = tables(html)["Answers to “How was the session today?”"]
    assert table == [
        ["Answer", "Number", "Percent"],
        ["Very bad", "0", "0.0%"],
        ["Bad", "0", "0.0%"],
        ["OK", "0", "0.0%"],
        ["Good", "1", "33.3%"],
        ["Very good", "2", "66.7%"],
        ["Skipped", "1", "not counted"],
        ["Not understood", "1", "not counted"],
    ]
    question = section(html, "q-how_was_it")
    svg = re.search(r"<svg[^>]*>.*?</svg>", question, re.S).group(0)
    assert 'role="img"' in svg
    label = unescape(re.search(r'aria-label="([^"]*)"', svg).group(1))
    assert label == (
        "How was the session today?. Very bad: 0 (0.0%); Bad: 0 (0.0%); OK: 0 (0.0%); "
        "Good: 1 (33.3%); Very good: 2 (66.7%)"
    )
    words = [unescape(w) for w in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    assert words == [
        "Very bad", "0 (0.0%)", "Bad", "0 (0.0%)", "OK", "0 (0.0%)",
        "Good", "1 (33.3%)", "Very good", "2 (66.7%)",
    ]  # fmt: skip
    # One bar per answer given, its length its share: Very good is twice Good.
    widths = [int(w) for w in re.findall(r'<rect class="bar-chart__bar"[^>]*width="(\d+)"', svg)]
    assert len(widths) == 2 and abs(widths[1] - 2 * widths[0]) <= 1
    # The table comes straight after the chart.
    assert question.index("</svg>") < question.index("<table") < question.index("Skipped")
    assert ("survey.results", staff.id) in audited(db)


def test_quotes_are_shown_escaped_in_order_and_marked_quotable_or_not_in_words(
    logged_in, db, database_url
):
    art = create_course(db, code="ART1")
    member(db, art, 1)
    member(db, art, 2, quoting=False)
    member(db, art, 3)
    db.commit()
    post(
        logged_in,
        "/admin/ask",
        {"question": "What would help you?", "group": "course", "course": "ART1"}
        | {"step": "send", "checked": "What would help you?"},
        page="/admin/ask",
    )
    worker_pass(database_url)
    reply(database_url, 1, "<script>alert(1)</script> a lift")
    reply(database_url, 2, "more breaks & <b>tea</b>")
    reply(database_url, 3, "later   starts\nplease", when=NOW + timedelta(minutes=5))
    html = html_of(logged_in, "/admin/surveys/1")
    assert "<script>alert(1)</script>" not in html and "<b>tea</b>" not in html
    assert str(escape("<script>alert(1)</script> a lift")) in html
    quotable = section(html, "quotable-ask")
    not_quotable = section(html, "not-quotable-ask")
    assert "Replies you may quote (2)" in quotable
    assert quotable.index("V-P001") < quotable.index("V-P003")  # in the order they came
    assert quotable.count(">Quotable</strong>") == 2
    assert str(escape("later   starts\nplease")) in quotable  # word for word
    assert "Replies not for quoting (1)" in not_quotable
    assert str(escape("more breaks & <b>tea</b>")) in not_quotable
    assert not_quotable.count(">Not for quoting</strong>") == 1
    assert "Quotable" not in not_quotable.replace("Not for quoting", "")


def test_the_results_page_has_a_print_stylesheet(logged_in, db):
    create_course(db, code="ART1")
    db.commit()
    post(
        logged_in,
        "/admin/surveys/start",
        {"survey": "post-session", "group": "course", "course": "ART1"},
        page="/admin/surveys",
    )
    html = html_of(logged_in, "/admin/surveys/1")
    assert 'href="/admin/static/surveys.css"' in html
    css = logged_in.get("/admin/static/surveys.css").get_data(as_text=True)
    assert "@media print" in css


def test_the_chart_escapes_its_words_and_says_its_numbers_to_a_screen_reader():
    svg = bar_chart(
        'Was it "OK" <really>?',
        [Count("1", "<b>Yes</b> & more", 3, 75.0), Count("2", "No", 1, 25.0)],
    )
    assert "<b>" not in svg and "<really>" not in svg
    assert "&lt;b&gt;Yes&lt;/b&gt; &amp; more" in svg
    assert 'aria-label="Was it &#34;OK&#34; &lt;really&gt;?. &lt;b&gt;Yes' in svg
    assert svg.count('<rect class="bar-chart__bar"') == 2


# Ask the group ------------------------------------------------------------------------------

HARD = (
    "In order to facilitate the forthcoming stakeholder consultation regarding the "
    "reconfiguration of provision, please indicate your preferences concerning the scheduling "
    "of subsequent sessions."
)


def test_ask_the_group_shows_easy_read_warnings_before_sending_and_sends_after(
    logged_in, db, staff, database_url
):
    art = create_course(db, code="ART1")
    people = [member(db, art, n) for n in (1, 2)]
    db.commit()
    html = html_of(logged_in, "/admin/ask")
    assert '<label for="question">Question</label>' in html
    assert "<legend>Who to ask</legend>" in html
    checked = post(
        logged_in,
        "/admin/ask",
        {"question": HARD, "group": "course", "course": "ART1", "step": "check"},
        page="/admin/ask",
    )
    assert checked.status_code == 200
    html = checked.get_data(as_text=True)
    assert "This question may not be easy read" in html
    assert "a sentence has 23 words, more than 15" in html
    assert "Send anyway" in html
    assert escape(HARD + "\n" + copy.text("ask.how_to_reply")) in html
    db.rollback()
    assert db.scalar(select(func.count()).select_from(SurveyRun)) == 0

    sent = logged_in.post(
        "/admin/ask",
        data={
            "question": HARD,
            "checked": HARD,
            "group": "course",
            "course": "ART1",
            "step": "send",
            "csrf_token": csrf_from(html),
        },
    )
    assert (sent.status_code, sent.headers["Location"]) == (302, "/admin/surveys/1")
    db.rollback()
    run = db.scalars(select(SurveyRun)).one()
    assert (run.kind, run.ask_text, run.created_by_id) == (RunKind.ASK, HARD, staff.id)
    assert ("ask.start", staff.id) in audited(db)
    worker_pass(database_url)
    assert all(sent_to(db, p) == [HARD + "\n" + copy.text("ask.how_to_reply")] for p in people)
    assert "Group question run 1 is set." in html_of(logged_in, "/admin/surveys/1")


def test_an_easy_read_question_is_checked_too_and_a_question_changed_after_its_check_is_not_sent(
    logged_in, db
):
    create_course(db, code="ART1")
    db.commit()
    plain = "What would help you come on Tuesday?"
    checked = post(
        logged_in,
        "/admin/ask",
        {"question": plain, "group": "course", "course": "ART1", "step": "check"},
        page="/admin/ask",
    ).get_data(as_text=True)
    assert "No easy-read problems found." in checked
    assert ">Send</button>" in checked
    changed = logged_in.post(
        "/admin/ask",
        data={
            "question": HARD,
            "checked": plain,
            "group": "course",
            "course": "ART1",
            "step": "send",
            "csrf_token": csrf_from(checked),
        },
    )
    assert changed.status_code == 200
    assert "Send anyway" in changed.get_data(as_text=True)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(SurveyRun)) == 0


def test_ask_the_group_says_what_is_wrong_with_the_group_at_the_check(logged_in):
    answer = post(
        logged_in,
        "/admin/ask",
        {"question": "What helps?", "group": "session", "course": "ART1", "step": "check"},
        page="/admin/ask",
    )
    assert answer.status_code == 400
    assert "Give the date of the session" in error_summary(answer.get_data(as_text=True))


# You said, we did ---------------------------------------------------------------------------

SAID = "Some of you want sessions in the evening"
DID = "We added an evening course on Thursdays"


def asked_and_answered(logged_in, db, database_url):
    art = create_course(db, code="ART1")
    agreed = member(db, art, 1)
    refused = member(db, art, 2, feedback=False)
    db.commit()
    post(
        logged_in,
        "/admin/ask",
        {"question": "What would help you come?", "group": "course", "course": "ART1"}
        | {"step": "send", "checked": "What would help you come?"},
        page="/admin/ask",
    )
    worker_pass(database_url)
    reply(database_url, 1, "sessions after work please")
    reply(database_url, 2, "evenings are better for me")
    db.rollback()
    return agreed, refused, list(db.scalars(select(Answer.id).order_by(Answer.id)))


def test_you_said_previews_the_exact_message_and_tells_each_person_who_agreed_once(
    logged_in, db, staff, database_url
):
    agreed, refused, answer_ids = asked_and_answered(logged_in, db, database_url)
    html = html_of(logged_in, "/admin/you-said?run=1")
    assert "<legend>Answers that led to this</legend>" in html
    for answer_id in answer_ids:
        assert f'name="answer" value="{answer_id}"' in html
    assert "sessions after work please" in html

    form = {"run": "1", "answer": [str(a) for a in answer_ids], "said": SAID, "did": DID}
    checked = post(logged_in, "/admin/you-said", form | {"step": "check"}, page="/admin/you-said")
    assert checked.status_code == 200
    expected = copy.text("you_said.told", "en", said=SAID + ".", did=DID + ".")
    page = checked.get_data(as_text=True)
    preview = re.search(r'<p class="message-preview" id="message-preview">(.*?)</p>', page, re.S)
    assert unescape(preview.group(1)) == expected
    assert page.count("checked>") >= 2  # the ticks are kept
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Action)) == 0  # a check saves nothing

    saved = logged_in.post(
        "/admin/you-said",
        data=form
        | {"step": "save", "checked_said": SAID, "checked_did": DID, "csrf_token": csrf_from(page)},
    )
    assert saved.status_code == 302
    # The check saved nothing, but on PostgreSQL it used up a number: follow the redirect.
    db.rollback()
    action_id = db.scalars(select(Action.id)).one()
    at = f"/admin/you-said/{action_id}"
    assert saved.headers["Location"] == at
    action_page = html_of(logged_in, at)
    assert escape(expected) in action_page
    assert sent_to(db, agreed)[-1] != expected  # saving sends nothing

    told = post(logged_in, f"{at}/tell", {}, page=at)
    assert told.status_code == 302
    html = html_of(logged_in, at)
    assert (
        "Telling 1 people. Not told: 1 did not agree to hear back, 0 cannot be reached now." in html
    )
    assert "Tell them" not in html
    assert sent_to(db, agreed)[-1] == expected
    assert expected not in sent_to(db, refused)

    token = csrf_from(html)
    again = logged_in.post(f"{at}/tell", data={"csrf_token": token})
    assert again.status_code == 409
    assert "already told" in error_summary(again.get_data(as_text=True))
    assert sent_to(db, agreed).count(expected) == 1
    changes = [a for a, who in audited(db) if a.startswith("action.") and a != "action.view"]
    assert changes == ["action.add", "action.tell"]
    # Each showing of the action page, with its linked words, is recorded too.
    assert "action.view" in [a for a, who in audited(db)]
    assert all(who == staff.id for a, who in audited(db) if a.startswith("action."))
    listing = html_of(logged_in, "/admin/you-said")
    assert f"Action {action_id}" in listing and "Not told yet" not in listing


def test_you_said_refuses_a_paraphrase_that_repeats_someones_words_at_the_check(
    logged_in, db, database_url
):
    _, _, answer_ids = asked_and_answered(logged_in, db, database_url)
    answer = post(
        logged_in,
        "/admin/you-said",
        {
            "run": "1",
            "answer": [str(answer_ids[0])],
            "said": "You want sessions after work please.",
            "did": DID,
            "step": "check",
        },
        page="/admin/you-said",
    )
    assert answer.status_code == 400
    assert "in your own words" in error_summary(answer.get_data(as_text=True))
    nothing_linked = post(
        logged_in,
        "/admin/you-said",
        {"said": SAID, "did": DID, "step": "save", "checked_said": SAID, "checked_did": DID},
        page="/admin/you-said",
    )
    assert nothing_linked.status_code == 400
    assert "Link the answers or messages" in error_summary(nothing_linked.get_data(as_text=True))
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Action)) == 0


# Safety -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/admin/surveys/start",
        "/admin/surveys/1/pause",
        "/admin/surveys/1/resume",
        "/admin/surveys/1/close",
        "/admin/ask",
        "/admin/you-said",
        "/admin/you-said/1/tell",
    ],
)
def test_every_form_is_refused_with_400_without_its_csrf_token(logged_in, db, path):
    art = create_course(db, code="ART1")
    member(db, art, 1)
    db.commit()
    answer = logged_in.post(
        path,
        data={"survey": "post-session", "group": "course", "course": "ART1", "question": "Hi?"}
        | {"step": "send", "checked": "Hi?", "said": SAID, "did": DID},
    )
    assert answer.status_code == 400
    db.rollback()
    assert db.scalar(select(func.count()).select_from(SurveyRun)) == 0


def test_the_survey_pages_need_a_login(admin_app):
    client = admin_app.test_client()
    for path in ("/admin/surveys", "/admin/surveys/1", "/admin/ask", "/admin/you-said"):
        answer = client.get(path)
        assert answer.status_code == 302
        assert answer.headers["Location"].startswith("/admin/login")


def test_surveys_are_in_the_main_navigation(logged_in):
    html = html_of(logged_in, "/admin/surveys")
    assert '<a href="/admin/surveys" aria-current="page">Surveys</a>' in html
