"""The background work: the deadline sweep (reminders, escalations through the one writer),
its APScheduler tick, the notification outbox, webhooks and the daily/weekly digests."""

from engine.scheduling.digests import daily_digest, weekly_summary
from engine.scheduling.notifications import (
    MAX_PAGE,
    NotificationView,
    inbox,
    mark_all_read,
    mark_read,
)
from engine.scheduling.sweep import run_sweep
from engine.scheduling.tick import run_forever, start_in_process
from engine.scheduling.webhooks import deliver_pending

__all__ = [
    "MAX_PAGE",
    "NotificationView",
    "daily_digest",
    "deliver_pending",
    "inbox",
    "mark_all_read",
    "mark_read",
    "run_forever",
    "run_sweep",
    "start_in_process",
    "weekly_summary",
]
