"""The notification outbox: written in the transaction of the event that caused it, read by
its recipient (unread first), and copied to office webhooks as delivery rows.

Nothing here carries a reporter's identity: notices name the item by reference and title,
and webhook payloads carry no title or data at all (they leave the system)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from engine.deadlines import Office
from engine.errors import NotFound
from engine.storage import DELIVERY, NOTE

NOTE_INSERT = insert(NOTE)
DELIVERY_INSERT = insert(DELIVERY)
MAX_PAGE = 200


@dataclass(frozen=True, kw_only=True)
class Notice:
    """One event to tell some users (and their offices' webhooks) about."""

    kind: str
    subject: str
    body: str = ""
    item_id: int | None = None
    jurisdiction_id: int | None = None
    level: int = 0
    data: Mapping[str, Any] | None = None
    payload: Mapping[str, Any] | None = None  # what a webhook receives; no personal data


def outbox_rows(notice: Notice, *, recipients: Sequence[int], offices: Iterable[Office],
                now: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The notification rows (one per recipient) and webhook delivery rows (one per office
    with a webhook URL) of one notice, for the caller to insert in its transaction."""
    notes = [{
        "recipient_id": r, "kind": notice.kind, "item_id": notice.item_id,
        "jurisdiction_id": notice.jurisdiction_id, "level": notice.level,
        "subject": notice.subject[:500], "body": notice.body,
        "data": dict(notice.data or {}), "created_at": now, "read_at": None,
    } for r in recipients]
    payload = dict(notice.payload or {}) | {"event": notice.kind, "at": now.isoformat()}
    deliveries = [{
        "unit_id": o.unit_id, "url": o.webhook_url, "event": notice.kind,
        "payload": payload | {"office": o.code}, "status": "pending", "attempts": 0,
        "next_attempt_at": now, "created_at": now,
    } for o in offices if o.webhook_url]
    return notes, deliveries


def insert_rows(conn: Connection, notes: Sequence[Mapping[str, Any]],
                deliveries: Sequence[Mapping[str, Any]]) -> None:
    """Insert outbox rows, each table in one executemany."""
    if notes:
        conn.execute(NOTE_INSERT, list(notes))
    if deliveries:
        conn.execute(DELIVERY_INSERT, list(deliveries))


def write(conn: Connection, notice: Notice, *, recipients: Sequence[int],
          offices: Iterable[Office], now: datetime) -> int:
    """Insert one notice's notifications and webhook deliveries; returns how many
    notifications."""
    notes, deliveries = outbox_rows(notice, recipients=recipients, offices=offices, now=now)
    insert_rows(conn, notes, deliveries)
    return len(notes)


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
