"""A notice's outbox rows and their insert. Nothing here carries a reporter's identity:
notices name the item by reference and title, and webhook payloads carry no title or data
at all (they leave the system)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert

from engine.deadlines import Office
from engine.storage import DELIVERY, NOTE, Prepared

# compiled once and run on the driver's cursor (engine/storage/prepared.py), like the
# transition's own statements: a sweep writes thousands of these rows per batch
NOTE_INSERT = Prepared(insert(NOTE))
DELIVERY_INSERT = Prepared(insert(DELIVERY))


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
    """Insert outbox rows, each table in one executemany (each table's rows with the same
    keys, as `outbox_rows` makes them)."""
    NOTE_INSERT.executemany(conn, notes)
    DELIVERY_INSERT.executemany(conn, deliveries)


def write(conn: Connection, notice: Notice, *, recipients: Sequence[int],
          offices: Iterable[Office], now: datetime) -> int:
    """Insert one notice's notifications and webhook deliveries; returns how many
    notifications."""
    notes, deliveries = outbox_rows(notice, recipients=recipients, offices=offices, now=now)
    insert_rows(conn, notes, deliveries)
    return len(notes)
