"""What the steps of supervision and extensions share: the records callers get, the item
read and checked in the write transaction, text checks, and the notifications they send.

Notifications are rows of the outbox that engine.scheduling reads (notification, webhook
delivery), written in the step's transaction by engine.notify, the one writer of those rows,
as the sweep's and the digests' are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from engine.deadlines import Target
from engine.errors import InvalidData, NotFound, TransitionRefused
from engine.items import sees_item
from engine.kernel import Actor, check_text
from engine.notify import Notice, insert_rows, outbox_rows
from engine.runtime import Runtime
from engine.storage import ITEM
from engine.workflow import SupervisionDef, WorkflowDef

MAX_TEXT = 4000


@dataclass(frozen=True, kw_only=True)
class NoticeRecord:
    id: int
    item_id: int
    level: str
    level_label: str
    requirement: str
    state: str  # open | replied | accepted | returned
    issuer: str
    issuer_jurisdiction: str
    reply_working_days: int
    issued_at: datetime
    first_due_at: datetime
    reply_due_at: datetime
    reply: str | None
    replied_at: datetime | None
    decided_at: datetime | None
    raises: int


@dataclass(frozen=True, kw_only=True)
class ExtensionRecord:
    id: int
    item_id: int
    item_state: str
    state: str  # requested | approved | refused
    days_asked: int
    days_granted: int | None
    reason: str
    decision: str | None
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    original_due_at: datetime
    new_due_at: datetime | None


def item_for_step(conn: Connection, rt: Runtime, actor: Actor, item_id: int, trigger: str
                  ) -> tuple[Any, WorkflowDef]:
    """The item and its definition; NotFound when missing or out of scope, refused when
    closed (nothing to press or extend on a closed item)."""
    item = conn.execute(select(ITEM).where(ITEM.c.id == item_id)).first()
    if item is None or not sees_item(actor, item):
        raise NotFound(f"item {item_id} not found")
    wf = rt.registry.get(item.workflow, item.workflow_version)
    if item.closed_at is not None or wf.states[item.state].closed:
        raise TransitionRefused(trigger=trigger, state=item.state, allowed=[])
    return item, wf


def supervision_of(wf: WorkflowDef, item: Any, trigger: str) -> SupervisionDef:
    if wf.supervision is None:
        raise TransitionRefused(trigger=trigger, state=item.state, allowed=[])
    return wf.supervision


def text(name: str, value: str) -> str:
    """Required free text: not blank, at most MAX_TEXT characters, storable."""
    value = value.strip()
    if not value:
        raise InvalidData(f"{name} is required", fields={name: "is required"})
    if len(value) > MAX_TEXT:
        raise InvalidData(f"{name} is longer than {MAX_TEXT} characters",
                          fields={name: f"at most {MAX_TEXT} characters"})
    check_text(name, value)
    return value


def days(name: str, value: int | None, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
        raise InvalidData(f"{name} must be a whole number of working days from 1 to {high}",
                          fields={name: f"1 to {high} working days"})
    return value


def notify(conn: Connection, *, targets: list[Target], kind: str, subject: str, body: str,
           item: Any, level: int, data: dict[str, Any], now: datetime) -> None:
    """One notification per recipient of the targets (each user once, under the first
    target naming them) and one webhook delivery per office with a URL (each office once);
    no personal data in the webhook payload. The rows are engine.notify's, as every
    notice's."""
    payload = {"item_id": item.id, "ref": item.ref, "workflow": item.workflow} | {
        k: v for k, v in data.items() if k in ("notice_id", "extension_id", "level")}
    seen: set[int] = set()
    seen_offices: set[int] = set()
    notes: list[dict[str, Any]] = []
    deliveries: list[dict[str, Any]] = []
    for target in targets:
        recipients = [r for r in dict.fromkeys(target.recipients) if r not in seen]
        seen.update(recipients)
        offices = [o for o in target.offices if o.webhook_url and o.unit_id not in seen_offices]
        seen_offices.update(o.unit_id for o in offices)
        n, d = outbox_rows(Notice(kind=kind, subject=subject, body=body, item_id=item.id,
                                  jurisdiction_id=target.jurisdiction_id, level=level,
                                  data=data, payload=payload),
                           recipients=recipients, offices=offices, now=now)
        notes += n
        deliveries += d
    insert_rows(conn, notes, deliveries)
