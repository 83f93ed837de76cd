"""The sequencer on both databases: every committed audit event gets the next gap-free leaf,
the stored nodes give the RFC 6962 tree of the events' hashes (checked against the
independent reference in reference.py), the tables refuse to be rewritten, and concurrent
sequencers and writers never assign one index twice, skip one, or lose an event."""

from __future__ import annotations

import hashlib
import threading
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import DBAPIError

from engine.items.transition import apply, create_item
from engine.kernel.actors import Actor
from engine.runtime import Runtime
from engine.storage import (
    EVENT,
    TLOG_CHECKPOINT,
    TLOG_COSIGNATURE,
    TLOG_HEAD,
    TLOG_LEAF,
    TLOG_NODE,
)
from engine.storage.db import is_postgres, make_engine, read_tx, write_tx
from engine.transparency import make_checkpoint, sequence
from engine.transparency.merkle import check_consistency, check_inclusion, inclusion_proof, root
from engine.transparency.store import DbNodes, read_head
from tests.engine.helpers import jid
from tests.transparency import reference
from tests.transparency.helpers import (
    OFFICE,
    event_hashes_in_leaf_order,
    leaves,
    log_config,
    make_items,
)


def _all_event_ids(rt: Runtime) -> list[int]:
    with read_tx(rt.db) as conn:
        return list(conn.execute(select(EVENT.c.id).order_by(EVENT.c.id)).scalars())


def test_every_event_gets_the_next_leaf_in_id_order(rt: Runtime,
                                                   actors: dict[str, Actor]) -> None:
    """Leaves 0..n-1, one per event in id order, leaf hash SHA-256(0x00 ‖ event hash), and
    the head is the reference implementation's root of those event hashes."""
    make_items(rt, actors, 3)  # 9 events
    done = sequence(rt)
    rows = leaves(rt)
    assert done.appended == done.size == 9
    assert [r.idx for r in rows] == list(range(9))
    assert [r.event_id for r in rows] == _all_event_ids(rt)
    hashes = event_hashes_in_leaf_order(rt)
    assert [r.event_hash for r in rows] == [h.hex() for h in hashes]
    with read_tx(rt.db) as conn:
        stored = DbNodes(conn).get_nodes([(0, i) for i in range(9)])
        head = read_head(conn)
    assert [stored[(0, i)] for i in range(9)] == [
        hashlib.sha256(b"\x00" + h).digest() for h in hashes]
    assert (head.size, head.root) == (9, reference.mth(hashes))


def test_sequencing_again_appends_only_what_is_new(rt: Runtime,
                                                  actors: dict[str, Actor]) -> None:
    make_items(rt, actors, 2)
    first = sequence(rt)
    before = leaves(rt)
    assert sequence(rt).appended == 0
    make_items(rt, actors, 3, moves=2)
    second = sequence(rt, batch=4)  # several transactions of at most 4 events
    assert (first.size, second.appended, second.size) == (6, 15, 21)
    assert leaves(rt)[:6] == before
    with read_tx(rt.db) as conn:
        from engine.transparency.merkle import consistency_proof

        proof = consistency_proof(first.size, second.size, DbNodes(conn))
    check_consistency(first.size, second.size, first.root, second.root, proof)


def test_stored_nodes_give_every_root_and_inclusion_proof(rt: Runtime,
                                                          actors: dict[str, Actor]) -> None:
    """For every tree size up to the log's, the root and each leaf's inclusion path from the
    stored nodes are the reference implementation's."""
    make_items(rt, actors, 2, moves=3)  # 14 events
    sequence(rt, batch=5)
    hashes = event_hashes_in_leaf_order(rt)
    with read_tx(rt.db) as conn:
        nodes = DbNodes(conn)
        for n in range(1, len(hashes) + 1):
            assert root(n, nodes) == reference.mth(hashes[:n])
            for m in range(n):
                proof = inclusion_proof(m, n, nodes)
                assert proof == reference.path(m, hashes[:n])
                check_inclusion(hashlib.sha256(b"\x00" + hashes[m]).digest(), m, n, proof,
                                reference.mth(hashes[:n]))


def _refused(rt: Runtime, statement: Any) -> None:
    with pytest.raises(DBAPIError, match=r"append-only|cannot"), write_tx(rt.db) as conn:
        conn.execute(statement)


