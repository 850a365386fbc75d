"""Surveys, "ask the group" and "you said, we did": the staff pages for what `voices survey`,
`voices ask` and `voices action` do on the command line.

The views are thin: the work is bot.surveys.runs (start, pause, resume, close), .results,
.you_said (record and tell) and .overview (what the pages list). Every change, and every
reading of results (people's own words), goes in the audit log with the member of staff."""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

from flask import abort, flash, g, redirect, render_template, request, url_for

from bot import copy, easy_read
from bot.audit import record
from bot.models import Action, RunKind, SurveyRun, utcnow
from bot.surveys import definitions, overview, results, runs, you_said
from bot.surveys.runs import RunError
from bot.surveys.you_said import ActionError
from webhooks.admin import blueprint, in_nav
from webhooks.admin.survey_chart import bar_chart, percent
from webhooks.context import settings, unit_of_work

in_nav(30, "admin.surveys", "Surveys")

MAX_DAYS = 60  # as `voices survey start --days`
CHANGES = {
    "pause": ("paused", lambda db, run: runs.pause(db, run)),
    "resume": ("running again", lambda db, run: runs.resume(db, run)),
    "close": ("closed", lambda db, run: runs.close(db, run, utcnow())),
}


def _zone() -> ZoneInfo:
    return ZoneInfo(settings().app.timezone)


# Surveys and runs ---------------------------------------------------------------------------


@blueprint.get("/surveys")
def surveys():
    return _surveys_page()


def _surveys_page(
    errors: list[str] | None = None, form: Mapping[str, str] | None = None, status=200
):
    with unit_of_work() as db:
        found = overview.all_runs(db)
    shipped = sorted(definitions.shipped().items())
    return (
        render_template(
            "admin/surveys.html", shipped=shipped, runs=found, errors=errors or [], form=form or {}
        ),
        status,
    )


@blueprint.post("/surveys/start")
def start_survey():
    form = request.form
    key = form.get("survey", "").strip()
    try:
        if not key:
            raise RunError("choose a survey to send")
        run_id = _start(form, survey_key=key)
    except RunError as exc:
        return _surveys_page([str(exc)], form, 400)
    flash(f"Survey run {run_id} is set. The worker sends the questions, one at a time.")
    return redirect(url_for("admin.surveys"))


