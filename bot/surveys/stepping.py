"""The worker's survey pass: start runs that are due, ask, ask again after an interruption,
nudge once, and close runs whose time is up.

Turn-taking, the rule for which question comes first (docs/surveys.md):
- A person has one open question at a time (`conversation_states` has one row per person).
- A reminder's "are you coming?" comes first: it is about a session that is soon. It takes
  the place of an open survey question (bot.reminders.rsvp.REPLACEABLE), and the survey waits.
- A survey question is only sent to someone with no open question, inside their hours.
  When the reminder's question is answered or dropped, the survey asks its question again,
  once it is free to, with "Here is our question again."
- One survey at a time: a second run waits until the first is finished for that person.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from bot import conversation, copy
from bot.consent import SHARING_WAIT
from bot.erasure_request import STALE_AFTER as ERASURE_WAIT
from bot.events import Reply
from bot.models import (
    Channel,
    Cohort,
    ConversationState,
    CourseSession,
    Enrolment,
    InviteStatus,
    Message,
    Participant,
    ParticipantStatus,
    PendingQuestion,
    RunKind,
    SessionStatus,
    Survey,
    SurveyInvite,
    SurveyRun,
    SurveyRunStatus,
)
from bot.outbox import queued_row
from bot.reminders.audience import insert_rows
from bot.reminders.rsvp import REASON_WAIT
from bot.sending.broadcast import best_addresses
from bot.sending.send_window import next_opening, window_for
from bot.settings import Settings
from bot.surveys import definitions, runs
from bot.surveys.asking import ask_reply, question_context, question_reply, survey_tag, words

log = logging.getLogger("bot.surveys")

PER_PASS = 200  # people asked in one pass; the rest go on the next, 30 seconds later
# A question is asked again after each interruption, but not for ever.
MAX_TIMES_ASKED = 4


@dataclass(frozen=True)
class Step:
    """What to send one invited person now."""

    invite: SurveyInvite
    run: SurveyRun
    participant: Participant


def fire_due_surveys(session: Session, settings: Settings, now: datetime) -> int:
    _start_post_session_runs(session, settings, now)
    _start_due_runs(session, now)
    _expire_runs(session, now)
    # A survey under way carries on before a new one starts; a nudge comes last, so it never
    # goes with a question asked in the same pass.
    queued = _ask_again(session, settings, now)
    queued += _ask_waiting(session, settings, now)
    queued += _nudge(session, settings, now)
    return queued


def _start_post_session_runs(session: Session, settings: Settings, now: datetime) -> None:
    for course_session, key in runs.sessions_needing_a_run(session, settings, now):
        delay = settings.surveys.after_session_hours
        try:
            # A savepoint: if another worker made the same run a moment ago, only this undoes.
            with session.begin_nested():
                runs.create_run(
                    session,
                    settings,
                    now=now,
                    survey_key=key,
                    course_session=course_session,
                    starts_at=course_session.ends_at + timedelta(hours=delay),
                )
        except (IntegrityError, runs.RunError):
            continue


def _start_due_runs(session: Session, now: datetime) -> None:
    due = session.scalars(
        select(SurveyRun).where(
            SurveyRun.status == SurveyRunStatus.SCHEDULED,
            SurveyRun.starts_at <= now,
            SurveyRun.expires_at > now,
        )
    ).all()
    for run in due:
        run.status = SurveyRunStatus.RUNNING
        if run.cohort is not Cohort.LIST:
            runs.invite(session, run, runs.cohort_ids(session, run), now)
    # People marked as having come to a session after its survey started are asked too.
    for run in session.scalars(
        select(SurveyRun).where(
            SurveyRun.status == SurveyRunStatus.RUNNING, SurveyRun.cohort == Cohort.SESSION
        )
    ):
        runs.invite(session, run, runs.cohort_ids(session, run), now)


def _expire_runs(session: Session, now: datetime) -> None:
    ended = session.scalars(
        select(SurveyRun).where(SurveyRun.status.in_(runs.OPEN), SurveyRun.expires_at <= now)
    ).all()
    for run in ended:
        run.status = SurveyRunStatus.EXPIRED
    if ended:
        runs.end_invites(session, [run.id for run in ended], now)


def _ask_waiting(session: Session, settings: Settings, now: datetime) -> int:
    busy = aliased(SurveyInvite)
    query = _steps(InviteStatus.WAITING).where(
        _owes_no_answer(now),
        # One survey at a time: not while another run is waiting on this person's answer.
        ~exists().where(
            busy.participant_id == SurveyInvite.participant_id,
            busy.status == InviteStatus.ASKING,
        ),
    )
    return _send(session, settings, now, _free(session, settings, now, query), first=True)


def _ask_again(session: Session, settings: Settings, now: datetime) -> int:
    """Asking invites whose question is no longer open: the reminder that took its place is
    settled, or the run was paused when they answered the one before."""
    steps = _free(session, settings, now, _steps(InviteStatus.ASKING).where(_owes_no_answer(now)))
    ready = []
    for step in steps:
        if step.invite.times_asked >= MAX_TIMES_ASKED:
            # Asked often enough: the invite ends, so the next survey is not held up for ever.
            step.invite.status, step.invite.finished_at = InviteStatus.EXPIRED, now
        else:
            ready.append(step)
    return _send(session, settings, now, ready)


def _nudge(session: Session, settings: Settings, now: datetime) -> int:
    """One gentle nudge to people still on a question when the run's nudge time comes: only
    those first asked before then, so nobody gets a question and its nudge together."""
    query = _steps(InviteStatus.ASKING).where(
        SurveyRun.nudge_at <= now,
        SurveyInvite.asked_at < SurveyRun.nudge_at,
        SurveyInvite.nudged_at.is_(None),
        SurveyInvite.times_asked < MAX_TIMES_ASKED,
        exists().where(
            ConversationState.participant_id == SurveyInvite.participant_id,
            ConversationState.pending.in_((PendingQuestion.SURVEY, PendingQuestion.ASK)),
        ),
    )
    steps = _free(session, settings, now, query)
    for step in steps:
        step.invite.nudged_at = now
    return _send(session, settings, now, steps, nudge=True)


def _owes_no_answer(now: datetime) -> ColumnElement[bool]:
    """The invited person has no open question, or only one that has gone stale and would
    never be read as an answer any more: an RSVP for a session that has begun (or was called
    off, or they were taken off), a reason asked for over a day ago, or a sharing question
    left unanswered for a day. Without this, one ignored "are you coming?" would hold back
    every survey for that person for ever."""
    state = ConversationState
    booking = state.context["enrolment_id"].as_integer()
    session_over = exists().where(
        Enrolment.id == booking,
        CourseSession.id == Enrolment.session_id,
        or_(
            CourseSession.starts_at <= now,
            CourseSession.status != SessionStatus.SCHEDULED,
            Enrolment.removed_at.is_not(None),
        ),
    )
    stale = or_(
        and_(state.pending == PendingQuestion.RSVP, session_over),
        and_(
            state.pending == PendingQuestion.RSVP_REASON,
            or_(state.asked_at <= now - REASON_WAIT, session_over),
        ),
        and_(
            state.pending.in_((PendingQuestion.CONSENT_QUOTING, PendingQuestion.CONSENT_FEEDBACK)),
            state.asked_at <= now - SHARING_WAIT,
        ),
        and_(
            state.pending == PendingQuestion.ERASURE_CONFIRM,
            state.asked_at <= now - ERASURE_WAIT,
        ),
    )
    return ~exists().where(state.participant_id == SurveyInvite.participant_id, ~stale)


def _steps(status: InviteStatus) -> Select:
    return (
        select(SurveyInvite, SurveyRun, Participant)
        .join(SurveyRun, SurveyRun.id == SurveyInvite.run_id)
        .join(Participant, Participant.id == SurveyInvite.participant_id)
        .where(
            SurveyInvite.status == status,
            SurveyRun.status == SurveyRunStatus.RUNNING,
            Participant.status == ParticipantStatus.ACTIVE,
        )
        .order_by(SurveyInvite.id)
        # More rows than are asked: some are outside their own hours, or a second invite of
        # someone already picked, and must not starve the people behind them.
        .limit(PER_PASS * 5)
        # Two workers never pick the same person (PostgreSQL; SQLite runs one writer at a time).
        .with_for_update(of=SurveyInvite, skip_locked=True)
    )


def _free(session: Session, settings: Settings, now: datetime, query: Select) -> list[Step]:
    """The people in `query` inside their own hours, one invite each, PER_PASS at most."""
    zone = ZoneInfo(settings.app.timezone)
    if next_opening(now, settings.app.send_window, zone) is not None:
        # The service's hours are closed: only people with hours of their own can be asked.
        query = query.where(Participant.quiet_hours.is_not(None))
    seen: set[int] = set()
    steps: list[Step] = []
    for invite, run, person in session.execute(query).all():
        if person.id in seen or len(steps) == PER_PASS:
            continue
        window = window_for(person.quiet_hours, settings.app.send_window)
        if next_opening(now, window, zone) is not None:
            continue  # asked when their hours open: an answer at midnight is not wanted
        seen.add(person.id)
        steps.append(Step(invite, run, person))
    return steps


def _send(
    session: Session,
    settings: Settings,
    now: datetime,
    steps: list[Step],
    *,
    first: bool = False,
    nudge: bool = False,
) -> int:
    if not steps:
        return 0
    addresses = best_addresses(
        session, [step.participant.id for step in steps], (ParticipantStatus.ACTIVE,)
    )
    surveys = _definitions(session, {step.run.survey_id for step in steps})
    rows: list[dict] = []
    for step in steps:
        invite, run, person = step.invite, step.run, step.participant
        if person.id not in addresses:
            continue  # no working address now; tried again on the next pass
        address_id, channel = addresses[person.id]
        replies = _replies(step, surveys.get(run.survey_id), channel, settings, first, nudge)
        if replies is None:
            invite.status, invite.finished_at = InviteStatus.EXPIRED, now
            continue
        question = invite.question_key
        invite.status, invite.times_asked, invite.asked_at = (
            InviteStatus.ASKING,
            invite.times_asked + 1,
            now,
        )
        stamp = f"{invite.id}:{question}:{invite.times_asked}"
        for index, reply in enumerate(replies):
            rows.append(
                queued_row(
                    participant_id=person.id,
                    address_id=address_id,
                    channel=channel,
                    reply=reply,
                    send_key=f"survey:{stamp}:{index}",
                    now=now,
                    # Past the run's end a question is no use: it expires, never arriving late.
                    not_after=run.expires_at,
                )
            )
        if not nudge:  # a nudge repeats the open question; the others open it
            pending = PendingQuestion.ASK if run.kind is RunKind.ASK else PendingQuestion.SURVEY
            # Any question still on record is stale (see _owes_no_answer): this replaces it.
            conversation.clear(session, person.id)
            session.add(
                ConversationState(
                    participant_id=person.id,
                    pending=pending,
                    context=question_context(run.id, invite.id, question),
                    misses=0,
                    asked_at=now,
                )
            )
    insert_rows(session, Message, rows)
    session.flush()
    return len(rows)


def _replies(
    step: Step,
    definition: definitions.SurveyDefinition | None,
    channel: Channel,
    settings: Settings,
    first: bool,
    nudge: bool,
) -> list[Reply] | None:
    """The messages for this step, or None if the survey file is gone (the run cannot go on)."""
    invite, run, language = step.invite, step.run, step.participant.language
    lead = []
    if nudge:
        lead.append(words("survey.nudge", language))
    if run.kind is RunKind.ASK:
        invite.question_key = "ask"
        return [*lead, ask_reply(run.ask_text, language)]
    if definition is None:
        log.error("survey run %s: its survey file is missing; its invites are closed", run.id)
        return None
    if first:
        invite.question_key = definition.first().key
        lead.append(Reply(definition.intro.in_language(language), kind="survey"))
    question = definition.question(invite.question_key)
    if question is None:
        log.error(
            "survey run %s: question %r is no longer in its file", run.id, invite.question_key
        )
        return None
    again = invite.times_asked > 0 and not first
    reply = question_reply(
        question,
        language,
        channel,
        settings.app.public_url,
        lead=copy.text("survey.asked_again", language) if again and not nudge else None,
        tag=survey_tag(invite.id, question.key),
    )
    return [*lead, reply]


def _definitions(
    session: Session, survey_ids: set[int | None]
) -> dict[int, definitions.SurveyDefinition]:
    ids = [i for i in survey_ids if i is not None]
    if not ids:
        return {}
    keys = session.execute(select(Survey.id, Survey.key).where(Survey.id.in_(ids))).all()
    found = {}
    for survey_id, key in keys:
        definition = definitions.get(key)
        if definition is not None:
            found[survey_id] = definition
    return found
