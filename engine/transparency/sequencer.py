"""The sequencer: after commit, audit events join the log in one transaction per batch.

It locks the head row, takes the committed events not yet in the log in id order, gives them
the next leaf indexes (head.size, head.size + 1, ...: gap-free, never a database sequence),
writes their leaves and every perfect-subtree node they complete in one batch each, and moves
the head. Transitions never touch these tables, so they never wait on the log; two
sequencers serialise on the head row and the second sees the first one's leaves.

Which events to look at: those above the head's floor, every event at or below it being in
the log already. On SQLite the sequencer's write transaction excludes every writer, so all
committed events are visible and the floor is simply the highest id sequenced. On PostgreSQL
ids come from a sequence at insert time and commit in any order: a transaction may still hold
an id below one already seen. So the floor trails: an id M seen by one run becomes the floor
only in a later run that finds every transaction that was running after M's scan ended
(snapshot xmin >= the xmax recorded with M). This relies on the one writer's order: it
writes the item row before it inserts the event, so a transaction holds a transaction id
before it draws an event id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, exists, insert, select, text, update

from engine.runtime import Runtime
from engine.storage import EVENT, TLOG_HEAD, TLOG_LEAF, TLOG_NODE, is_postgres, write_tx
from engine.transparency.merkle import leaf_hash, nodes_to_store_on_append_many, root
from engine.transparency.store import HEAD_ID, DbNodes, Head, OverlayNodes, lock_head

BATCH = 2000  # events per transaction: keeps SQLite's write lock short

_XMIN = text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
_XMAX = text("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint")
_LEAF_INSERT = insert(TLOG_LEAF)
_NODE_INSERT = insert(TLOG_NODE)


@dataclass(frozen=True, kw_only=True)
class Sequenced:
    appended: int  # leaves added by this call
    size: int  # the log's size after it
    root: bytes


def sequence(rt: Runtime, *, batch: int = BATCH) -> Sequenced:
    """Append every committed audit event not yet in the log, `batch` per transaction."""
    appended = 0
    while True:
        with write_tx(rt.db) as conn:
            added, head = sequence_batch(conn, rt.clock.now(), batch)
        appended += added
        if added < batch:
            return Sequenced(appended=appended, size=head.size, root=head.root)


def _unsequenced(conn: Connection, floor: int, limit: int) -> list[tuple[int, int, int, str]]:
    in_log = exists().where(TLOG_LEAF.c.event_id == EVENT.c.id)
    q = (select(EVENT.c.id, EVENT.c.item_id, EVENT.c.seq, EVENT.c.hash)
         .where(EVENT.c.id > floor, ~in_log).order_by(EVENT.c.id).limit(limit))
    return [(r.id, r.item_id, r.seq, r.hash) for r in conn.execute(q)]


def sequence_batch(conn: Connection, now: datetime, limit: int = BATCH) -> tuple[int, Head]:
    """One batch in the caller's write transaction: (leaves appended, the new head)."""
    pg = is_postgres(conn)
    # before the lock and the scan: transactions that ended by now are visible to the scan
    xmin = int(conn.execute(_XMIN).scalar_one()) if pg else 0
    head = lock_head(conn)
    rows = _unsequenced(conn, head.floor_event_id, limit)
    full = len(rows) == limit
    floor, pending, pending_xmax = head.floor_event_id, head.pending_event_id, head.pending_xmax
    if pg:
        if pending > floor and xmin >= pending_xmax:
            # every id <= pending that will ever commit has: the scan saw them all, unless
            # the batch was cut short below pending
            floor = min(pending, rows[-1][0]) if full else pending
        if rows:
            pending = rows[-1][0]
            pending_xmax = int(conn.execute(_XMAX).scalar_one())
    elif rows:
        floor = rows[-1][0]
    if not rows and (floor, pending) == (head.floor_event_id, head.pending_event_id):
        return 0, head
    size, new_root = head.size, head.root
    if rows:
        leaves = [leaf_hash(bytes.fromhex(h)) for _id, _item, _seq, h in rows]
        nodes = nodes_to_store_on_append_many(head.size, leaves, DbNodes(conn))
        conn.execute(_LEAF_INSERT, [
            {"idx": head.size + i, "event_id": event_id, "item_id": item_id, "seq": seq,
             "event_hash": h} for i, (event_id, item_id, seq, h) in enumerate(rows)])
        conn.execute(_NODE_INSERT, [{"level": lv, "idx": ix, "hash": hv}
                                    for (lv, ix), hv in nodes])
        size = head.size + len(rows)
        new_root = root(size, OverlayNodes(dict(nodes), DbNodes(conn)))
    conn.execute(update(TLOG_HEAD).where(TLOG_HEAD.c.id == HEAD_ID).values(
        size=size, root=new_root, floor_event_id=floor, pending_event_id=pending,
        pending_xmax=pending_xmax, updated_at=now))
    return len(rows), Head(size=size, root=new_root, floor_event_id=floor,
                           pending_event_id=pending, pending_xmax=pending_xmax)
