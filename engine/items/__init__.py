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
    scope_ids,
    user_ids_in_scope,
    visible_jurisdiction,
    visible_unit,
)
from engine.items.reports import summary
from engine.items.transition import (
    Change,
    Created,
    allowed_triggers,
    annotate,
    apply,
    create_item,
    create_item_once,
)

__all__ = [
    "GENESIS",
    "Change",
    "Created",
    "EventFilters",
    "EventRecord",
    "ItemFilters",
    "allowed_triggers",
    "annotate",
    "apply",
    "create_item",
    "create_item_once",
    "get_item",
    "history",
    "item_ids_in_scope",
    "list_events",
    "list_items",
    "scope_ids",
    "summary",
    "user_ids_in_scope",
    "verify",
    "verify_all",
    "visible_jurisdiction",
    "visible_unit",
]
