"""Read workflow YAML files into `WorkflowDef`s, collecting every problem with where and how
to fix it. A broken file raises `DefinitionError`; nothing half-loaded is returned."""

from __future__ import annotations

import hashlib
import re
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from engine.errors import DefinitionError, DefinitionProblem
from engine.kernel import ROLES, Duration, DurationUnit
from engine.workflow.clock_loader import check_lights, parse_lights, parse_review
from engine.workflow.field_loader import (
    check_conditions,
    legacy_item_fields,
    parse_item_fields,
    parse_legacy_requires,
    parse_transition_fields,
    parse_vocabularies,
)
from engine.workflow.fields import Choice, FieldSpec
from engine.workflow.model import (
    Condition,
    EscalationDef,
    Reminder,
    StateDef,
    TransitionDef,
    WorkflowDef,
)
from engine.workflow.paths import default_workflows_dir as default_workflows_dir  # its old home
from engine.workflow.problems import ProblemCollector
from engine.workflow.report_rules import parse_reports
from engine.workflow.supervision import parse_extensions, parse_supervision

# libyaml's safe loader when PyYAML was built with it: every process parses the workflows
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
CONDITION_OPS = ("equals", "not_equals", "in", "present", "absent")
# Triggers the engine fires itself; a workflow may not define them.
SYSTEM_TRIGGERS = frozenset({"escalate", "remind"})
# Events that record something about an item without moving it (engine.items.transition.annotate).
ANNOTATION_TRIGGERS = frozenset({"link", "read_identity", "add_info"})
# Supervision (督办) and extension (延期) steps: events that keep the state, checked by
# engine.supervision against the file's `supervision:` and `extensions:` sections.
SUPERVISION_TRIGGERS = frozenset({
    "supervise", "supervise_reply", "supervise_accept", "supervise_return", "supervise_raise",
    "extension_request", "extension_approve", "extension_refuse"})
RESERVED_TRIGGERS = frozenset({"create"}) | SYSTEM_TRIGGERS | ANNOTATION_TRIGGERS \
    | SUPERVISION_TRIGGERS
TOP_KEYS = frozenset(
    {"name", "version", "title", "labels", "states", "transitions", "escalation",
     "create_roles", "link_roles", "vocabularies", "fields", "lights", "supervision",
     "extensions", "reports"}
)


def _duration(raw: Any, path: str, c: ProblemCollector) -> Duration | None:
    units = ", ".join(u.value for u in DurationUnit)
    if not isinstance(raw, Mapping) or len(raw) != 1:
        c.add(path, f"a duration must be a mapping with exactly one unit, got {raw!r}",
              f"write e.g. `{{working_days: 5}}`; units: {units}")
        return None
    (unit, amount), = raw.items()
    if unit not in DurationUnit.__members__:
        c.add(f"{path}.{unit}", f"unknown duration unit {unit!r}", f"use one of: {units}")
        return None
    if isinstance(amount, bool) or not isinstance(amount, int | float) or amount <= 0:
        c.add(f"{path}.{unit}", f"duration must be a positive number, got {amount!r}",
              "write a number greater than zero")
        return None
    return Duration(unit=DurationUnit(unit), amount=float(amount))


def _str_list(raw: Any, path: str, c: ProblemCollector, what: str) -> tuple[str, ...]:
    if isinstance(raw, str):
        return (raw,)
    if isinstance(raw, list) and all(isinstance(x, str) for x in raw):
        return tuple(raw)
    c.add(path, f"{what} must be a name or a list of names, got {raw!r}",
          f"write `{what}: [a, b]`")
    return ()


