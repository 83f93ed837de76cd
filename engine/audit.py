"""The audit trail: hash-chained, append-only events per item, and their verification."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from engine.canonical import dumps, timestamp
from engine.tables import AuditEvent, Item

GENESIS = "0" * 64
EVENT = AuditEvent.__table__  # type: ignore[attr-defined]
ITEM = Item.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, kw_only=True)
class EventRecord:
    """The hashed content of one audit event."""

    item_id: int
    seq: int
    at: datetime
    actor: str
    actor_role: str
    trigger: str
    from_state: str | None
    to_state: str
    data: Mapping[str, Any]
    comment: str
    workflow: str
    workflow_version: int
    prev_hash: str

    def digest(self) -> str:
        body = {
            "item": self.item_id, "seq": self.seq, "at": timestamp(self.at),
            "actor": self.actor, "role": self.actor_role, "trigger": self.trigger,
            "from": self.from_state, "to": self.to_state, "data": dict(self.data),
            "comment": self.comment, "workflow": self.workflow,
            "version": self.workflow_version, "prev": self.prev_hash,
        }
        return hashlib.sha256(dumps(body)).hexdigest()


def append(conn: Connection, record: EventRecord) -> str:
    """Insert one event and return its hash. The caller updates the item's head in the same
    transaction; the unique (item_id, seq) constraint refuses a second writer of the same seq."""
    digest = record.digest()
    conn.execute(insert(EVENT).values(
        item_id=record.item_id, seq=record.seq, at=record.at, actor=record.actor,
        actor_role=record.actor_role, trigger=record.trigger, from_state=record.from_state,
        to_state=record.to_state, data=dict(record.data), comment=record.comment,
        workflow=record.workflow, workflow_version=record.workflow_version,
        prev_hash=record.prev_hash, hash=digest,
    ))
    return digest


@dataclass(frozen=True, kw_only=True)
class BrokenChain:
    item_id: int
    ref: str
    seq: int  # first bad sequence number (0 when the item row itself disagrees)
    reason: str


@dataclass(kw_only=True)
class VerifyReport:
    items: int = 0
    events: int = 0
    broken: list[BrokenChain] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.broken


def _rows(conn: Connection, item_ids: list[int] | None, batch: int) -> Iterator[Any]:
    q = select(
        EVENT.c.item_id, EVENT.c.seq, EVENT.c.at, EVENT.c.actor, EVENT.c.actor_role,
        EVENT.c.trigger, EVENT.c.from_state, EVENT.c.to_state, EVENT.c.data, EVENT.c.comment,
        EVENT.c.workflow, EVENT.c.workflow_version, EVENT.c.prev_hash, EVENT.c.hash,
    ).order_by(EVENT.c.item_id, EVENT.c.seq)
    if item_ids is not None:
        q = q.where(EVENT.c.item_id.in_(item_ids))
    result = conn.execution_options(stream_results=True, yield_per=batch).execute(q)
    yield from result


def verify(conn: Connection, *, item_ids: list[int] | None = None,
           batch: int = 5000) -> VerifyReport:
    """Check every chain (or those of `item_ids`): each hash, each link, the item's head and
    sequence, and that replaying the chain ends in the item's state."""
    report = VerifyReport()
    iq = select(ITEM.c.id, ITEM.c.ref, ITEM.c.state, ITEM.c.audit_seq, ITEM.c.audit_head)
    if item_ids is not None:
        iq = iq.where(ITEM.c.id.in_(item_ids))
    items = {r.id: r for r in conn.execute(iq)}
    report.items = len(items)
    bad: set[int] = set()
    last: dict[int, tuple[int, str, str]] = {}  # item -> (seq, hash, to_state)

    def flag(item_id: int, seq: int, reason: str) -> None:
        if item_id in bad:
            return
        bad.add(item_id)
        ref = items[item_id].ref if item_id in items else "?"
        report.broken.append(BrokenChain(item_id=item_id, ref=ref, seq=seq, reason=reason))

    for row in _rows(conn, item_ids, batch):
        report.events += 1
        iid = row.item_id
        if iid in bad:
            continue
        prev_seq, prev_hash, _ = last.get(iid, (0, GENESIS, ""))
        if row.seq != prev_seq + 1:
            flag(iid, prev_seq + 1, f"event {prev_seq + 1} is missing")
            continue
        if row.prev_hash != prev_hash:
            flag(iid, row.seq, "prev_hash does not match the previous event's hash")
            continue
        record = EventRecord(
            item_id=iid, seq=row.seq, at=row.at, actor=row.actor, actor_role=row.actor_role,
            trigger=row.trigger, from_state=row.from_state, to_state=row.to_state,
            data=row.data or {}, comment=row.comment, workflow=row.workflow,
            workflow_version=row.workflow_version, prev_hash=row.prev_hash,
        )
        if record.digest() != row.hash:
            flag(iid, row.seq, "content does not match its hash (event was altered)")
            continue
        if prev_seq and row.from_state != last[iid][2]:
            flag(iid, row.seq, "from_state does not follow the previous event's to_state")
            continue
        last[iid] = (row.seq, row.hash, row.to_state)
    for iid, item in items.items():
        if iid in bad:
            continue
        seq, head, state = last.get(iid, (0, GENESIS, ""))
        if seq != item.audit_seq or head != item.audit_head:
            flag(iid, seq + 1 if seq < item.audit_seq else seq,
                 f"item head is seq {item.audit_seq} but the chain ends at seq {seq} "
                 "(events deleted or head altered)")
        elif state != item.state:
            flag(iid, seq, f"replayed state {state!r} differs from item state {item.state!r}")
    return report
