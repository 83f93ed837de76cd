"""The background work: the deadline sweep (reminders, escalations through the one writer),
its APScheduler tick, the notification outbox, webhooks and the daily/weekly digests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.kernel import lazy_attribute

if TYPE_CHECKING:
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

# PEP 562: a name's module is imported when the name is first asked for, so a caller
# (or `leadflow --help`) pays only for the modules it uses. mypy sees the imports above;
# __getattr__ is hidden from it so that a misspelt name stays an error.
_MODULE_OF = {
    "daily_digest": "digests", "weekly_summary": "digests",
    "MAX_PAGE": "notifications", "NotificationView": "notifications", "inbox": "notifications",
    "mark_all_read": "notifications", "mark_read": "notifications",
    "run_sweep": "sweep",
    "run_forever": "tick", "start_in_process": "tick",
    "deliver_pending": "webhooks",
}

if not TYPE_CHECKING:
    def _module(name: str) -> object:
        """Import one module of the part, explicitly (tests/test_layering.py)."""
        if name == "digests":
            import engine.scheduling.digests as module
        elif name == "notifications":
            import engine.scheduling.notifications as module
        elif name == "sweep":
            import engine.scheduling.sweep as module
        elif name == "tick":
            import engine.scheduling.tick as module
        elif name == "webhooks":
            import engine.scheduling.webhooks as module
        return module

    __getattr__ = lazy_attribute(globals(), _MODULE_OF, _module)
