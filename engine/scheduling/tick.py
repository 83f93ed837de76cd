"""The tick: APScheduler 3.11 runs the sweep, webhook delivery and the digests.

The database is the source of truth; APScheduler only says "now". Jobs live in memory (no
persistent job store): a restarted scheduler runs the sweep at once and catches up from the
items' schedule rows (item_schedule.next_check_at), and produces the current digests if nobody
did (digest marks). Several schedulers, in `leadflow serve` processes and `leadflow scheduler`
processes, may run against one database: the sweep's claims and the marks keep them from
doing anything twice.

Sweep and webhooks are interval jobs with coalesce=True and max_instances=1: a slow run is
never overlapped by the next one, and missed runs collapse into one."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from engine.deadlines import CHINA_TZ, refresh_overrides
from engine.runtime import Runtime
from engine.scheduling.digests import DAILY_AT, WEEKLY_AT, daily_digest, weekly_summary
from engine.scheduling.sweep import run_sweep
from engine.scheduling.webhooks import deliver_pending
from engine.storage import read_tx, worker_id
from engine.supervision import raise_overdue_notices
from engine.transparency import SEQUENCE_INTERVAL_S, LogConfig, sequence_and_checkpoint

log = structlog.get_logger("engine.scheduling.tick")
WEBHOOK_INTERVAL_S = 15
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}


def _guarded(name: str, job: Callable[[], Any]) -> Callable[[], None]:
    """A job that logs its failure instead of killing the tick; the next run retries."""
    def run() -> None:
        try:
            job()
        except Exception:
            log.exception("scheduler_job_failed", job=name)
    return run


def sweep_tick(rt: Runtime, worker: str) -> None:
    """One tick: a sweep (which reloads calendar overrides an admin loaded since), then the
    supervision notices it owes a raise."""
    run_sweep(rt, worker=worker)
    raise_overdue_notices(rt)  # unanswered supervision notices past their reply deadline


def build_scheduler(rt: Runtime, *, sweep_interval_s: int = 60,
                    webhook_interval_s: int = WEBHOOK_INTERVAL_S,
                    tlog: LogConfig | None = None) -> BackgroundScheduler:
    """A configured, not yet started, scheduler. The first sweep and the digest catch-up run
    right after start."""
    worker = worker_id()
    sched = BackgroundScheduler(timezone=CHINA_TZ, job_defaults=JOB_DEFAULTS)
    # APScheduler ticks on the wall clock, whatever clock the engine runs on; deadlines
    # themselves are always judged by rt.clock inside the jobs
    now = datetime.now(UTC)
    sched.add_job(_guarded("sweep", lambda: sweep_tick(rt, worker)), "interval",
                  seconds=sweep_interval_s, id="sweep", next_run_time=now)
    sched.add_job(_guarded("webhooks", lambda: deliver_pending(rt, worker=worker)),
                  "interval", seconds=webhook_interval_s, id="webhooks",
                  next_run_time=now + timedelta(seconds=1))
    sched.add_job(_guarded("daily_digest", lambda: daily_digest(rt)),
                  CronTrigger(hour=DAILY_AT.hour, minute=DAILY_AT.minute, timezone=CHINA_TZ),
                  id="daily_digest")
    sched.add_job(_guarded("weekly_summary", lambda: weekly_summary(rt)),
                  CronTrigger(day_of_week="mon", hour=WEEKLY_AT.hour, minute=WEEKLY_AT.minute,
                              timezone=CHINA_TZ), id="weekly_summary")
    # the transparency log: sequence committed events, sign a checkpoint each period
    sched.add_job(_guarded("tlog", lambda: sequence_and_checkpoint(rt, tlog)), "interval",
                  seconds=SEQUENCE_INTERVAL_S, id="tlog", next_run_time=now)
    # catch up a digest missed while no scheduler ran (a no-op when one was produced)
    sched.add_job(_guarded("digest_catch_up", lambda: (daily_digest(rt), weekly_summary(rt))),
                  id="digest_catch_up", next_run_time=now + timedelta(seconds=2))
    return sched


def start_in_process(rt: Runtime, *, sweep_interval_s: int = 60,
                     tlog: LogConfig | None = None) -> BackgroundScheduler:
    """For `leadflow serve`: start the tick in background threads of the API process. The
    caller calls `.shutdown()` when the app stops."""
    with read_tx(rt.db) as conn:
        refresh_overrides(rt.calendar, conn)
    sched = build_scheduler(rt, sweep_interval_s=sweep_interval_s, tlog=tlog)
    sched.start()
    log.info("scheduler_started", mode="in-process", sweep_interval_s=sweep_interval_s)
    return sched


def run_forever(rt: Runtime, *, sweep_interval_s: int = 60,
                stop: threading.Event | None = None, tlog: LogConfig | None = None) -> None:
    """For `leadflow scheduler`: run until SIGINT/SIGTERM (or `stop` is set)."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
    sched = start_in_process(rt, sweep_interval_s=sweep_interval_s, tlog=tlog)
    try:
        stop.wait()
    finally:
        sched.shutdown(wait=True)
        log.info("scheduler_stopped")