def test_the_log_tables_refuse_updates_and_deletes(rt: Runtime,
                                                   actors: dict[str, Actor]) -> None:
    """The database itself keeps leaves, nodes, checkpoints and cosignatures append-only,
    and the head from being deleted or shrinking."""
    make_items(rt, actors, 1)
    sequence(rt)
    make_checkpoint(rt, log_config())
    with write_tx(rt.db) as conn:
        cp = conn.execute(select(TLOG_CHECKPOINT.c.id)).scalar_one()
        conn.execute(insert(TLOG_COSIGNATURE).values(
            checkpoint_id=cp, witness="w", key_id=1, line="— w AAAA\n",
            signed_at=rt.clock.now(), received_at=rt.clock.now()))
    for table in (TLOG_LEAF, TLOG_NODE, TLOG_CHECKPOINT, TLOG_COSIGNATURE):
        _refused(rt, delete(table))
    _refused(rt, update(TLOG_LEAF).values(event_hash="0" * 64))
    _refused(rt, update(TLOG_NODE).values(hash=b"\x00" * 32))
    _refused(rt, update(TLOG_CHECKPOINT).values(note="x"))
    _refused(rt, update(TLOG_COSIGNATURE).values(line="x"))
    _refused(rt, delete(TLOG_HEAD))
    _refused(rt, update(TLOG_HEAD).values(size=1))
    with write_tx(rt.db) as conn:  # moving forward is what the sequencer does
        conn.execute(update(TLOG_HEAD).values(updated_at=rt.clock.now()))
    assert read_head_size(rt) == 3


def read_head_size(rt: Runtime) -> int:
    with read_tx(rt.db) as conn:
        return read_head(conn).size


def test_a_smaller_id_committed_later_still_joins_the_log(db_url: str, rt: Runtime,
                                                          actors: dict[str, Actor]) -> None:
    """PostgreSQL hands out event ids at insert and commits in any order: an event whose
    transaction is still open when a larger id is sequenced is sequenced once it commits,
    and the floor never passes it meanwhile."""
    if not is_postgres(rt.db):
        pytest.skip("SQLite has one writer at a time: ids commit in order")
    office = actors[OFFICE]
    a, b = make_items(rt, actors, 2, moves=0)
    sequence(rt)
    with write_tx(rt.db) as slow:
        held = apply(rt, actor=office, item_id=a, trigger="return_for_info",
                     data={"reason": "慢事务"}, conn=slow)
        apply(rt, actor=office, item_id=b, trigger="return_for_info", data={"reason": "快"})
        for _ in range(3):  # several runs: each could move the floor if it were wrong
            sequence(rt)
        with read_tx(rt.db) as conn:
            head = read_head(conn)
        slow_id = slow.execute(select(EVENT.c.id).where(EVENT.c.item_id == a,
                                                        EVENT.c.seq == 2)).scalar_one()
        assert head.size == 3
        assert head.floor_event_id < slow_id  # the open transaction's id is not yet passed
        assert held.seq == 2
    sequence(rt)
    assert sorted(r.event_id for r in leaves(rt)) == _all_event_ids(rt)
    assert [r.idx for r in leaves(rt)] == [0, 1, 2, 3]


def test_concurrent_sequencers_and_writers(db_url: str, rt: Runtime,
                                           actors: dict[str, Actor]) -> None:
    """Two sequencers (own engines, like two schedulers) running while three writers commit:
    afterwards every event is in the log exactly once, indexes are 0..n-1, and the root is
    the reference root of the events in leaf order."""
    office = actors[OFFICE]
    city = jid(rt, "5101")
    writing = threading.Event()
    writing.set()
    errors: list[BaseException] = []
    appended = [0, 0]

    def writer() -> None:
        try:
            for i in range(12):
                item = create_item(rt, actor=office, workflow="lead", jurisdiction_id=city,
                                   title=f"并发 {i}", data={"channel": "letter",
                                                          "category": "law_enforcement"})
                apply(rt, actor=office, item_id=item.item_id, trigger="return_for_info",
                      data={"reason": "补充"})
        except BaseException as exc:  # asserted on below
            errors.append(exc)

    def sequencer(n: int) -> None:
        own = Runtime(db=make_engine(db_url), registry=rt.registry, clock=rt.clock)
        try:
            while writing.is_set():
                appended[n] += sequence(own, batch=3).appended
            appended[n] += sequence(own, batch=3).appended
        except BaseException as exc:
            errors.append(exc)
        finally:
            own.db.dispose()

    writers = [threading.Thread(target=writer) for _ in range(3)]
    sequencers = [threading.Thread(target=sequencer, args=(n,)) for n in range(2)]
    for t in [*sequencers, *writers]:
        t.start()
    for t in writers:
        t.join(timeout=120)
    writing.clear()
    for t in sequencers:
        t.join(timeout=120)
    assert errors == []
    sequence(rt)
    rows = leaves(rt)
    assert [r.idx for r in rows] == list(range(72))
    assert sorted(r.event_id for r in rows) == _all_event_ids(rt)
    assert sum(appended) == 72
    with read_tx(rt.db) as conn:
        head = read_head(conn)
    assert (head.size, head.root) == (72, reference.mth(event_hashes_in_leaf_order(rt)))
