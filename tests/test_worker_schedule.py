"""The worker's fixed jobs: their ids, how often they run, and the nightly privacy job's hour
in London, across both clock changes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.db import make_engine, make_session_factory
from bot.settings import Settings
from scheduler.worker import Jobs, build_scheduler

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def scheduler():
    sessions = make_session_factory(make_engine("sqlite://"))
    jobs = Jobs.build(sessions=sessions, settings=Settings(), adapters={})
    return build_scheduler(jobs)


def test_the_worker_has_the_documented_jobs_and_no_others(scheduler):
    ids = sorted(job.id for job in scheduler.get_jobs())
    assert ids == ["alert-staff", "dispatch-outbox", "fire-due", "keep-private", "sweep-outbox"]


def test_staff_alerts_are_sent_within_ten_seconds(scheduler):
    assert scheduler.get_job("alert-staff").trigger.interval.total_seconds() == 10


@pytest.mark.parametrize(
    ("after", "expected_utc"),
    [
        # Winter: 02:30 GMT is 02:30 UTC.
        (datetime(2026, 11, 23, 12, 0, tzinfo=UTC), datetime(2026, 11, 24, 2, 30, tzinfo=UTC)),
        # The night the clocks go forward (29 March 2026): 02:30 BST is 01:30 UTC.
        (datetime(2026, 3, 28, 12, 0, tzinfo=UTC), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        # The night they go back (25 October 2026): 02:30 GMT again, once.
        (datetime(2026, 10, 24, 12, 0, tzinfo=UTC), datetime(2026, 10, 25, 2, 30, tzinfo=UTC)),
    ],
)
def test_the_privacy_job_runs_at_half_past_two_london_time_once_a_night(
    scheduler, after, expected_utc
):
    trigger = scheduler.get_job("keep-private").trigger
    following = trigger.get_next_fire_time(None, after.astimezone(LONDON))
    assert following.astimezone(UTC) == expected_utc
    assert following.astimezone(LONDON).strftime("%H:%M") == "02:30"
