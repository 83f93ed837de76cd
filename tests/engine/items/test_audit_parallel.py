"""`leadflow verify` split over processes finds exactly what one process finds."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from engine.items.audit import verify
from engine.items.transition import apply, create_item
from engine.kernel.actors import Actor
from engine.runtime import Runtime
from engine.storage import EVENT
from engine.storage.db import snapshot_tx
from tests.engine.helpers import jid
from tests.engine.items.test_audit import tamper


def _items(rt: Runtime, office: Actor, n: int) -> list[int]:
    ids = []
    for _ in range(n):
        item_id = create_item(rt, actor=office, workflow="lead", jurisdiction_id=jid(rt, "5101"),
                              title="线索",
                              data={"channel": "letter", "category": "violation"}).item_id
        apply(rt, actor=office, item_id=item_id, trigger="transfer", data={"unit": "dc-police"})
        ids.append(item_id)
    return ids


def test_parallel_verify_matches_a_single_process(
        rt_sqlite: Runtime, actors_sqlite: dict[str, Actor],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Three workers count the same items and events and name the same tampered event."""
    import engine.items.audit_parallel as par

    ids = _items(rt_sqlite, actors_sqlite["市办-线索组"], 9)
    tamper(rt_sqlite, update(EVENT).where(EVENT.c.item_id == ids[7], EVENT.c.seq == 2)
           .values(comment="改过"))
    with snapshot_tx(rt_sqlite.db) as conn:
        single = verify(conn)
    url = rt_sqlite.db.url.render_as_string(hide_password=False)
    rt_sqlite.db.dispose()  # forked workers must not inherit open connections
    monkeypatch.setattr(par, "MIN_ITEMS_PER_WORKER", 1)
    split = par.verify_all(url, workers=3)
    assert (split.items, split.events) == (single.items, single.events) == (9, 18)
    assert [(b.item_id, b.seq) for b in split.broken] == [(ids[7], 2)]
    assert split.broken == single.broken
