"""The one writer of outbox rows: the notifications (one per recipient) and webhook deliveries
(one per office with a URL) of a notice, inserted in the caller's transaction. Below
supervision and scheduling, which both tell people things; engine.scheduling reads the rows
(inbox, webhook delivery)."""

from engine.notify.outbox import Notice, insert_rows, outbox_rows, write

__all__ = ["Notice", "insert_rows", "outbox_rows", "write"]
