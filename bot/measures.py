"""What the Measures page reads: the DNA rates and chart (bot.dna_rates), and how many people
answered each survey or group question they were asked.

Survey response rate = people who gave at least one answer / people asked at least one
question. People invited but never asked (quiet hours, another question of theirs still open)
are reported, not counted, as with unmarked bookings in the DNA rate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from bot import dna_rates
from bot.models import (
    Answer,
    Course,
    InviteStatus,
    RunKind,
    Survey,
    SurveyInvite,
    SurveyRun,
)
from bot.p_chart import PChart, Point

RUNS_SHOWN = 20


@dataclass(frozen=True)
class DnaMeasures:
    course_code: str | None  # None: every course
    sessions: list[dna_rates.SessionTally]
    chart: PChart
    by_course: list[dna_rates.Tally]
    by_month: list[dna_rates.Tally]

    @property
    def charted(self) -> list[tuple[dna_rates.SessionTally, Point]]:
        """Each point of the chart with the session it stands for. Sessions with nobody marked
        attended or missed have no rate, so no point (see `uncharted`)."""
        marked = [s for s in self.sessions if s.tally.attended + s.tally.missed > 0]
        return list(zip(marked, self.chart.points, strict=True))

    @property
    def uncharted(self) -> list[dna_rates.SessionTally]:
        return [s for s in self.sessions if s.tally.attended + s.tally.missed == 0]


@dataclass(frozen=True)
class SurveyRate:
    run_id: int
    title: str
    starts_at: datetime
    invited: int
    asked: int
    answered: int
    finished: int

    @property
    def rate(self) -> float | None:
        return self.answered / self.asked if self.asked else None


def dna_measures(
    session: Session, zone: ZoneInfo, now: datetime, course_code: str | None = None
) -> DnaMeasures:
    """Sessions that have started, for one course or all; the chart is of those sessions."""
    sessions = dna_rates.by_session(session, zone, course_code=course_code, until=now)
    return DnaMeasures(
        course_code=course_code.upper() if course_code else None,
        sessions=sessions,
        chart=dna_rates.dna_chart(sessions),
        by_course=dna_rates.by_course(sessions),
        by_month=dna_rates.by_month(sessions, zone),
    )


def course_codes(session: Session) -> list[str]:
    return list(session.scalars(select(Course.code).order_by(Course.code)))


def survey_rates(session: Session, now: datetime, limit: int = RUNS_SHOWN) -> list[SurveyRate]:
    """The newest runs that have started, newest first."""
    invites = (
        select(
            SurveyInvite.run_id,
            func.count().label("invited"),
            func.count(SurveyInvite.asked_at).label("asked"),
            func.count().filter(SurveyInvite.status == InviteStatus.DONE).label("finished"),
        )
        .group_by(SurveyInvite.run_id)
        .subquery()
    )
    answers = (
        select(Answer.run_id, func.count(distinct(Answer.participant_id)).label("answered"))
        .group_by(Answer.run_id)
        .subquery()
    )
    rows = session.execute(
        select(
            SurveyRun.id,
            SurveyRun.kind,
            SurveyRun.ask_text,
            Survey.title,
            SurveyRun.starts_at,
            func.coalesce(invites.c.invited, 0),
            func.coalesce(invites.c.asked, 0),
            func.coalesce(answers.c.answered, 0),
            func.coalesce(invites.c.finished, 0),
        )
        .outerjoin(Survey, Survey.id == SurveyRun.survey_id)
        .outerjoin(invites, invites.c.run_id == SurveyRun.id)
        .outerjoin(answers, answers.c.run_id == SurveyRun.id)
        .where(SurveyRun.starts_at <= now)
        .order_by(SurveyRun.starts_at.desc(), SurveyRun.id.desc())
        .limit(limit)
    ).all()
    return [
        SurveyRate(
            run_id,
            f"Group question: {ask}" if kind is RunKind.ASK else (title or f"Survey run {run_id}"),
            starts_at,
            int(invited),
            int(asked),
            int(answered),
            int(finished),
        )
        for run_id, kind, ask, title, starts_at, invited, asked, answered, finished in rows
    ]
