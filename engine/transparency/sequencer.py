"""The sequencer: after commit, audit events join the log in one transaction per batch.

It locks the head row, takes the committed events not yet in the log in id order, gives them
the next leaf indexes (head.size, head.size + 1, ...: gap-free, never a database sequence),
writes their leaves and every perfect-subtree node they complete above the leaves in one
batch each, and moves the head. Transitions never touch these tables, so they never wait on
the log; two sequencers serialise on the head row and the second sees the first one's
leaves. On SQLite, whose one write lock transitions need too, the events are read and
hashed before that lock is taken, and it is held only to check the head and insert.

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

from sqlalchemy import Connection, bindparam, exists, select, text, update

from engine.runtime import Runtime
from engine.storage import (
    EVENT,
    TLOG_HEAD,
    TLOG_LEAF,
    is_postgres,
    read_tx,
    write_tx,
)
from engine.transparency.merkle import Node, leaf_hash, nodes_to_store_on_append_many, root
from engine.transparency.store import HEAD_ID, DbNodes, Head, OverlayNodes, lock_head, read_head

BATCH = 2000  # events per transaction: keeps SQLite's write lock short

_XMIN = text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
_XMAX = text("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint")


# (leaf insert, node insert) in each driver's parameter style: [PostgreSQL, SQLite]
_INSERTS = [
    ("INSERT INTO tlog_leaf (idx, event_id, item_id, seq, event_hash) "
     "VALUES (%s, %s, %s, %s, %s)", "INSERT INTO tlog_node (level, idx, hash) VALUES (%s, %s, %s)"),
    ("INSERT INTO tlog_leaf (idx, event_id, item_id, seq, event_hash) VALUES (?, ?, ?, ?, ?)",
     "INSERT INTO tlog_node (level, idx, hash) VALUES (?, ?, ?)"),
]


@dataclass(frozen=True, kw_only=True)
class Sequenced:
    appended: int  # leaves added by this call
    size: int  # the log's size after it
    root: bytes


def sequence(rt: Runtime, *, batch: int = BATCH) -> Sequenced:
    """Append every committed audit event not yet in the log, `batch` per transaction."""
    appended = 0
    sqlite = not is_postgres(rt.db)
    while True:
        plan = None
        if sqlite:
            # SQLite has one write lock for everything: read and hash outside it (WAL lets
            # writers go on meanwhile), and hold it only to check the head and insert
            with read_tx(rt.db) as conn:
                plan = _plan(conn, read_head(conn), batch)
            if plan.rows == []:
                return Sequenced(appended=appended, size=plan.head.size, root=plan.head.root)
        with write_tx(rt.db) as conn:
            added, head = sequence_batch(conn, rt.clock.now(), batch, plan)
        appended += added
        if added < batch:
            return Sequenced(appended=appended, size=head.size, root=head.root)


@dataclass(frozen=True, kw_only=True)
class _Plan:
    """What one batch appends to `head`: its events, their leaves and new nodes."""

    head: Head
    rows: list[tuple[int, int, int, str]]  # (event id, item id, seq, event hash)
    nodes: list[Node]


# Built once: constructing statements costs more than running them on the hot path.
_UNSEQUENCED = (select(EVENT.c.id, EVENT.c.item_id, EVENT.c.seq, EVENT.c.hash)
                .where(EVENT.c.id > bindparam("floor"),
                       ~exists().where(TLOG_LEAF.c.event_id == EVENT.c.id))
                .order_by(EVENT.c.id).limit(bindparam("limit")))


def _plan(conn: Connection, head: Head, limit: int) -> _Plan:
    found = conn.execute(_UNSEQUENCED, {"floor": head.floor_event_id, "limit": limit})
    rows = [(r.id, r.item_id, r.seq, r.hash) for r in found]
    leaves = [leaf_hash(bytes.fromhex(h)) for _id, _item, _seq, h in rows]
    nodes = nodes_to_store_on_append_many(head.size, leaves, DbNodes(conn)) if rows else []
    return _Plan(head=head, rows=rows, nodes=nodes)


def sequence_batch(conn: Connection, now: datetime, limit: int = BATCH,
                   plan: _Plan | None = None) -> tuple[int, Head]:
    """One batch in the caller's write transaction: (leaves appended, the new head). A
    `plan` made outside the transaction is used if the head has not moved since."""
    pg = is_postgres(conn)
    # before the lock and the scan: transactions that ended by now are visible to the scan
    xmin = int(conn.execute(_XMIN).scalar_one()) if pg else 0
    head = lock_head(conn)
    if plan is None or plan.head != head:
        plan = _plan(conn, head, limit)
    rows = plan.rows
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
        # straight to the driver, as db.py's BEGIN: SQLAlchemy's per-row parameter
        # processing cost as much as everything else the sequencer does (bench/b_tlog.py)
        leaf_sql, node_sql = _INSERTS[conn.dialect.name == "sqlite"]
        conn.exec_driver_sql(leaf_sql, [(head.size + i, *row) for i, row in enumerate(rows)])
        inner = [(lv, ix, hv) for (lv, ix), hv in plan.nodes if lv > 0]  # level 0: the leaves
        if inner:
            conn.exec_driver_sql(node_sql, inner)
        size = head.size + len(rows)
        new_root = root(size, OverlayNodes(dict(plan.nodes), DbNodes(conn)))
    conn.execute(update(TLOG_HEAD).where(TLOG_HEAD.c.id == HEAD_ID).values(
        size=size, root=new_root, floor_event_id=floor, pending_event_id=pending,
        pending_xmax=pending_xmax, updated_at=now))
    return len(rows), Head(size=size, root=new_root, floor_event_id=floor,
                           pending_event_id=pending, pending_xmax=pending_xmax)
