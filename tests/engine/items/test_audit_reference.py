"""verify() against a plain reference on the same tampered data, on both databases.

verify reads rows as the driver gives them and rebuilds each event's body by hand (the `at`
text, remembered payloads, positional `body_text`); the reference below reads the typed
rows through SQLAlchemy and hashes with `EventRecord.digest`, the writer's own code, one
item at a time. Any difference in what they call broken is a bug of the fast path."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from sqlalchemy import Connection, delete, select, text, update

from engine.items.audit import GENESIS, EventRecord, verify
from engine.kernel.actors import Actor
from engine.runtime import Runtime
from engine.storage import EVENT, ITEM
from engine.storage.db import is_postgres, read_tx
from tests.engine.items.test_audit import closed_lead, of_event, tamper


def reference(conn: Connection) -> list[tuple[int, int]]:
    """(item, first bad seq) of every broken chain, the slow and obvious way."""
    chains: dict[int, list[Any]] = defaultdict(list)
    for e in conn.execute(select(EVENT).order_by(EVENT.c.item_id, EVENT.c.seq)):
        chains[e.item_id].append(e)
    out = []
    for item in conn.execute(select(ITEM).order_by(ITEM.c.id)):
        seq, head, state, bad = 0, GENESIS, "", None
        for e in chains[item.id]:
            digest = EventRecord(
                item_id=e.item_id, seq=e.seq, at=e.at, actor=e.actor, actor_role=e.actor_role,
                trigger=e.trigger, from_state=e.from_state, to_state=e.to_state, data=e.data,
                comment=e.comment, workflow=e.workflow, workflow_version=e.workflow_version,
                prev_hash=e.prev_hash).digest()
            if e.seq != seq + 1:
                bad = seq + 1
            elif e.prev_hash != head or digest != e.hash or (seq and e.from_state != state):
                bad = e.seq
            if bad is not None:
                break
            seq, head, state = e.seq, e.hash, e.to_state
        if bad is None and (seq, head) != (item.audit_seq, item.audit_head):
            bad = seq + 1 if seq < item.audit_seq else seq
        if bad is None and state != item.state:
            bad = seq
        if bad is not None:
            out.append((item.id, bad))
    return out


# Each alters one lead's chain (or says the same thing in other words, the last two).
TAMPERINGS: dict[str, Any] = {
    "comment": lambda i: update(EVENT).where(of_event(i, 2)).values(comment='a"\\\n\x01é'),
    "actor": lambda i: update(EVENT).where(of_event(i, 1)).values(actor="user:999"),
    "trigger": lambda i: update(EVENT).where(of_event(i, 3)).values(trigger="close"),
    "from_state": lambda i: update(EVENT).where(of_event(i, 4)).values(from_state=None),
    "to_state": lambda i: update(EVENT).where(of_event(i, 4)).values(to_state="received"),
    "version": lambda i: update(EVENT).where(of_event(i, 2)).values(workflow_version=99),
    "data": lambda i: update(EVENT).where(of_event(i, 3)).values(data={"disposal": "其他"}),
    "hash": lambda i: update(EVENT).where(of_event(i, 4)).values(hash="0" * 64),
    "deleted": lambda i: delete(EVENT).where(of_event(i, 4)),
    "gap": lambda i: delete(EVENT).where(of_event(i, 1)),
    "state": lambda i: update(ITEM).where(ITEM.c.id == i).values(state="received"),
    "head": lambda i: update(ITEM).where(ITEM.c.id == i).values(audit_seq=5),
    "same data, other text": lambda i: text(
        "UPDATE audit_event SET data = ' {\"disposal\" :  \"preliminary_check\"}' "
        f"WHERE item_id = {i} AND seq = 3"),
    # SQLite: the time as text without its zero microseconds (`_at_text`'s slow branch)
    "same time, other text": lambda i: text(
        "UPDATE audit_event SET at = substr(at, 1, 19) "
        f"WHERE item_id = {i} AND seq = 2 AND at LIKE '%.000000'"),
}


@pytest.mark.parametrize("how", list(TAMPERINGS))
def test_verify_finds_what_the_reference_finds(rt: Runtime, actors: dict[str, Actor],
                                               how: str) -> None:
    leads = [closed_lead(rt, actors).item_id for _ in range(3)]
    if how == "same time, other text" and is_postgres(rt.db):
        pytest.skip("PostgreSQL stores a time, not its text")
    tamper(rt, TAMPERINGS[how](leads[1]))
    with read_tx(rt.db) as conn:
        if how == "same time, other text":
            assert len(conn.execute(text("SELECT at FROM audit_event WHERE item_id = "
                                         f"{leads[1]} AND seq = 2")).scalar_one()) == 19
        expected = reference(conn)
        found = [(b.item_id, b.seq) for b in verify(conn).broken]
    assert found == expected
    assert (expected == []) == how.startswith("same")