def _conditions(raw: Any, path: str, c: ProblemCollector) -> tuple[Condition, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        c.add(path, "conditions must be a list", "write `conditions: [{field: x, equals: y}]`")
        return ()
    out = []
    for i, cond in enumerate(raw):
        cpath = f"{path}[{i}]"
        if not isinstance(cond, Mapping) or "field" not in cond:
            c.add(cpath, "a condition needs `field` and one operator",
                  f"write `{{field: category, equals: x}}`; operators: {', '.join(CONDITION_OPS)}")
            continue
        ops = [k for k in cond if k != "field"]
        if len(ops) != 1 or ops[0] not in CONDITION_OPS:
            c.add(cpath, f"a condition needs exactly one operator, got {ops}",
                  f"use one of: {', '.join(CONDITION_OPS)}")
            continue
        op = ops[0]
        value = cond[op]
        if op == "in" and not isinstance(value, list):
            c.add(f"{cpath}.in", "`in` needs a list", "write `in: [a, b]`")
            continue
        out.append(Condition(field=str(cond["field"]), op=op, value=value))
    return tuple(out)


def _states(raw: Any, c: ProblemCollector) -> dict[str, StateDef]:
    states: dict[str, StateDef] = {}
    if not isinstance(raw, Mapping) or not raw:
        c.add("states", "states must be a non-empty mapping of state name to settings",
              "write `states: {received: {initial: true}, closed: {final: true}}`")
        return states
    for name, spec in raw.items():
        path = f"states.{name}"
        spec = spec or {}
        if not isinstance(name, str) or not NAME_RE.match(name):
            c.add(path, f"state name {name!r} is not a lower-case identifier",
                  "use lower-case letters, digits and underscores")
            continue
        if not isinstance(spec, Mapping):
            c.add(path, "state settings must be a mapping", "write `{label: 受理}`")
            continue
        unknown = set(spec) - {"label", "initial", "final", "closed", "pauses_clock",
                               "deadline", "reminder", "review"}
        if unknown:
            c.add(f"{path}.{sorted(unknown)[0]}", f"unknown state setting(s): {sorted(unknown)}",
                  "use label, initial, final, closed, pauses_clock, deadline, reminder, review")
        deadline = _duration(spec["deadline"], f"{path}.deadline", c) if "deadline" in spec \
            else None
        reminder = None
        if "reminder" in spec:
            r = spec["reminder"]
            if isinstance(r, Mapping) and "before" in r:
                before = _duration(r["before"], f"{path}.reminder.before", c)
                reminder = Reminder(before=before)
            elif isinstance(r, Mapping) and "at_fraction" in r and isinstance(
                    r["at_fraction"], int | float) and 0 < r["at_fraction"] < 1:
                reminder = Reminder(at_fraction=float(r["at_fraction"]))
            else:
                c.add(f"{path}.reminder", f"invalid reminder {r!r}",
                      "write `reminder: {before: {working_days: 1}}` or "
                      "`reminder: {at_fraction: 0.8}`")
            if deadline is None:
                c.add(f"{path}.reminder", "a reminder needs a deadline on the same state",
                      "add `deadline:` to this state or remove the reminder")
        final = bool(spec.get("final", False))
        closed = final or bool(spec.get("closed", False))
        if closed and deadline is not None:
            c.add(f"{path}.deadline", "a final or closed state cannot have a deadline",
                  "remove the deadline")
        if closed and spec.get("pauses_clock"):
            c.add(f"{path}.pauses_clock", "a final or closed state has no clock to pause",
                  "remove pauses_clock")
        states[name] = StateDef(
            name=name, label=str(spec.get("label", "")), initial=bool(spec.get("initial", False)),
            final=final, closed=closed, pauses_clock=bool(spec.get("pauses_clock", False)),
            deadline=deadline, reminder=reminder,
            review=parse_review(spec, path, _duration, c),
        )
    initials = [s.name for s in states.values() if s.initial]
    if len(initials) != 1:
        c.add("states", f"exactly one state must be initial, found {initials or 'none'}",
              "mark one state with `initial: true`")
    if not any(s.final for s in states.values()):
        c.add("states", "no final state", "mark at least one state with `final: true`")
    return states


@dataclass(frozen=True, kw_only=True)
class _Fields:
    """What the transitions' fields are read against: the item's declared fields (None: the
    file has no `fields:` and is read the version-1 way) and the vocabularies."""

    items: Mapping[str, FieldSpec] | None
    vocab: Mapping[str, tuple[Choice, ...]]

    @property
    def keys(self) -> frozenset[str]:
        words = {"sets", "params", "requires"} if self.items is not None else {"requires"}
        return frozenset({"trigger", "source", "dest", "roles", "label", "conditions"} | words)

    @property
    def shown_keys(self) -> frozenset[str]:  # `requires` only where it is still the form
        return self.keys - {"requires"} if self.items is not None else self.keys

    def of(self, spec: Mapping[str, Any], path: str, c: ProblemCollector
           ) -> tuple[FieldSpec, ...]:
        if self.items is not None:
            return parse_transition_fields(spec, path, self.items, self.vocab, c)
        for key in ("sets", "params"):
            if key in spec:
                c.add(f"{path}.{key}", f"`{key}:` needs a top-level `fields:` section",
                      "declare the item's fields under `fields:` (docs/workflows.md)")
        return parse_legacy_requires(spec.get("requires"), f"{path}.requires", c)


def _transitions(raw: Any, states: Mapping[str, StateDef], fields: _Fields,
                 c: ProblemCollector) -> tuple[TransitionDef, ...]:
    if not isinstance(raw, list) or not raw:
        c.add("transitions", "transitions must be a non-empty list",
              "write `transitions: [{trigger: t, source: a, dest: b, roles: [office]}]`")
        return ()
    out: list[TransitionDef] = []
    seen: dict[tuple[str, str], int] = {}
    for i, spec in enumerate(raw):
        path = f"transitions[{i}]"
        if not isinstance(spec, Mapping):
            c.add(path, "a transition must be a mapping", "write `{trigger: t, source: a, ...}`")
            continue
        missing = [k for k in ("trigger", "source", "dest", "roles") if k not in spec]
        if missing:
            c.add(path, f"transition is missing {', '.join(missing)}",
                  "every transition needs trigger, source, dest and roles")
            continue
        unknown = set(spec) - fields.keys
        if unknown:
            c.add(f"{path}.{sorted(unknown)[0]}", f"unknown transition key(s): {sorted(unknown)}",
                  f"use {', '.join(sorted(fields.shown_keys))}")
        trigger = spec["trigger"]
        if not isinstance(trigger, str) or not NAME_RE.match(trigger):
            c.add(f"{path}.trigger", f"trigger {trigger!r} is not a lower-case identifier",
                  "use lower-case letters, digits and underscores")
            continue
        if trigger in RESERVED_TRIGGERS:
            c.add(f"{path}.trigger", f"trigger {trigger!r} is reserved for the engine",
                  f"choose another name; reserved: {', '.join(sorted(RESERVED_TRIGGERS))}")
        sources = _str_list(spec["source"], f"{path}.source", c, "source")
        for s in sources:
            if s not in states:
                c.add(f"{path}.source", f"unknown source state {s!r}",
                      f"use one of the states: {', '.join(states)}")
            elif states[s].final:
                c.add(f"{path}.source", f"final state {s!r} cannot have outgoing transitions",
                      f"remove {s!r} from source, or drop `final: true` from it")
            key = (trigger, s)
            if key in seen:
                c.add(f"{path}.trigger",
                      f"trigger {trigger!r} is defined twice from state {s!r} "
                      f"(also at transitions[{seen[key]}])",
                      "rename one trigger or merge the two transitions")
            seen[key] = i
        dest = spec["dest"]
        if not isinstance(dest, str) or dest not in states:
            c.add(f"{path}.dest", f"unknown destination state {dest!r}",
                  f"use one of the states: {', '.join(states)}")
        roles = _str_list(spec["roles"], f"{path}.roles", c, "roles")
        for r in roles:
            if r not in ROLES:
                c.add(f"{path}.roles", f"unknown role {r!r}",
                      f"use one of: {', '.join(sorted(ROLES))}")
        if not roles:
            c.add(f"{path}.roles", "a transition needs at least one role",
                  "write `roles: [office]`")
        out.append(TransitionDef(
            trigger=trigger, sources=sources, dest=str(dest), roles=roles,
            label=str(spec.get("label", "")),
            fields=fields.of(spec, path, c),
            conditions=_conditions(spec.get("conditions"), f"{path}.conditions", c),
        ))
        if fields.items is not None:
            check_conditions(out[-1].conditions, f"{path}.conditions", fields.items, c)
    return tuple(out)


def _reachability(states: Mapping[str, StateDef], transitions: Iterable[TransitionDef],
                  c: ProblemCollector) -> None:
    initial = [s.name for s in states.values() if s.initial]
    if len(initial) != 1:
        return
    edges: dict[str, set[str]] = {s: set() for s in states}
    for t in transitions:
        for s in t.sources:
            if s in edges and t.dest in states:
                edges[s].add(t.dest)
    seen = {initial[0]}
    queue = deque(seen)
    while queue:
        for nxt in edges[queue.popleft()]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    for name in states:
        if name not in seen:
            c.add(f"states.{name}", f"state {name!r} cannot be reached from the initial state",
                  "add a transition into it, or remove it")
        elif not states[name].final and not edges[name]:
            c.add(f"states.{name}", f"non-final state {name!r} has no way out",
                  "add a transition out of it, or mark it `final: true`")


def _escalation(raw: Any, c: ProblemCollector) -> EscalationDef:
    if raw is None:
        return EscalationDef()
    if not isinstance(raw, Mapping):
        c.add("escalation", "escalation must be a mapping",
              "write `escalation: {max_level: 3, interval: {working_days: 2}}`")
        return EscalationDef()
    max_level = raw.get("max_level", 3)
    if isinstance(max_level, bool) or not isinstance(max_level, int) or not 0 <= max_level <= 3:
        c.add("escalation.max_level", f"max_level must be 0..3, got {max_level!r}",
              "1 = own office, 2 = parent office, 3 = the top of the chain")
        max_level = 3
    interval = _duration(raw["interval"], "escalation.interval", c) if "interval" in raw else None
    repeat = _duration(raw["repeat_at_top"], "escalation.repeat_at_top", c) \
        if "repeat_at_top" in raw else None
    return EscalationDef(max_level=max_level, interval=interval, repeat_at_top=repeat)


def parse_definition(text: str, file: str) -> WorkflowDef:
    """Parse and validate one workflow body. Raises DefinitionError listing every problem."""
    c = ProblemCollector(file, text)
    try:
        raw = yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{file}:{mark.line + 1}" if mark else file
        raise DefinitionError([DefinitionProblem(
            file=where, path="<yaml>", problem=f"not valid YAML: {exc}",
            fix="fix the YAML syntax (indentation, colons, quotes)")]) from None
    if not isinstance(raw, Mapping):
        raise DefinitionError([DefinitionProblem(
            file=file, path="<top>", problem="the file must be a YAML mapping",
            fix="start with `name:`, `version:`, `states:` and `transitions:`")])
    for key in sorted(set(raw) - TOP_KEYS):
        c.add(str(key), f"unknown top-level key {key!r}", f"use: {', '.join(sorted(TOP_KEYS))}")
    name = raw.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        c.add("name", f"name must be a lower-case identifier, got {name!r}", "write `name: lead`")
        name = "?"
    version = raw.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        c.add("version", f"version must be a positive integer, got {version!r}",
              "write `version: 1` and raise it whenever the body changes")
        version = 0
    create_roles = _str_list(raw.get("create_roles", ["office", "handler"]), "create_roles", c,
                             "create_roles")
    # who may link two items as related (engine.intake.links); nobody unless declared
    link_roles = _str_list(raw.get("link_roles", []), "link_roles", c, "link_roles")
    for key, roles in (("create_roles", create_roles), ("link_roles", link_roles)):
        for r in roles:
            if r not in ROLES:
                c.add(key, f"unknown role {r!r}", f"use one of: {', '.join(sorted(ROLES))}")
    vocab = parse_vocabularies(raw.get("vocabularies"), c)
    declared = "fields" in raw
    items = parse_item_fields(raw["fields"], vocab, create_roles, c) if declared else None
    states = _states(raw.get("states"), c)
    transitions = _transitions(raw.get("transitions"), states, _Fields(items=items, vocab=vocab),
                               c)
    if states and transitions:
        _reachability(states, transitions, c)
    escalation = _escalation(raw.get("escalation"), c)
    lights = parse_lights(raw.get("lights"), _duration, c)
    check_lights(lights, states, c)
    supervision = parse_supervision(raw.get("supervision"), c)
    extensions = parse_extensions(raw.get("extensions"), states, c)
    reports = parse_reports(raw.get("reports"), states, transitions, c)
    labels = raw.get("labels") or {}
    if not isinstance(labels, Mapping):
        c.add("labels", "labels must be a mapping", "write `labels: {lead: 问题线索}`")
        labels = {}
    if c.problems:
        raise DefinitionError(c.problems)
    if items is None:  # a version-1 body: derive what it declared implicitly
        items = legacy_item_fields(vocab, create_roles,
                                   (f for t in transitions for f in t.fields))
    extra = {"vocabularies": raw["vocabularies"]} if "vocabularies" in raw else {}
    return WorkflowDef(
        name=name, version=version, title=str(raw.get("title", name)),
        labels={str(k): str(v) for k, v in labels.items()}, states=states,
        transitions=transitions, escalation=escalation, create_roles=create_roles,
        link_roles=link_roles, lights=lights,
        source_file=file, body=text, content_hash=content_hash(text), fields=items,
        vocabularies=vocab, declared=declared, extra=extra,
        supervision=supervision, extensions=extensions, reports=reports,
    )


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_file(path: Path) -> WorkflowDef:
    return parse_definition(path.read_text(encoding="utf-8"), str(path))


def load_dir(directory: Path) -> list[WorkflowDef]:
    """Load every *.yaml in `directory`; raise one DefinitionError with all files' problems."""
    defs: list[WorkflowDef] = []
    problems: list[DefinitionProblem] = []
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise DefinitionError([DefinitionProblem(
            file=str(directory), path="<dir>", problem="no *.yaml workflow files found",
            fix="point LEADFLOW_WORKFLOWS_DIR at the folder holding lead.yaml")])
    seen: dict[tuple[str, int], str] = {}
    for f in files:
        try:
            d = load_file(f)
        except DefinitionError as exc:
            problems.extend(exc.problems)
            continue
        if d.key in seen:
            problems.append(DefinitionProblem(
                file=str(f), path="version",
                problem=f"{d.name} version {d.version} is also defined in {seen[d.key]}",
                fix="give each file its own version number"))
            continue
        seen[d.key] = str(f)
        defs.append(d)
    if problems:
        raise DefinitionError(problems)
    return defs
