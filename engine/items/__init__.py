"""Items and their audit trail. `transition` holds the one writer of item state (`create_item`,
`apply`, `annotate`) and the only writer of audit events; the rest reads: queries, reports,
verification of the hash chains."""

from engine.items.audit import GENESIS, EventRecord, verify, verify_in_scope
from engine.items.audit_parallel import verify_all
from engine.items.lights import (
    LIGHT_WORDS,
    LIGHTS,
    Light,
    LightRule,
    light_case,
    light_rule,
    light_word,
)
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
from engine.items.scope import Placement, sees_item, visible_items
from engine.items.transition import (
    Change,
    Created,
    annotate,
    apply,
    create_item,
    create_item_once,
    record_step,
)
from engine.items.transition_batch import Move, Outcome, apply_many
from engine.items.worklists import (
    JurisdictionCounts,
    WorkFilters,
    count_work,
    count_work_tabs,
    counts_by_jurisdiction,
    list_work,
)

__all__ = [
    "GENESIS",
    "LIGHTS",
    "LIGHT_WORDS",
    "Change",
    "Created",
    "EventFilters",
    "EventRecord",
    "ItemFilters",
    "JurisdictionCounts",
    "Light",
    "LightRule",
    "Move",
    "Outcome",
    "Placement",
    "WorkFilters",
    "annotate",
    "apply",
    "apply_many",
    "count_work",
    "count_work_tabs",
    "counts_by_jurisdiction",
    "create_item",
    "create_item_once",
    "get_item",
    "history",
    "item_ids_in_scope",
    "light_case",
    "light_rule",
    "light_word",
    "list_events",
    "list_items",
    "list_work",
    "record_step",
    "scope_ids",
    "sees_item",
    "summary",
    "user_ids_in_scope",
    "verify",
    "verify_all",
    "verify_in_scope",
    "visible_items",
    "visible_jurisdiction",
    "visible_unit",
]
