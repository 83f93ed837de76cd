"""A lead's happy path end to end, on both databases."""

from __future__ import annotations

from engine.items.audit import verify
from engine.items.transition import apply, create_item
from engine.kernel.actors import Actor
from engine.runtime import Runtime
from engine.storage.db import read_tx

# lead v3: sending a lead to investigation records how it is disposed of (处置方式)
ACCEPT = {"disposal": "preliminary_check"}


def test_lead_happy_path_verifies(rt: Runtime, actors: dict[str, Actor]) -> None:
    """received → transferred → investigating → closed leaves a chain that verifies."""
    office, handler = actors["市办-线索组"], actors["东城公安-承办人"]
    with read_tx(rt.db) as conn:
        from engine.org.tree import jurisdiction_by_code

        city = jurisdiction_by_code(conn, "5101").id
    c = create_item(rt, actor=office, workflow="lead", jurisdiction_id=city, title="线索",
                    data={"channel": "letter", "category": "law_enforcement"})
    apply(rt, actor=office, item_id=c.item_id, trigger="transfer", data={"unit": "dc-police"})
    apply(rt, actor=handler, item_id=c.item_id, trigger="accept", data=ACCEPT)
    done = apply(rt, actor=handler, item_id=c.item_id, trigger="close",
                 data={"outcome": "unfounded", "conclusion": "查无实据",
                       "disposal": "preliminary_check"})
    assert done.to_state == "closed"
    assert done.seq == 4
    with read_tx(rt.db) as conn:
        report = verify(conn)
    assert report.ok, report.broken
    assert report.events == 4
