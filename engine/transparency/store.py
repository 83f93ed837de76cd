"""The log in the database: stored leaves and perfect-subtree hashes as a `NodeReader`, and
the head row, read or locked for the one writer that moves it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert

from engine.storage import TLOG_HEAD, TLOG_LEAF, TLOG_NODE, is_postgres
from engine.transparency.merkle import EMPTY_ROOT, Key, leaf_hash

HEAD_ID = 1
# keys per query: SQLite binds at most 32766 variables, two per key
_CHUNK = 4000


class DbNodes:
    """The stored nodes, read through the caller's connection (and so its transaction).

    Level 0 is not stored as nodes: a leaf's hash is SHA-256(0x00 ‖ the event hash its
    tlog_leaf row records), so the leaves table serves it and the sequencer writes half
    as many rows."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get_nodes(self, keys: Sequence[Key]) -> Mapping[Key, bytes]:
        out: dict[Key, bytes] = {}
        leaves = [idx for level, idx in keys if level == 0]
        inner = [key for key in keys if key[0] > 0]
        for start in range(0, len(leaves), _CHUNK):
            rows = self.conn.execute(select(TLOG_LEAF.c.idx, TLOG_LEAF.c.event_hash).where(
                TLOG_LEAF.c.idx.in_(leaves[start:start + _CHUNK])))
            out.update({(0, r.idx): leaf_hash(bytes.fromhex(r.event_hash)) for r in rows})
        for start in range(0, len(inner), _CHUNK):
            rows = self.conn.execute(
                select(TLOG_NODE.c.level, TLOG_NODE.c.idx, TLOG_NODE.c.hash)
                .where(tuple_(TLOG_NODE.c.level, TLOG_NODE.c.idx).in_(inner[start:start + _CHUNK])))
            out.update({(r.level, r.idx): bytes(r.hash) for r in rows})
        return out


class OverlayNodes:
    """Nodes just computed in memory first, then the stored ones: the root after an append
    without reading back what was just written."""

    def __init__(self, fresh: Mapping[Key, bytes], below: DbNodes) -> None:
        self.fresh, self.below = fresh, below

    def get_nodes(self, keys: Sequence[Key]) -> Mapping[Key, bytes]:
        out = {k: self.fresh[k] for k in keys if k in self.fresh}
        rest = [k for k in keys if k not in out]
        if rest:
            out.update(self.below.get_nodes(rest))
        return out


@dataclass(frozen=True, kw_only=True)
class Head:
    size: int
    root: bytes
    floor_event_id: int
    pending_event_id: int
    pending_xmax: int


def _empty_head_row() -> dict[str, object]:
    return {"id": HEAD_ID, "size": 0, "root": EMPTY_ROOT, "floor_event_id": 0,
            "pending_event_id": 0, "pending_xmax": 0, "updated_at": None}


def _head(conn: Connection, *, lock: bool) -> Head | None:
    q = select(TLOG_HEAD).where(TLOG_HEAD.c.id == HEAD_ID)
    if lock:
        q = q.with_for_update()  # PostgreSQL; SQLite's BEGIN IMMEDIATE already excludes writers
    row = conn.execute(q).first()
    if row is None:
        return None
    return Head(size=row.size, root=bytes(row.root), floor_event_id=row.floor_event_id,
                pending_event_id=row.pending_event_id, pending_xmax=row.pending_xmax)


def read_head(conn: Connection) -> Head:
    head = _head(conn, lock=False)
    if head is None:
        return Head(size=0, root=EMPTY_ROOT, floor_event_id=0, pending_event_id=0,
                    pending_xmax=0)
    return head


def lock_head(conn: Connection) -> Head:
    """The head, locked until the caller's write transaction ends (the migration creates the
    row; a database built otherwise gets it here)."""
    head = _head(conn, lock=True)
    if head is not None:
        return head
    if is_postgres(conn):
        conn.execute(pg_insert(TLOG_HEAD).values(_empty_head_row())
                     .on_conflict_do_nothing(index_elements=["id"]))
    else:
        conn.execute(insert(TLOG_HEAD).values(_empty_head_row()))
    locked = _head(conn, lock=True)
    assert locked is not None
    return locked
