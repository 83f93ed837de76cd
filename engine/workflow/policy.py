"""What may be fired from a state: one policy for every list of triggers the engine shows (the
item view, the 409 refusal, the command line), so they can never disagree.

Named as django-fsm names its pair: `all_triggers` is every transition defined from a state,
whoever fires it and whatever the data; `available_triggers` is what an actor of `role` may fire
now, given the item's stored data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.workflow.model import TransitionDef, WorkflowDef


def all_triggers(wf: WorkflowDef, state: str) -> list[TransitionDef]:
    """Every transition defined from `state`, in file order (roles and conditions ignored)."""
    return wf.transitions_from(state)


def available_triggers(wf: WorkflowDef, state: str, data: Mapping[str, Any] | None,
                       role: str) -> list[TransitionDef]:
    """The transitions `role` may fire from `state` now: the role is among the transition's
    roles and every condition holds on `data`, the item's data as stored (what a transition
    would send never counts; engine.items.transition checks the same)."""
    stored = data or {}
    return [t for t in all_triggers(wf, state)
            if role in t.roles and all(c.holds(stored) for c in t.conditions)]
