"""verify reads the events and items through light table clauses named by hand
(engine/items/audit.py: EVENTS, ITEMS), so that `leadflow verify` needs no SQLModel table
module. These names must be the tables' own: a renamed or added column fails here, not as a
verification that silently reads something else."""

from __future__ import annotations

from engine.items.audit import EVENT_COLUMNS, EVENTS, ITEM_COLUMNS, ITEMS
from engine.storage import EVENT, ITEM


def test_the_event_clause_names_every_hashed_column_of_the_table() -> None:
    """Every column of audit_event but its row id is hashed, so verify reads all of them."""
    assert EVENTS.name == EVENT.name
    assert set(EVENT_COLUMNS) == {c.name for c in EVENT.c} - {"id"}
    assert [c.name for c in EVENTS.c] == list(EVENT_COLUMNS)


def test_the_item_clause_names_columns_of_the_item_table() -> None:
    assert ITEMS.name == ITEM.name
    assert set(ITEM_COLUMNS) <= {c.name for c in ITEM.c}
    assert [c.name for c in ITEMS.c] == list(ITEM_COLUMNS)
