"""The notification outbox: written in the transaction of the event that caused it (by
engine.notify, the one writer of its rows, re-exported here for the sweep and the digests),
read by its recipient (unread first), and copied to office webhooks as delivery rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from engine.errors import NotFound
from engine.notify import Notice, insert_rows, outbox_rows, write
from engine.storage import NOTE

__all__ = ["MAX_PAGE", "Inbox", "Notice", "NotificationView", "inbox", "insert_rows",
           "mark_all_read", "mark_read", "outbox_rows", "write"]

MAX_PAGE = 200


@dataclass(frozen=True, kw_only=True)
class NotificationView:
    id: int
    kind: str
    item_id: int | None
    jurisdiction_id: int | None
    level: int
    subject: str
    body: str
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


@dataclass(frozen=True, kw_only=True)
class Inbox:
    items: list[NotificationView]
    unread: int
    total: int


def inbox(conn: Connection, user_id: int, *, limit: int = 50, offset: int = 0,
          unread_only: bool = False) -> Inbox:
    """A user's notifications: unread first, newest first within each group."""
    limit = max(1, min(limit, MAX_PAGE))
    where = [NOTE.c.recipient_id == user_id]
    if unread_only:
        where.append(NOTE.c.read_at.is_(None))
    rows = conn.execute(select(NOTE).where(*where)
                        .order_by(NOTE.c.read_at.is_not(None), NOTE.c.id.desc())
                        .limit(limit).offset(max(offset, 0))).all()
    total = conn.execute(select(func.count()).select_from(NOTE).where(*where)).scalar_one()
    unread = conn.execute(select(func.count()).select_from(NOTE).where(
        NOTE.c.recipient_id == user_id, NOTE.c.read_at.is_(None))).scalar_one()
    return Inbox(items=[_view(r) for r in rows], unread=int(unread), total=int(total))


def mark_read(conn: Connection, user_id: int, notification_ids: Sequence[int],
              now: datetime) -> int:
    """Mark the user's own notifications read. An id that is not theirs is NotFound (it
    looks the same as one that does not exist); nothing is marked then."""
    ids = sorted(set(notification_ids))
    own = set(conn.execute(select(NOTE.c.id).where(
        NOTE.c.id.in_(ids), NOTE.c.recipient_id == user_id)).scalars())
    missing = [i for i in ids if i not in own]
    if missing:
        raise NotFound(f"notification {missing[0]} not found")
    result = conn.execute(update(NOTE).where(NOTE.c.id.in_(ids), NOTE.c.read_at.is_(None))
                          .values(read_at=now))
    return int(result.rowcount)


def mark_all_read(conn: Connection, user_id: int, now: datetime) -> int:
    result = conn.execute(update(NOTE).where(NOTE.c.recipient_id == user_id,
                                             NOTE.c.read_at.is_(None)).values(read_at=now))
    return int(result.rowcount)


def _view(r: Any) -> NotificationView:
    return NotificationView(id=r.id, kind=r.kind, item_id=r.item_id,
                            jurisdiction_id=r.jurisdiction_id, level=r.level,
                            subject=r.subject, body=r.body, data=dict(r.data or {}),
                            created_at=r.created_at, read_at=r.read_at)
