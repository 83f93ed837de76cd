"""Items and their audit trail. `transition` holds the one writer of item state (`create_item`,
`apply`, `annotate`) and the only writer of audit events; the rest reads: queries, reports,
verification of the hash chains."""

from engine.items.audit import GENESIS, EventRecord, verify
from engine.items.audit_parallel import verify_all
from engine.items.queries import (
    EventFilters,
    ItemFilters,
    get_item,
    history,
    item_ids_in_scope,
    list_events,
    list_items,
    user_ids_in_scope,
    visible_jurisdiction,
    visible_unit,
)
from engine.items.reports import summary
from engine.items.transition import Change, annotate, apply, create_item

__all__ = [
    "GENESIS",
    "Change",
    "EventFilters",
    "EventRecord",
    "ItemFilters",
    "annotate",
    "apply",
    "create_item",
    "get_item",
    "history",
    "item_ids_in_scope",
    "list_events",
    "list_items",
    "summary",
    "user_ids_in_scope",
    "verify",
    "verify_all",
    "visible_jurisdiction",
    "visible_unit",
]