def _days(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_DAYS:
        raise RunError(f"the number of days must be a whole number from 1 to {MAX_DAYS}")
    return int(text)


def _group(db, form: Mapping[str, str]) -> overview.Group:
    return overview.choose_group(
        db,
        _zone(),
        utcnow(),
        group=form.get("group", ""),
        course_code=form.get("course", ""),
        day=form.get("date", ""),
        start=form.get("start", ""),
        people=form.get("people", ""),
    )


def _start(
    form: Mapping[str, str], *, survey_key: str | None = None, ask_text: str | None = None
) -> int:
    """Start a run for the group on the form; a RunError says what to fix."""
    days = _days(form.get("days", ""))
    starts_at = overview.local_start(
        form.get("start_date", ""), form.get("start_time", ""), _zone()
    )
    with unit_of_work() as db:
        group = _group(db, form)
        run = runs.create_run(
            db,
            settings(),
            now=utcnow(),
            survey_key=survey_key,
            ask_text=ask_text,
            course=group.course,
            course_session=group.course_session,
            people=group.people,
            starts_at=starts_at,
            expire_after_days=days,
            staff_id=g.staff.id,
        )
        record(
            db,
            "survey.start" if run.kind is RunKind.SURVEY else "ask.start",
            staff_user_id=g.staff.id,
            target=run,
            detail={"cohort": run.cohort.value, "survey": survey_key},
        )
        return run.id


@blueprint.post("/surveys/<int:run_id>/<any(pause, resume, close):verb>")
def survey_change(run_id: int, verb: str):
    done, change = CHANGES[verb]
    try:
        with unit_of_work() as db:
            run = db.get(SurveyRun, run_id)
            if run is None:
                abort(404)
            change(db, run)
            record(db, f"survey.{verb}", staff_user_id=g.staff.id, target=run)
    except RunError as exc:
        return _surveys_page([str(exc)], status=409)
    flash(f"Run {run_id} is {done}.")
    if request.form.get("back") == "results":
        return redirect(url_for("admin.survey_results", run_id=run_id))
    return redirect(url_for("admin.surveys"))


@blueprint.get("/surveys/<int:run_id>")
def survey_results(run_id: int):
    with unit_of_work() as db:
        run = db.get(SurveyRun, run_id)
        if run is None:
            abort(404)
        found = results.results(db, run)
        row = overview.one_run(db, run_id)
        # Results hold people's own words: reading them is recorded, like any export.
        record(db, "survey.results", staff_user_id=g.staff.id, target=run)
    charts = {q.key: bar_chart(q.text, q.counts) for q in found.questions if q.counts}
    return render_template(
        "admin/surveys_results.html",
        run=row,
        found=found,
        charts=charts,
        percent=percent,
        is_ask=row.kind is RunKind.ASK,
    )


# Ask the group ------------------------------------------------------------------------------


@blueprint.route("/ask", methods=["GET", "POST"])
def ask_group():
    if request.method == "GET":
        return _ask_page({})
    form = request.form
    question = form.get("question", "")
    if not question.strip():
        return _ask_page(form, errors=["write the question"], status=400)
    # Sending needs a check of these very words first: a question changed after its check
    # is checked again, so staff always see the warnings for what goes out.
    if form.get("step") == "send" and form.get("checked") == question:
        try:
            run_id = _start(form, ask_text=question)
        except RunError as exc:
            return _ask_page(form, errors=[str(exc)], status=400)
        flash(f"Group question run {run_id} is set. Each person who replies is thanked once.")
        return redirect(url_for("admin.survey_results", run_id=run_id))
    try:
        _days(form.get("days", ""))
        overview.local_start(form.get("start_date", ""), form.get("start_time", ""), _zone())
        with unit_of_work() as db:
            _group(db, form)
    except RunError as exc:
        return _ask_page(form, errors=[str(exc)], status=400)
    return _ask_page(form, checked=True)


def _ask_page(form: Mapping[str, str], *, errors=(), checked=False, status=200):
    question = form.get("question", "")
    warnings = easy_read.check_text(question, "en") if checked else []
    message = question + "\n" + copy.text("ask.how_to_reply") if checked else ""
    return (
        render_template(
            "admin/surveys_ask.html",
            form=form,
            errors=list(errors),
            checked=checked,
            warnings=warnings,
            message=message,
        ),
        status,
    )


# You said, we did ---------------------------------------------------------------------------


@blueprint.route("/you-said", methods=["GET", "POST"])
def you_said_page():
    if request.method == "GET":
        return _you_said_page(request.args)
    form = request.form
    said, did = form.get("said", ""), form.get("did", "")
    saving = (
        form.get("step") == "save"
        and form.get("checked_said") == said
        and form.get("checked_did") == did
    )
    try:
        answer_ids = overview.parse_ids(form.getlist("answer"))
        message_ids = overview.parse_ids([form.get("messages", "")])
        with unit_of_work() as db:
            # The check records it too, inside a savepoint that is then undone: every refusal
            # (no links, someone's own words) shows now, and the preview is the message
            # exactly as it will be sent.
            trial = None if saving else db.begin_nested()
            try:
                action = you_said.record_action(
                    db,
                    said=said,
                    did=did,
                    answer_ids=answer_ids,
                    message_ids=message_ids,
                    now=utcnow(),
                    staff_id=g.staff.id,
                )
                preview = copy.text("you_said.told", "en", said=action.said, did=action.did)
                if saving:
                    record(db, "action.add", staff_user_id=g.staff.id, target=action)
                    action_id = action.id
            finally:
                if trial is not None:
                    trial.rollback()
    except ActionError as exc:
        return _you_said_page(form, errors=[str(exc)], status=400)
    if saving:
        flash(f"Action {action_id} is saved. Check the message, then tell the people it came from.")
        return redirect(url_for("admin.you_said_action", action_id=action_id))
    warnings = [f"What people said: {w}" for w in easy_read.check_text(said, "en")]
    warnings += [f"What we did: {w}" for w in easy_read.check_text(did, "en")]
    return _you_said_page(form, checked=True, warnings=warnings, preview=preview)


def _you_said_page(form, *, errors=(), checked=False, warnings=(), preview="", status=200):
    run_id = form.get("run", "")
    with unit_of_work() as db:
        actions = overview.all_actions(db)
        all_runs = overview.all_runs(db)
        run = db.get(SurveyRun, int(run_id)) if _an_id(run_id) else None
        answers = overview.run_answers(db, run) if run else []
        if run is not None:
            # The run's answers, in people's own words, are on the page: that is recorded.
            record(db, "survey.answers.view", staff_user_id=g.staff.id, target=run)
    return (
        render_template(
            "admin/surveys_you_said.html",
            form=form,
            ticked=set(form.getlist("answer")),
            actions=actions,
            runs=all_runs,
            run_id=run.id if run else None,
            answers=answers,
            errors=list(errors),
            checked=checked,
            warnings=list(warnings),
            preview=preview,
        ),
        status,
    )


@blueprint.get("/you-said/<int:action_id>")
def you_said_action(action_id: int):
    return _action_page(action_id)


def _action_page(action_id: int, errors=(), status=200):
    with unit_of_work() as db:
        found = db.get(Action, action_id)
        if found is None:
            abort(404)
        sources = overview.action_sources(db, action_id)
        # The linked answers and messages are shown word for word: that is recorded.
        record(db, "action.view", staff_user_id=g.staff.id, target=found)
    message = copy.text("you_said.told", "en", said=found.said, did=found.did)
    return (
        render_template(
            "admin/surveys_action.html",
            action=found,
            sources=sources,
            contributors=len({s.pseudonym for s in sources}),
            message=message,
            errors=list(errors),
        ),
        status,
    )


@blueprint.post("/you-said/<int:action_id>/tell")
def you_said_tell(action_id: int):
    try:
        with unit_of_work() as db:
            found = db.get(Action, action_id)
            if found is None:
                abort(404)
            told = you_said.tell(db, found, utcnow())
            record(
                db,
                "action.tell",
                staff_user_id=g.staff.id,
                target=found,
                detail={"told": told.told},
            )
    except ActionError as exc:
        return _action_page(action_id, [str(exc)], 409)
    flash(
        f"Telling {told.told} people. Not told: {told.not_agreed} did not agree to hear back, "
        f"{told.unreachable} cannot be reached now."
    )
    return redirect(url_for("admin.you_said_action", action_id=action_id))


def _an_id(text: str) -> bool:
    """Digits that can name a row: not "²", and not thousands of digits."""
    return text.isdecimal() and text.isascii() and len(text) <= 18
