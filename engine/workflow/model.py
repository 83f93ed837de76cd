"""A workflow definition as the engine uses it: plain frozen records, built by `loader`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.kernel import Duration


@dataclass(frozen=True, kw_only=True)
class FieldSpec:
    """A data field a transition requires. `kind` is text, integer, boolean, enum or item_ref."""

    name: str
    kind: str = "text"
    values: tuple[str, ...] = ()
    label: str = ""
    optional: bool = False  # may be left out; checked when given

    def check(self, value: Any) -> str | None:
        """Return why `value` is not acceptable, or None when it is."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None if self.optional else "is required"
        if self.kind == "text" and not isinstance(value, str):
            return "must be a string"
        if self.kind == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
            return "must be an integer"
        if self.kind == "item_ref" and (isinstance(value, bool) or not isinstance(value, int)):
            return "must be the id of another item"
        if self.kind == "boolean" and not isinstance(value, bool):
            return "must be true or false"
        if self.kind == "enum" and value not in self.values:
            return f"must be one of: {', '.join(self.values)}"
        return None


@dataclass(frozen=True, kw_only=True)
class Condition:
    """A condition on the item's data (after merging the transition's data)."""

    field: str
    op: str  # equals | not_equals | in | present | absent
    value: Any = None

    def holds(self, data: Mapping[str, Any]) -> bool:
        actual = data.get(self.field)
        if self.op == "equals":
            return bool(actual == self.value)
        if self.op == "not_equals":
            return bool(actual != self.value)
        if self.op == "in":
            return actual in self.value
        if self.op == "present":
            return actual is not None and actual != ""
        if self.op == "absent":
            return actual is None or actual == ""
        raise AssertionError(f"unknown condition op {self.op!r}")  # loader rejects these

    def describe(self) -> str:
        if self.op in ("present", "absent"):
            return f"{self.field} {self.op}"
        return f"{self.field} {self.op} {self.value!r}"


@dataclass(frozen=True, kw_only=True)
class Reminder:
    """When to remind before the due time: a duration before it, or a fraction of the period."""

    before: Duration | None = None
    at_fraction: float | None = None


@dataclass(frozen=True, kw_only=True)
class StateDef:
    name: str
    label: str = ""
    initial: bool = False
    final: bool = False  # terminal: no transitions out
    closed: bool = False  # counts as closed (办结): closed_at set, no deadline; final implies it
    pauses_clock: bool = False
    deadline: Duration | None = None
    reminder: Reminder | None = None


@dataclass(frozen=True, kw_only=True)
class TransitionDef:
    trigger: str
    sources: tuple[str, ...]
    dest: str
    roles: tuple[str, ...]
    label: str = ""
    requires: tuple[FieldSpec, ...] = ()
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True, kw_only=True)
class EscalationDef:
    """How an overdue item climbs: each level waits `interval` before the next, up to
    `max_level`; at the top it repeats a reminder every `repeat_at_top`."""

    max_level: int = 3
    interval: Duration | None = None
    repeat_at_top: Duration | None = None


@dataclass(frozen=True, kw_only=True)
class WorkflowDef:
    name: str
    version: int
    title: str
    labels: Mapping[str, str]
    states: Mapping[str, StateDef]
    transitions: tuple[TransitionDef, ...]
    escalation: EscalationDef
    create_roles: tuple[str, ...]
    source_file: str
    body: str
    content_hash: str
    link_roles: tuple[str, ...] = ()  # may link two items as related; none unless declared
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def initial_state(self) -> str:
        return next(s.name for s in self.states.values() if s.initial)

    def transitions_from(self, state: str) -> list[TransitionDef]:
        return [t for t in self.transitions if state in t.sources]

    def transition(self, state: str, trigger: str) -> TransitionDef | None:
        for t in self.transitions:
            if t.trigger == trigger and state in t.sources:
                return t
        return None

    @property
    def key(self) -> tuple[str, int]:
        return (self.name, self.version)
