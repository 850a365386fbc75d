"""What a run found: for each question, how many gave each answer, and every free-text answer
word for word, in the order they came. Only quotes from people who agreed to be quoted are
marked quotable; staff see the others, but may not put them in a report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models import (
    Answer,
    ConsentPurpose,
    InviteStatus,
    Participant,
    RunKind,
    SurveyInvite,
    SurveyRun,
)
from bot.reminders.audience import said_yes
from bot.surveys import definitions
from bot.surveys.answering import NOT_UNDERSTOOD, SKIPPED, run_survey_key
from bot.surveys.definitions import ENGLISH, QuestionType


@dataclass(frozen=True)
class Count:
    value: str
    label: str
    count: int
    # Of the answers that were understood; skipped and unclear ones are counted apart.
    percent: float


@dataclass(frozen=True)
class Quote:
    answer_id: int
    pseudonym: str
    text: str
    answered_at: datetime
    quotable: bool


@dataclass
class QuestionResult:
    key: str
    text: str
    type: QuestionType
    answered: int = 0
    skipped: int = 0
    not_understood: int = 0
    counts: list[Count] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)


@dataclass
class RunResults:
    run_id: int
    title: str
    invited: int
    by_status: dict[str, int]
    questions: list[QuestionResult]


def results(session: Session, run: SurveyRun) -> RunResults:
    questions = _questions(session, run)
    rows = session.execute(
        select(Answer, Participant.pseudonym)
        .join(Participant, Participant.id == Answer.participant_id)
        .where(Answer.run_id == run.id)
        .order_by(Answer.answered_at, Answer.id)
    ).all()
    quotable = said_yes(session, {a.participant_id for a, _ in rows}, ConsentPurpose.QUOTING)
    tallies: dict[str, dict[str, int]] = {q.key: {} for q in questions}
    by_key = {q.key: q for q in questions}
    for answer, pseudonym in rows:
        result = by_key.get(answer.question_key)
        if result is None:
            continue  # a question since removed from the file; its answers stay in the export
        if answer.parsed_value == SKIPPED:
            result.skipped += 1
        elif answer.parsed_value == NOT_UNDERSTOOD:
            result.not_understood += 1
        elif result.type is QuestionType.TEXT:
            result.answered += 1
            result.quotes.append(
                Quote(
                    answer.id,
                    pseudonym,
                    answer.raw_text or "",
                    answer.answered_at,
                    answer.participant_id in quotable,
                )
            )
        else:
            result.answered += 1
            tally = tallies[result.key]
            tally[answer.parsed_value] = tally.get(answer.parsed_value, 0) + 1
    for result in questions:
        result.counts = _counts(session, run, result, tallies[result.key])
    statuses = dict(
        session.execute(
            select(SurveyInvite.status, func.count())
            .where(SurveyInvite.run_id == run.id)
            .group_by(SurveyInvite.status)
        ).all()
    )
    return RunResults(
        run.id,
        _title(session, run),
        sum(statuses.values()),
        {status.value: statuses.get(status, 0) for status in InviteStatus},
        questions,
    )


def _questions(session: Session, run: SurveyRun) -> list[QuestionResult]:
    if run.kind is RunKind.ASK:
        return [QuestionResult("ask", run.ask_text or "", QuestionType.TEXT)]
    definition = definitions.get(run_survey_key(session, run) or "")
    if definition is None:
        return []
    return [
        QuestionResult(q.key, q.text.in_language(ENGLISH), q.type) for q in definition.questions
    ]


def _counts(
    session: Session, run: SurveyRun, result: QuestionResult, tally: dict[str, int]
) -> list[Count]:
    if result.type is QuestionType.TEXT:
        return []
    if result.type is QuestionType.YES_NO:
        labels = [("yes", "Yes"), ("no", "No")]
    else:
        definition = definitions.get(run_survey_key(session, run) or "")
        question = definition.question(result.key)
        labels = [
            (str(n), words.in_language(ENGLISH))
            for n, words in enumerate(question.answers, start=1)
        ]
    total = sum(tally.values())
    return [
        Count(value, label, tally.get(value, 0), 100 * tally.get(value, 0) / total if total else 0)
        for value, label in labels
    ]


def _title(session: Session, run: SurveyRun) -> str:
    if run.kind is RunKind.ASK:
        return f"Group question: {run.ask_text}"
    definition = definitions.get(run_survey_key(session, run) or "")
    return definition.title if definition else f"run {run.id}"
