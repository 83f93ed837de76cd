"""A declared data field: everything a form needs (type, label, help, choices with labels,
required) and the check of a value against it, at any depth for objects and lists."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

# text: a non-blank string; integer / number (an int or a float); boolean; date: YYYY-MM-DD;
# enum: one of `choices`; item_ref: the id of another item of the same workflow; unit: a unit
# code and user: a user id (the item's handling unit and assignee, kept in item columns);
# object: a JSON object (with `fields`, only those keys); list: a JSON list (with `items`,
# each element checked against it).
KINDS = ("text", "integer", "number", "boolean", "date", "enum", "item_ref", "unit", "user",
         "object", "list")
ROUTING_KINDS = frozenset({"unit", "user"})
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, kw_only=True)
class Choice:
    """One value of an enum field and what a person sees for it (`letter` → 来信)."""

    value: str
    label: str


@dataclass(frozen=True, kw_only=True)
class FieldSpec:
    """One declared field of an item, of a transition, or inside an object or list field."""

    name: str
    kind: str = "text"
    label: str = ""
    help: str = ""
    required: bool = False
    choices: tuple[Choice, ...] = ()
    vocabulary: str | None = None  # the `vocabularies:` entry the choices come from
    # False: a transition parameter (a reason), recorded in the audit event, never stored
    stored: bool = True
    # item fields only: the roles that may give it when creating an item (empty: none,
    # only a transition sets it)
    create_roles: tuple[str, ...] = ()
    fields: tuple[FieldSpec, ...] = ()  # object: its keys (empty: any plain JSON object)
    items: FieldSpec | None = None  # list: every element (None: any plain JSON value)

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(c.value for c in self.choices)

    @property
    def routes(self) -> bool:
        """A unit or user field moves the item (its unit, jurisdiction or assignee)."""
        return self.kind in ROUTING_KINDS

    def check(self, value: Any) -> str | None:
        """Why `value` is not acceptable for this field (the first problem), or None."""
        problems = self.problems(value)
        return next(iter(problems.values())) if problems else None

    def problems(self, value: Any, path: str | None = None) -> dict[str, str]:
        """Every problem of `value`, by path (`subject.name`, `attachments[0].size`)."""
        where = path or self.name
        if is_blank(value):
            return {where: "is required"} if self.required else {}
        why = _kind_problem(self, value)
        if why is not None:
            return {where: why}
        out: dict[str, str] = {}
        if self.kind == "object" and self.fields:
            declared = {f.name: f for f in self.fields}
            for key in value:
                if key not in declared:
                    out[f"{where}.{key}"] = (f"not a field of {where} (accepted: "
                                             f"{', '.join(declared)})")
            for sub in self.fields:
                out |= sub.problems(value.get(sub.name), f"{where}.{sub.name}")
        if self.kind == "list" and self.items is not None:
            element = replace(self.items, required=True)  # a list holds no empty entries
            for i, entry in enumerate(value):
                out |= element.problems(entry, f"{where}[{i}]")
        return out


def is_blank(value: Any) -> bool:
    """Left out: None or a blank string. Such a value is never stored."""
    return value is None or (isinstance(value, str) and not value.strip())


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _kind_problem(spec: FieldSpec, value: Any) -> str | None:
    kind = spec.kind
    if kind in ("text", "unit") and not isinstance(value, str):
        return "must be a string"
    if kind == "integer" and not _is_int(value):
        return "must be an integer"
    if kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
        return "must be a number"
    if kind == "boolean" and not isinstance(value, bool):
        return "must be true or false"
    if kind == "item_ref" and not _is_int(value):
        return "must be the id of another item"
    if kind == "user" and not _is_int(value):
        return "must be a user id"
    if kind == "enum" and value not in spec.values:
        return f"must be one of: {', '.join(spec.values)}"
    if kind == "date" and not _is_date(value):
        return "must be a date written YYYY-MM-DD"
    if kind == "object" and not isinstance(value, dict):
        return "must be an object"
    if kind == "list" and not isinstance(value, list):
        return "must be a list"
    return None


def _is_date(value: Any) -> bool:
    if not isinstance(value, str) or not _DATE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True
