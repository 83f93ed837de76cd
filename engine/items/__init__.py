"""Items and their audit trail. `transition` holds the one writer of item state (`create_item`,
`apply`, `annotate`) and the only writer of audit events; the rest reads: queries, reports,
verification of the hash chains."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.kernel import lazy_attribute

if TYPE_CHECKING:
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
        item_in_sight,
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
    "item_in_sight",
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

# PEP 562: a name's module is imported when the name is first asked for, so a caller
# (or `leadflow --help`) pays only for the modules it uses. mypy sees the imports above;
# __getattr__ is hidden from it so that a misspelt name stays an error.
_MODULE_OF = {
    "GENESIS": "audit", "EventRecord": "audit", "verify": "audit", "verify_in_scope": "audit",
    "verify_all": "audit_parallel",
    "LIGHT_WORDS": "lights", "LIGHTS": "lights", "Light": "lights", "LightRule": "lights",
    "light_case": "lights", "light_rule": "lights", "light_word": "lights",
    "EventFilters": "queries", "ItemFilters": "queries", "get_item": "queries",
    "history": "queries", "item_ids_in_scope": "queries", "item_in_sight": "queries",
    "list_events": "queries",
    "list_items": "queries", "scope_ids": "queries", "user_ids_in_scope": "queries",
    "visible_jurisdiction": "queries", "visible_unit": "queries",
    "summary": "reports",
    "Placement": "scope", "sees_item": "scope", "visible_items": "scope",
    "Change": "transition", "Created": "transition", "annotate": "transition",
    "apply": "transition", "create_item": "transition", "create_item_once": "transition",
    "record_step": "transition",
    "Move": "transition_batch", "Outcome": "transition_batch", "apply_many": "transition_batch",
    "JurisdictionCounts": "worklists", "WorkFilters": "worklists", "count_work": "worklists",
    "count_work_tabs": "worklists", "counts_by_jurisdiction": "worklists",
    "list_work": "worklists",
}

if not TYPE_CHECKING:
    def _module(name: str) -> object:
        """Import one module of the part, explicitly (tests/test_layering.py)."""
        if name == "audit":
            import engine.items.audit as module
        elif name == "audit_parallel":
            import engine.items.audit_parallel as module
        elif name == "lights":
            import engine.items.lights as module
        elif name == "queries":
            import engine.items.queries as module
        elif name == "reports":
            import engine.items.reports as module
        elif name == "scope":
            import engine.items.scope as module
        elif name == "transition":
            import engine.items.transition as module
        elif name == "transition_batch":
            import engine.items.transition_batch as module
        elif name == "worklists":
            import engine.items.worklists as module
        return module

    __getattr__ = lazy_attribute(globals(), _MODULE_OF, _module)
