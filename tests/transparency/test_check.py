"""`check_log` against an attacker who also rewrites the log: the leaves renumbered and every
node and the head rebuilt, so that the stored log agrees with itself. Only the signatures
cannot be redone: the root recomputed from the events is not the saved checkpoint's, the
checkpoints the log signed earlier bound where the change is, and the log refuses to sign
over it. And a hole in the leaves is named."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest
from sqlalchemy import delete, insert, select, update

from engine.errors import LogBroken
from engine.kernel.actors import Actor
from engine.runtime import Runtime
from engine.storage import EVENT, ITEM, SCHEDULE, TLOG_CHECKPOINT, TLOG_HEAD, TLOG_LEAF, TLOG_NODE
from engine.storage.db import read_tx, snapshot_tx
from engine.transparency import Checkpoint, check_log, make_checkpoint, sequence
from engine.transparency.merkle import Key, leaf_hash, nodes_to_store_on_append_many, root
from tests.transparency.helpers import log_config, make_items, signer, unguarded


class _Dict:
    def __init__(self) -> None:
        self.nodes: dict[Key, bytes] = {}

    def get_nodes(self, keys: Sequence[Key]) -> Mapping[Key, bytes]:
        return {k: self.nodes[k] for k in keys if k in self.nodes}


@pytest.fixture
def three_checkpoints(rt: Runtime, actors: dict[str, Actor]) -> list[Checkpoint]:
    """Items 1, 2, 3 (three events each), a checkpoint after each: sizes 3, 6, 9."""
    out = []
    for _ in range(3):
        make_items(rt, actors, 1)
        sequence(rt)
        out.append(Checkpoint.parse(make_checkpoint(rt, log_config()).body))
    return out


def _report(rt: Runtime, checkpoint: Checkpoint) -> list[str]:
    with snapshot_tx(rt.db) as conn:
        return [str(p) for p in check_log(conn, checkpoint, [signer().verifier()]).problems]


def test_a_log_rebuilt_without_a_deleted_item_is_bounded_by_the_signed_checkpoints(
        rt: Runtime, three_checkpoints: list[Checkpoint]) -> None:
    with unguarded(rt.db) as conn:
        conn.execute(delete(EVENT).where(EVENT.c.item_id == 2))
        conn.execute(delete(SCHEDULE).where(SCHEDULE.c.item_id == 2))  # the sweep's row too
        conn.execute(delete(ITEM).where(ITEM.c.id == 2))
        kept = list(conn.execute(select(EVENT.c.id, EVENT.c.item_id, EVENT.c.seq, EVENT.c.hash)
                                 .order_by(EVENT.c.id)))
        conn.execute(delete(TLOG_LEAF))
        conn.execute(delete(TLOG_NODE))
        tree = _Dict()
        for i, e in enumerate(kept):
            h = leaf_hash(bytes.fromhex(e.hash))
            tree.nodes.update(nodes_to_store_on_append_many(i, [h], tree))
            conn.execute(insert(TLOG_LEAF).values(idx=i, event_id=e.id, item_id=e.item_id,
                                                  seq=e.seq, event_hash=e.hash))
        conn.execute(insert(TLOG_NODE), [{"level": lv, "idx": ix, "hash": h}
                                         for (lv, ix), h in tree.nodes.items()])
        conn.execute(update(TLOG_HEAD).values(size=len(kept), root=root(len(kept), tree)))
        conn.execute(delete(TLOG_CHECKPOINT).where(TLOG_CHECKPOINT.c.size == 9))
    assert _report(rt, three_checkpoints[2]) == [
        "leaf 6: the log is truncated: the checkpoint covers 9 leaves, the database has 6"]
    # the saved checkpoint of size 6 is the one that shows the rewrite and bounds it
    bounded = _report(rt, three_checkpoints[1])
    assert bounded == [
        f"the root of the first 6 leaves, recomputed from the events, is "
        f"{_b64_root(rt, 6)}; the checkpoint says {_b64(three_checkpoints[1].root_hash)}: "
        "the log was rewritten, within leaves 3..5 (the stored checkpoint of size 3 still "
        "matches, the next is this one)"]
    with pytest.raises(LogBroken, match="of size 6"):
        make_checkpoint(rt, log_config())


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode()


def _b64_root(rt: Runtime, size: int) -> str:
    from engine.transparency.store import DbNodes

    with read_tx(rt.db) as conn:
        return _b64(root(size, DbNodes(conn)))


def test_a_hole_in_the_leaves_is_named(rt: Runtime,
                                       three_checkpoints: list[Checkpoint]) -> None:
    with unguarded(rt.db) as conn:
        conn.execute(delete(TLOG_LEAF).where(TLOG_LEAF.c.idx.between(3, 5)))
    assert _report(rt, three_checkpoints[2]) == ["leaf 3: leaves 3..5 are missing"]
