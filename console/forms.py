"""Forms generated from what a workflow declares: the ONE place that turns a field spec into a
widget and a submitted form back into transition data.

Built on today's model: a transition's `requires` (`engine.workflow.FieldSpec`: name, kind,
values, label, optional) and the triggers `engine.items.allowed_triggers` offers this viewer
now. When the workflow language declares item fields and the fields each transition sets,
only `fields_of` and `widget_for` change. The widgets:

- a vocabulary (enum, or a field named after one of the workflow's `vocabularies`) → select;
- `unit` → select of the units in the viewer's scope (by code);
- `assignee` (a user id) → select of the active users in scope;
- `item_ref` → a search box for a reference, whose results (htmx) are radio buttons;
- text → textarea; integer → number; boolean → checkbox. Required fields are marked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData

from console.directory import Directory
from engine.workflow import FieldSpec, TransitionDef, WorkflowDef

# Outcome codes the shipped lead workflow declares without labels (its enum has no labels
# yet); shown in Chinese until the workflow file carries them. A declared label wins.
FALLBACK_VALUE_LABELS = {
    "substantiated": "属实（查实并处理）", "partly_substantiated": "部分属实",
    "unfounded": "不属实（予以澄清）",
}
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
    """The fields a transition's form asks for."""
    return td.requires


def field_label(wf: WorkflowDef, name: str) -> str:
    """A data field's label wherever the workflow declares one (any transition, `labels`)."""
    for t in wf.transitions:
        for spec in t.requires:
            if spec.name == name and spec.label:
                return spec.label
    return str(wf.labels.get(name, name))


def value_label(wf: WorkflowDef, name: str, value: Any) -> str:
    """How a stored value reads: a vocabulary label, else the value itself."""
    vocab = (wf.extra.get("vocabularies") or {}).get(name) or {}
    if isinstance(value, str) and value in vocab:
        return str(vocab[value])
    if isinstance(value, str) and value in FALLBACK_VALUE_LABELS:
        return FALLBACK_VALUE_LABELS[value]
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _vocabulary(wf: WorkflowDef, spec: FieldSpec) -> tuple[tuple[str, str], ...] | None:
    vocab: Mapping[str, str] = (wf.extra.get("vocabularies") or {}).get(spec.name) or {}
    if spec.kind == "enum":
        return tuple((v, str(vocab.get(v) or FALLBACK_VALUE_LABELS.get(v, v)))
                     for v in spec.values)
    if vocab:
        return tuple((k, str(v)) for k, v in vocab.items())
    return None


def widget_for(wf: WorkflowDef, spec: FieldSpec, dirs: Directory, value: str = "") -> Widget:
    label = spec.label or field_label(wf, spec.name)
    required = not spec.optional

    def make(kind: str, options: tuple[tuple[str, str], ...] = ()) -> Widget:
        return Widget(name=spec.name, label=label, kind=kind, required=required,
                      options=options, value=value)

    if spec.name == "unit":
        return make("select", tuple(
            (u.code, f"{u.name}（{dirs.jurisdictions[u.jurisdiction_id].name}）"
             if u.jurisdiction_id in dirs.jurisdictions else u.name)
            for u in dirs.units.values()))
    if spec.name == "assignee":
        return make("select", tuple(
            (str(u.id), f"{u.name}（{dirs.unit_name(u.unit_id)}）")
            for u in dirs.users.values() if u.active and u.role in ("handler", "office")))
    vocab = _vocabulary(wf, spec)
    if vocab is not None:
        return make("select", vocab)
    if spec.kind == "item_ref":
        return make("item_search")
    if spec.kind == "integer":
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
        elif spec.kind in ("integer", "item_ref") or spec.name == "assignee":
            if raw.isdigit() and len(raw) <= 10:
                data[spec.name] = int(raw)
            else:
                errors[spec.name] = ("须为整数" if spec.kind == "integer"
                                     and spec.name != "assignee" else "请从列表中选择")
        else:
            data[spec.name] = raw
    return Parsed(data=data, errors=errors, search=search)
