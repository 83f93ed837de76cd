"""Forms generated from what a workflow declares: the ONE place that turns a field spec into a
widget and a submitted form back into transition data.

Built on the fields a workflow declares (`engine.workflow.FieldSpec`: name, kind, label,
choices with their labels, required) — the item fields a transition sets and the parameters
it records — and the triggers `engine.workflow.available_triggers` offers this viewer now.
The widgets:

- an enum (its choices, with the labels the workflow file gives them) → select;
- a `unit` field → select of the units in the viewer's scope (by code);
- a `user` field (the assignee) → select of the active users in scope;
- `item_ref` → a search box for a reference, whose results (htmx) are radio buttons;
- text → textarea; integer → number; boolean → checkbox. Required fields are marked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData

from console.directory import Directory
from engine.workflow import FieldSpec, TransitionDef, WorkflowDef

MAX_TEXT = 20_000


@dataclass(frozen=True, kw_only=True)
class Widget:
    name: str
    label: str
    kind: str  # select | textarea | number | checkbox | item_search
    required: bool
    options: tuple[tuple[str, str], ...] = ()  # (value, label) for a select
    value: str = ""  # what to show (a refused form keeps what was typed)


def fields_of(wf: WorkflowDef, td: TransitionDef) -> tuple[FieldSpec, ...]:
    """The fields a transition's form asks for: what it sets and what it records."""
    return td.fields


def field_label(wf: WorkflowDef, name: str) -> str:
    """A data field's label: the item field's, else a transition's, else `labels`."""
    spec = wf.fields.get(name)
    if spec is not None and spec.label:
        return spec.label
    for t in wf.transitions:
        param = t.field(name)
        if param is not None and param.label:
            return param.label
    return str(wf.labels.get(name, name))


def value_label(wf: WorkflowDef, name: str, value: Any) -> str:
    """How a stored value reads: its choice's label, else the value itself."""
    spec = wf.fields.get(name)
    if spec is not None and isinstance(value, str):
        for choice in spec.choices:
            if choice.value == value:
                return choice.label or value
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _vocabulary(spec: FieldSpec) -> tuple[tuple[str, str], ...] | None:
    if spec.choices:
        return tuple((c.value, c.label or c.value) for c in spec.choices)
    return None


def widget_for(wf: WorkflowDef, spec: FieldSpec, dirs: Directory, value: str = "") -> Widget:
    label = spec.label or field_label(wf, spec.name)
    required = spec.required

    def make(kind: str, options: tuple[tuple[str, str], ...] = ()) -> Widget:
        return Widget(name=spec.name, label=label, kind=kind, required=required,
                      options=options, value=value)

    if spec.kind == "unit":
        return make("select", tuple(
            (u.code, f"{u.name}（{dirs.jurisdictions[u.jurisdiction_id].name}）"
             if u.jurisdiction_id in dirs.jurisdictions else u.name)
            for u in dirs.units.values()))
    if spec.kind == "user":
        return make("select", tuple(
            (str(u.id), f"{u.name}（{dirs.unit_name(u.unit_id)}）")
            for u in dirs.users.values() if u.active and u.role in ("handler", "office")))
    vocab = _vocabulary(spec)
    if vocab is not None:
        return make("select", vocab)
    if spec.kind == "item_ref":
        return make("item_search")
    if spec.kind in ("integer", "number"):
        return make("number")
    if spec.kind == "boolean":
        return make("checkbox")
    return make("textarea")


def widgets(wf: WorkflowDef, td: TransitionDef, dirs: Directory,
            form: FormData | None = None) -> list[Widget]:
    return [widget_for(wf, spec, dirs, str(form.get(spec.name) or "") if form else "")
            for spec in fields_of(wf, td)]


@dataclass(frozen=True, kw_only=True)
class Parsed:
    data: dict[str, Any]
    errors: dict[str, str]  # field → message, in Chinese
    search: dict[str, str]  # item_ref field → the reference typed, to resolve


def parse(wf: WorkflowDef, td: TransitionDef, form: FormData) -> Parsed:
    """Transition data from a submitted form: typed values for the declared fields; blank
    fields left out (the engine says whether they were required)."""
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    search: dict[str, str] = {}
    for spec in fields_of(wf, td):
        raw = str(form.get(spec.name) or "").strip()
        if spec.kind == "boolean":
            data[spec.name] = raw in ("on", "true", "1")
            continue
        if spec.kind == "item_ref" and not raw:
            typed = str(form.get(f"{spec.name}__q") or "").strip()
            if typed:
                search[spec.name] = typed
            continue
        if not raw:
            continue
        if len(raw) > MAX_TEXT:
            errors[spec.name] = f"至多 {MAX_TEXT} 个字符"
        elif spec.kind in ("integer", "item_ref", "user"):
            if raw.isdigit() and len(raw) <= 10:
                data[spec.name] = int(raw)
            else:
                errors[spec.name] = "须为整数" if spec.kind == "integer" else "请从列表中选择"
        else:
            data[spec.name] = raw
    return Parsed(data=data, errors=errors, search=search)
