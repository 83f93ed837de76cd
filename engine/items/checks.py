"""The checks of item data that need no database: only declared fields, of their declared
types and vocabularies, given by someone who may give them; and never the reporter's identity,
at any depth. Each check raises one InvalidData listing every problem it found."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from engine.errors import InvalidData
from engine.workflow import FieldSpec, TransitionDef, WorkflowDef, is_blank


def _raise(what: str, problems: Mapping[str, str]) -> None:
    if problems:
        listed = "; ".join(f"{k} {v}" for k, v in problems.items())
        raise InvalidData(f"{what}: {listed}", fields=problems)


def _undeclared(keys: Iterable[str], accepted: Iterable[str], by: str) -> dict[str, str]:
    names = ", ".join(accepted) or "none"
    return dict.fromkeys(keys, f"is not accepted by {by} (accepted: {names})")


def check_create_data(wf: WorkflowDef, role: str, data: Mapping[str, Any]) -> None:
    """Data of a new item: declared item fields that `role` may give at creation, every field
    required at creation present, each value of its declared type."""
    check_no_identity(data)
    settable = [f.name for f in wf.fields.values() if role in f.create_roles]
    problems = _undeclared([k for k in data if k not in wf.fields], settable,
                           f"{wf.name} items")
    for key in data:
        spec = wf.fields.get(key)
        if spec is None or role in spec.create_roles or is_blank(data[key]):
            continue
        problems[key] = ("is set by a transition, not at creation" if not spec.create_roles
                         else f"may not be given at creation by {role} (only by "
                              f"{', '.join(spec.create_roles)})")
    for spec in wf.fields.values():
        if spec.name not in problems and (spec.required or spec.name in data):
            problems |= spec.problems(data.get(spec.name))
    _raise(f"invalid data for a new {wf.name} item", problems)


def check_transition_data(td: TransitionDef, data: Mapping[str, Any]) -> None:
    """Data sent with a trigger: only the fields the transition takes, each required one
    present, each value of its declared type."""
    check_no_identity(data)
    declared = [f.name for f in td.fields]
    problems = _undeclared([k for k in data if k not in declared], declared, td.trigger)
    for spec in td.fields:
        problems |= spec.problems(data.get(spec.name))
    _raise(td.trigger, problems)


def stored_values(specs: Iterable[FieldSpec], data: Mapping[str, Any]) -> dict[str, Any]:
    """What goes into the item's data: given values of stored, non-routing fields (a unit or
    assignee lives in the item's columns; a parameter lives only in the audit event)."""
    return {f.name: data[f.name] for f in specs
            if f.stored and not f.routes and not is_blank(data.get(f.name))}


# The reporter's identity lives encrypted apart from the item (engine.intake.identity); item
# data, which every reader, history entry and report sees, must never carry it. Keys are
# compared case-folded with separators removed, so Reporter, reporter_phone, reporterPhone and
# REPORTER-NAME all match, at any depth, inside lists too.
IDENTITY_KEYS = ("reporter", "whistleblower", "informant", "举报人", "检举人")
# says only whether the reporter is anonymous, which intake records on purpose
NOT_IDENTITY = frozenset({"reporterkind"})
_SEPARATORS = re.compile(r"[\s_.\-]+")


def _is_identity_key(key: str) -> bool:
    norm = _SEPARATORS.sub("", key.casefold())
    return norm not in NOT_IDENTITY and any(norm.startswith(w) or (not w.isascii() and w in norm)
                                            for w in IDENTITY_KEYS)


def _identity_paths(value: Any, path: str) -> Iterable[str]:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            where = f"{path}.{key}" if path else str(key)
            if _is_identity_key(str(key)):
                yield where
            yield from _identity_paths(inner, where)
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from _identity_paths(inner, f"{path}[{i}]")


def check_no_identity(data: Mapping[str, Any]) -> None:
    found = list(_identity_paths(data, ""))
    if found:
        raise InvalidData(
            f"{', '.join(found)} may not be part of item data: the reporter's identity is "
            "stored encrypted apart from the item; submit leads through lead intake "
            "(POST /v1/leads), which keeps it there",
            fields=dict.fromkeys(found, "the reporter's identity is not allowed in item data"))
