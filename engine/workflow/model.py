"""A workflow definition as the engine uses it: plain frozen records, built by `loader`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.kernel import Duration
from engine.workflow.fields import Choice, FieldSpec
from engine.workflow.report_rules import ReportsDef
from engine.workflow.supervision import ExtensionRule, SupervisionDef


@dataclass(frozen=True, kw_only=True)
class Condition:
    """A condition on the item's data as stored before the transition (what the transition
    itself sends never counts: a caller must not satisfy a guard by sending the field)."""

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
    # a paused state only: remind the handling side every `review` that the item waits
    # (暂存待查 is looked at again periodically, though its clock stands still)
    review: Duration | None = None


@dataclass(frozen=True, kw_only=True)
class TransitionDef:
    trigger: str
    sources: tuple[str, ...]
    dest: str
    roles: tuple[str, ...]
    label: str = ""
    # every field the transition takes: item fields it sets (stored) and parameters
    # recorded only in its audit event (stored=False); nothing else is accepted
    fields: tuple[FieldSpec, ...] = ()
    conditions: tuple[Condition, ...] = ()

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True, kw_only=True)
class EscalationDef:
    """How an overdue item climbs: each level waits `interval` before the next, up to
    `max_level`; at the top it repeats a reminder every `repeat_at_top`."""

    max_level: int = 3
    interval: Duration | None = None
    repeat_at_top: Duration | None = None


@dataclass(frozen=True, kw_only=True)
class LightsDef:
    """Where an open item's warning light turns yellow: `yellow_before` its due time when
    declared (`lights: {yellow: {before: ...}}`), else at its state's reminder point."""

    yellow_before: Duration | None = None


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
    # the item's fields, in file order: what create_item accepts and transitions may set
    fields: Mapping[str, FieldSpec] = field(default_factory=dict)
    vocabularies: Mapping[str, tuple[Choice, ...]] = field(default_factory=dict)
    # False: the body has no `fields:` section (version-1 files); its fields were derived
    # from `vocabularies:` and the transitions' `requires:` (docs/workflows.md)
    declared: bool = True
    link_roles: tuple[str, ...] = ()  # may link two items as related; none unless declared
    lights: LightsDef = field(default_factory=LightsDef)
    extra: Mapping[str, Any] = field(default_factory=dict)
    supervision: SupervisionDef | None = None  # no notices on its items unless declared
    extensions: Mapping[str, ExtensionRule] = field(default_factory=dict)  # by state
    reports: ReportsDef = field(default_factory=ReportsDef)  # what the figures look for

    @property
    def initial_state(self) -> str:
        return next(s.name for s in self.states.values() if s.initial)

    def transitions_from(self, state: str) -> list[TransitionDef]:
        """Every transition defined from `state`, whoever may fire it (see `policy` for what
        an actor may fire now)."""
        return [t for t in self.transitions if state in t.sources]

    def routing_field(self, kind: str) -> FieldSpec | None:
        """The item field of kind `unit` (its handling unit) or `user` (its assignee)."""
        return next((f for f in self.fields.values() if f.kind == kind), None)

    def transition(self, state: str, trigger: str) -> TransitionDef | None:
        for t in self.transitions:
            if t.trigger == trigger and state in t.sources:
                return t
        return None

    @property
    def key(self) -> tuple[str, int]:
        return (self.name, self.version)
