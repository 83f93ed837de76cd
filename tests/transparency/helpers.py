"""Shared by the log tests: a log key, items with events, the log read back, and tampering
with the database behind the append-only guards.

To tamper, a test must get past the triggers that refuse UPDATE and DELETE on audit_event
and the tlog tables, as an attacker with DDL rights would. SQLite cannot disable a trigger,
so `unguarded` reads the guards' SQL from sqlite_master, drops them, and re-creates them
from that SQL afterwards; PostgreSQL disables the tables' user triggers and re-enables them
(ALTER TABLE ... DISABLE TRIGGER USER: the test user owns its schema's tables)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, select, text

from engine.items.transition import apply, create_item
from engine.kernel.actors import Actor
from engine.runtime import Runtime
from engine.storage import EVENT, TLOG_LEAF
from engine.storage.db import is_postgres, read_tx, write_tx
from engine.transparency import LogConfig, MemoryTree
from engine.transparency.note import ED25519, Signer
from tests.engine.helpers import jid

OFFICE = "市办-线索组"
ORIGIN = "leadflow.test/5101"
GUARDED = ("audit_event", "tlog_leaf", "tlog_node", "tlog_head", "tlog_checkpoint",
           "tlog_cosignature")


def signer(name: str = ORIGIN, seed: int = 1) -> Signer:
    return Signer(name=name, sig_type=ED25519, seed=bytes([seed]) * 32)


def log_config(seed: int = 1, witnesses: tuple[Signer, ...] = ()) -> LogConfig:
    from engine.transparency import cosigner_verifier

    return LogConfig(origin=ORIGIN, signer=signer(seed=seed),
                     witnesses=tuple(cosigner_verifier(w.verifier()) for w in witnesses))


def make_items(rt: Runtime, actors: dict[str, Actor], n: int, *, moves: int = 1
               ) -> list[int]:
    """`n` leads in the city, each sent back for information and resubmitted `moves` times:
    1 + 2 * moves audit events per lead."""
    office = actors[OFFICE]
    city = jid(rt, "5101")
    ids = []
    for i in range(n):
        item = create_item(rt, actor=office, workflow="lead", jurisdiction_id=city,
                           title=f"线索 {i}",
                           data={"channel": "letter", "category": "law_enforcement"}).item_id
        for _ in range(moves):
            apply(rt, actor=office, item_id=item, trigger="return_for_info",
                  data={"reason": "请补充线索来源"})
            apply(rt, actor=office, item_id=item, trigger="resubmit")
        ids.append(item)
    return ids


def leaves(rt: Runtime) -> list[Any]:
    with read_tx(rt.db) as conn:
        return list(conn.execute(select(TLOG_LEAF).order_by(TLOG_LEAF.c.idx)))


def event_hashes_in_leaf_order(rt: Runtime) -> list[bytes]:
    with read_tx(rt.db) as conn:
        rows = conn.execute(select(EVENT.c.hash).join(TLOG_LEAF, TLOG_LEAF.c.event_id ==
                                                      EVENT.c.id).order_by(TLOG_LEAF.c.idx))
        return [bytes.fromhex(h) for h in rows.scalars()]


def memory_tree(rt: Runtime) -> MemoryTree:
    """An in-memory log of the events' own hashes, in the stored leaves' order."""
    tree = MemoryTree()
    for h in event_hashes_in_leaf_order(rt):
        tree.append(h)
    return tree


def _sqlite_guards(conn: Connection) -> list[tuple[str, str]]:
    rows = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
    return [(r.name, r.sql) for r in rows if r.sql and any(
        f" ON {t} " in r.sql for t in GUARDED)]


@contextmanager
def unguarded(db: Engine) -> Iterator[Connection]:
    """One write transaction with the append-only guards out of the way; they are back when
    it ends."""
    if is_postgres(db):
        with write_tx(db) as conn:
            for table in GUARDED:
                conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
            yield conn
            for table in GUARDED:
                conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
        return
    with write_tx(db) as conn:
        guards = _sqlite_guards(conn)
        assert len(guards) >= 10, guards  # the test would be vacuous without them
        for name, _sql in guards:
            conn.execute(text(f"DROP TRIGGER {name}"))
        conn.execute(text("PRAGMA defer_foreign_keys = ON"))
        yield conn
        for _name, sql in guards:
            conn.execute(text(sql))
