"""The worker: one APScheduler BlockingScheduler with a few fixed interval jobs.

    dispatch-outbox   every 2 s   claim due messages and send them, paced
    fire-due          every 30 s  reminders and survey steps that have fallen due
    sweep-outbox      every 60 s  stuck sends become unknown; held messages go when they can;
                                  sessions soon to start with no reminders planned get them
    alert-staff       every 10 s  email and duty-line alerts about urgent safeguarding flags
    keep-private      daily 02:30 words past the retention period, and stopped people's
                      (local)     contact details, are removed (bot.retention)

Every job has coalesce=True (a backlog of missed runs collapses into one), max_instances=1
(a slow pass is never overlapped by the next) and a misfire grace time: a run more than that
late is skipped, since the next one will do the same work. One thread runs the jobs, so they
never overlap one another either: the outbox has one writer inside this process."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy.orm import Session, sessionmaker

from bot import retention, staff_alerts
from bot.db import transaction
from bot.due import fire_due
from bot.live_settings import LiveSettings
from bot.models import Channel, utcnow
from bot.reminders.schedule import plan_unplanned
from bot.sending.dispatcher import BATCH_SECONDS, Dispatcher
from bot.sending.envelope import Adapter
from bot.sending.sweeper import sweep
from bot.settings import Settings

log = logging.getLogger(__name__)

# A pass is sized so the slowest channel finishes it in about this long, so rows never sit
# in `sending` anywhere near the stuck timeout while they wait their turn.
PASS_SECONDS = 30
LARGEST_PASS = 500


@dataclass
class Jobs:
    sessions: sessionmaker[Session]
    settings: Settings
    adapters: dict[Channel, Adapter]
    dispatcher: Dispatcher
    # Asked before each dispatch pass: does this worker still hold the one-dispatcher lock?
    lock_held: Callable[[], bool] = lambda: True
    # Called (from the job thread) when the lock is found lost, to stop the scheduler.
    on_lock_lost: Callable[[], None] = lambda: None
    # Where an admin's changes on the Settings page come from; None keeps `settings` as given.
    live: LiveSettings | None = None

    def stop(self) -> None:
        """Finish the send in hand, then stop: nothing new is claimed after this."""
        self.dispatcher.stopping.set()

    @classmethod
    def build(cls, sessions, settings, adapters, *, live=None, **dispatcher_options) -> Jobs:
        dispatcher = Dispatcher(sessions, settings, adapters, **dispatcher_options)
        return cls(sessions, settings, adapters, dispatcher, live=live)

    def follow_changes(self) -> None:
        """Take up any change an admin made on the Settings page since the last pass."""
        if self.live is not None:
            self.settings = self.dispatcher.settings = self.live.current()

    def pass_size(self) -> int:
        # A batch is half a second of the slowest working channel; a pass is PASS_SECONDS of them.
        batches = int(PASS_SECONDS / BATCH_SECONDS)
        return min(LARGEST_PASS, self.dispatcher.batch_size * batches)

    def dispatch_outbox(self) -> None:
        self.follow_changes()
        if self.dispatcher.stopping.is_set():
            return
        if not self.lock_held():
            # Another worker may be dispatching now; two would break the pacing limits.
            log.error("this worker lost its lock; stopping so that only one worker dispatches")
            self.stop()
            self.on_lock_lost()
            return
        report = self.dispatcher.run_once(self.pass_size())
        if report.decided:
            log.info("dispatch: %s", report)

    def fire_due(self) -> None:
        self.follow_changes()
        with transaction(self.sessions) as session:
            queued = fire_due(session, self.settings, utcnow())
        if queued:
            log.info("fire-due: %d messages queued", queued)

    def sweep_outbox(self) -> None:
        self.follow_changes()
        with transaction(self.sessions) as session:
            report = sweep(session, self.settings, self.adapters.keys(), utcnow())
        if report.unknown or report.released or report.expired:
            log.info("sweep: %s", report)
        with transaction(self.sessions) as session:
            planned = plan_unplanned(session, self.settings, utcnow())
        if planned:
            log.info("sweep: planned reminders for %d sessions that had none", planned)

    def alert_staff(self) -> None:
        self.follow_changes()
        sent = staff_alerts.send_due(self.sessions, self.settings, utcnow())
        if sent:
            log.info("alert-staff: %d alerts sent", sent)

    def keep_private(self) -> None:
        self.follow_changes()
        with transaction(self.sessions) as session:
            report = retention.apply(session, self.settings, utcnow())
        log.info("keep-private: %s", report)

    def run_all_once(self) -> None:
        """For `voices worker --once`: sweep first, so a crash's leftovers are settled. The
        privacy job runs too, so that one command re-applies retention after a restore."""
        self.sweep_outbox()
        self.fire_due()
        self.dispatch_outbox()
        self.alert_staff()
        self.keep_private()


# (job id, method, seconds between runs, misfire grace seconds)
SCHEDULE = [
    ("dispatch-outbox", "dispatch_outbox", 2, 10),
    ("fire-due", "fire_due", 30, 60),
    ("sweep-outbox", "sweep_outbox", 60, 120),
    ("alert-staff", "alert_staff", 10, 30),
]
# (job id, method, local hour, minute, misfire grace seconds): once a day, at a quiet time.
DAILY = [("keep-private", "keep_private", 2, 30, 6 * 3600)]


def build_scheduler(jobs: Jobs, *, background: bool = False) -> BaseScheduler:
    """The worker's scheduler. `background` runs it in a thread beside the web process, which
    only `voices demo` does: in production the worker is its own process."""
    kind = BackgroundScheduler if background else BlockingScheduler
    scheduler = kind(timezone="UTC", executors={"default": ThreadPoolExecutor(1)})
    for job_id, method, seconds, grace in SCHEDULE:
        scheduler.add_job(
            getattr(jobs, method),
            "interval",
            seconds=seconds,
            id=job_id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=grace,
            next_run_time=utcnow(),  # start at once, not one interval after start-up
        )
    for job_id, method, hour, minute, grace in DAILY:
        scheduler.add_job(
            getattr(jobs, method),
            "cron",
            hour=hour,
            minute=minute,
            # Local time, so "02:30" stays 02:30 across the clock changes.
            timezone=jobs.settings.app.timezone,
            id=job_id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=grace,
        )
    return scheduler
