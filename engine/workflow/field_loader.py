"""Read the field declarations of a workflow file: `vocabularies:`, the item's `fields:`, each
transition's `sets:` (item fields it sets) and `params:` (values recorded only in its audit
event), and the version-1 `requires:` of files without `fields:`. Every problem goes to the
file's ProblemCollector with its path and a fix."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from engine.workflow.fields import KINDS, Choice, FieldSpec
from engine.workflow.model import Condition
from engine.workflow.problems import ProblemCollector

FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
SPEC_KEYS = ("type", "label", "help", "vocabulary", "values", "required", "fields", "items")
ITEM_SPEC_KEYS = (*SPEC_KEYS, "create_roles")
LEGACY_KINDS = ("text", "integer", "boolean", "enum", "item_ref")
# version-1 files route the item by these two field names (engine.items.routing)
LEGACY_ROUTING = {"unit": "unit", "assignee": "user"}


def parse_vocabularies(raw: Any, c: ProblemCollector) -> dict[str, tuple[Choice, ...]]:
    """Each vocabulary: `value: label`, or a list of values (labelled by themselves)."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        c.add("vocabularies", "vocabularies must map a field name to its values",
              "write `vocabularies: {channel: {letter: 来信, phone: 来电}}`")
        return {}
    out: dict[str, tuple[Choice, ...]] = {}
    for name, values in raw.items():
        if not isinstance(values, Mapping | list) or not values:
            c.add(f"vocabularies.{name}", f"vocabulary {name!r} needs a non-empty mapping or "
                  f"list of values, got {values!r}", "write `{letter: 来信, phone: 来电}`")
            continue
        out[str(name)] = _choices(values)
    return out


def _choices(values: Mapping[Any, Any] | list[Any]) -> tuple[Choice, ...]:
    if isinstance(values, Mapping):
        return tuple(Choice(value=str(k), label=str(v)) for k, v in values.items())
    return tuple(Choice(value=str(v), label=str(v)) for v in values)


def _spec(name: Any, raw: Any, path: str, vocab: Mapping[str, tuple[Choice, ...]],
          c: ProblemCollector, *, required: bool, top: bool,
          creators: tuple[str, ...] | None = None) -> FieldSpec | None:
    """One field spec: a mapping of SPEC_KEYS, a bare type name (`name: text`) or nothing
    (text). `top`: an item field or transition parameter, not a key inside an object;
    `creators`: the workflow's create_roles when this is an item field, else None."""
    if not isinstance(name, str) or not FIELD_NAME.match(name):
        c.add(path, f"field name {name!r} is not a lower-case identifier",
              "use lower-case letters, digits and underscores")
        return None
    raw = {} if raw is None else {"type": raw} if isinstance(raw, str) else raw
    if not isinstance(raw, Mapping):
        c.add(path, f"field spec must be a mapping, got {raw!r}",
              "write `{type: text, label: 说明}` or `{vocabulary: channel}`")
        return None
    keys = SPEC_KEYS if creators is None else ITEM_SPEC_KEYS
    unknown = sorted(set(raw) - set(keys))
    if unknown:
        c.add(f"{path}.{unknown[0]}", f"unknown field setting(s): {unknown}",
              f"use {', '.join(keys)}")
    kind = raw.get("type", "enum" if "vocabulary" in raw or "values" in raw else "text")
    if kind not in KINDS:
        c.add(f"{path}.type", f"unknown field type {kind!r}", f"use one of: {', '.join(KINDS)}")
        return None
    if kind in ("unit", "user") and creators is None:
        c.add(f"{path}.type", f"a {kind} field is the item's "
              f"{'handling unit' if kind == 'unit' else 'assignee'} and must be an item field",
              "declare it under `fields:` and list it in the transition's `sets:`")
        return None
    if kind == "item_ref" and not top:
        c.add(f"{path}.type", "an item_ref cannot sit inside an object or list",
              "declare it as an item field or a transition parameter")
        return None
    need = raw.get("required", required)
    if not isinstance(need, bool):
        c.add(f"{path}.required", f"required must be true or false, got {need!r}",
              "write `required: true`")
        need = required
    spec = FieldSpec(name=name, kind=str(kind), label=str(raw.get("label", "")),
                     help=str(raw.get("help", "")), required=need, stored=True,
                     create_roles=() if creators is None else _create_roles(
                         raw, path, creators, need, c))
    if kind == "enum":
        spec = _enum(spec, raw, path, vocab, c)
    elif "vocabulary" in raw or "values" in raw:
        c.add(f"{path}.type", f"a {kind} field takes no vocabulary or values",
              "drop `type:` (an enum is implied) or the vocabulary")
    if "fields" in raw:
        spec = replace(spec, fields=_sub_fields(raw["fields"], kind, path, vocab, c))
    if "items" in raw:
        if kind != "list":
            c.add(f"{path}.items", f"only a list field has items (this is {kind})",
                  "write `type: list` or remove `items:`")
        else:
            spec = replace(spec, items=_spec("item", raw["items"], f"{path}.items", vocab, c,
                                             required=True, top=False))
    return spec


def _enum(spec: FieldSpec, raw: Mapping[str, Any], path: str,
          vocab: Mapping[str, tuple[Choice, ...]], c: ProblemCollector) -> FieldSpec:
    if "vocabulary" in raw and "values" in raw:
        c.add(f"{path}.values", "give either `vocabulary:` or `values:`, not both",
              "keep the vocabulary reference and move the values under `vocabularies:`")
    if "vocabulary" in raw:
        name = raw["vocabulary"]
        if name not in vocab:
            c.add(f"{path}.vocabulary", f"unknown vocabulary {name!r}",
                  f"add it under `vocabularies:` or use one of: {', '.join(vocab) or 'none'}")
            return spec
        return replace(spec, vocabulary=str(name), choices=vocab[name])
    values = raw.get("values")
    if not isinstance(values, Mapping | list) or not values:
        c.add(f"{path}.values" if "values" in raw else path,
              "an enum field needs a non-empty `values:` or a `vocabulary:`",
              "write `values: {substantiated: 属实, unfounded: 不属实}` or "
              "`vocabulary: outcome`")
        return spec
    return replace(spec, choices=_choices(values))


def _create_roles(raw: Mapping[str, Any], path: str, creators: tuple[str, ...], required: bool,
                  c: ProblemCollector) -> tuple[str, ...]:
    """Who may give an item field at creation; by default everyone who may create."""
    value = raw.get("create_roles", list(creators))
    if not isinstance(value, list) or not all(isinstance(r, str) for r in value):
        c.add(f"{path}.create_roles", f"create_roles must be a list of roles, got {value!r}",
              "write `create_roles: [office]`, or `[]` when only a transition sets it")
        return ()
    for r in value:
        if r not in creators:
            c.add(f"{path}.create_roles", f"role {r!r} may not create items of this workflow",
                  f"use roles of the top-level create_roles: {', '.join(creators)}")
    if required and set(creators) - set(value):
        c.add(f"{path}.required", "a field required at creation must be one every creating "
              f"role may give; {', '.join(sorted(set(creators) - set(value)))} may not",
              "drop `required: true` or add those roles to the field's create_roles")
    return tuple(value)


def _sub_fields(raw: Any, kind: str, path: str, vocab: Mapping[str, tuple[Choice, ...]],
                c: ProblemCollector) -> tuple[FieldSpec, ...]:
    if kind != "object":
        c.add(f"{path}.fields", f"only an object field has fields (this is {kind})",
              "write `type: object` or remove `fields:`")
        return ()
    if not isinstance(raw, Mapping) or not raw:
        c.add(f"{path}.fields", "fields of an object must be a non-empty mapping",
              "write `fields: {name: {type: text, label: 姓名}}`")
        return ()
    specs = (_spec(n, s, f"{path}.fields.{n}", vocab, c, required=False, top=False)
             for n, s in raw.items())
    return tuple(s for s in specs if s is not None)


def parse_item_fields(raw: Any, vocab: Mapping[str, tuple[Choice, ...]],
                      creators: tuple[str, ...], c: ProblemCollector) -> dict[str, FieldSpec]:
    """The top-level `fields:`: what an item of this workflow may hold in its data."""
    if not isinstance(raw, Mapping) or not raw:
        c.add("fields", "fields must map each item field to its spec",
              "write `fields: {channel: {vocabulary: channel, label: 受理渠道}}`")
        return {}
    out: dict[str, FieldSpec] = {}
    for name, spec in raw.items():
        parsed = _spec(name, spec, f"fields.{name}", vocab, c, required=False, top=True,
                       creators=creators)
        if parsed is not None:
            out[parsed.name] = parsed
    for kind in ("unit", "user"):
        names = [f.name for f in out.values() if f.kind == kind]
        if len(names) > 1:
            c.add(f"fields.{names[1]}.type", f"an item has one {kind} field, found {names}",
                  f"keep one field of type {kind}")
    used = {f.vocabulary for f in _walk(out.values())}
    for name in vocab:
        if name not in used:
            c.add(f"vocabularies.{name}", f"vocabulary {name!r} is not used by any field",
                  f"reference it with `vocabulary: {name}` or remove it")
    return out


def _walk(specs: Iterable[FieldSpec]) -> Iterable[FieldSpec]:
    for s in specs:
        yield s
        yield from _walk(s.fields)
        if s.items is not None:
            yield from _walk([s.items])


def parse_transition_fields(spec: Mapping[str, Any], path: str, items: Mapping[str, FieldSpec],
                            vocab: Mapping[str, tuple[Choice, ...]], c: ProblemCollector
                            ) -> tuple[FieldSpec, ...]:
    """`sets:` names item fields, each `required` or `optional`; `params:` declares values
    the transition takes without storing them (required unless `required: false`)."""
    if "requires" in spec:
        c.add(f"{path}.requires", "`requires:` is the form of files without `fields:`",
              "list item fields this transition sets under `sets:` and values only "
              "recorded in the audit event under `params:`")
    out: list[FieldSpec] = []
    sets = spec.get("sets")
    if isinstance(sets, list) and all(isinstance(n, str) for n in sets):
        sets = dict.fromkeys(sets, "required")
    if sets is not None and not isinstance(sets, Mapping):
        c.add(f"{path}.sets", "sets must map item fields to `required` or `optional`",
              "write `sets: {unit: required, assignee: optional}`")
        sets = {}
    for name, need in (sets or {}).items():
        where = f"{path}.sets.{name}"
        if name not in items:
            c.add(where, f"{name!r} is not an item field",
                  f"declare it under `fields:` or use one of: {', '.join(items)}")
        elif isinstance(need, Mapping):
            narrowed = _narrowed(items[name], need, where, c)
            if narrowed is not None:
                out.append(narrowed)
        elif need not in ("required", "optional"):
            c.add(where, f"write `required` or `optional` for {name!r}, got {need!r}",
                  f"write `{name}: required`")
        else:
            out.append(replace(items[name], required=need == "required"))
    params = spec.get("params")
    if params is not None and not isinstance(params, Mapping):
        c.add(f"{path}.params", "params must map each value's name to its spec",
              "write `params: {reason: {type: text, label: 理由}}`")
        params = {}
    for name, raw in (params or {}).items():
        where = f"{path}.params.{name}"
        if name in items:
            c.add(where, f"{name!r} is an item field, so it cannot be a parameter",
                  "list it under `sets:` to store it, or give the parameter another name")
            continue
        parsed = _spec(name, raw, where, vocab, c, required=True, top=True)
        if parsed is not None:
            out.append(replace(parsed, stored=False))
    return tuple(out)


def _narrowed(item: FieldSpec, raw: Mapping[str, Any], where: str, c: ProblemCollector
              ) -> FieldSpec | None:
    """`sets: {disposal: {required: true, values: [a, b]}}`: this transition accepts only
    some of an enum field's values (a lead sent to investigation cannot be 予以了结)."""
    unknown = set(raw) - {"required", "values"}
    if unknown:
        c.add(f"{where}.{sorted(unknown)[0]}", f"unknown setting(s): {sorted(unknown)}",
              "write `{required: true, values: [a, b]}`")
        return None
    need = raw.get("required", True)
    if not isinstance(need, bool):
        c.add(f"{where}.required", f"required must be true or false, got {need!r}",
              "write `required: true`")
        return None
    if "values" not in raw:
        return replace(item, required=need)
    values = raw["values"]
    if item.kind != "enum":
        c.add(f"{where}.values", f"only an enum field's values can be narrowed ({item.name} "
              f"is {item.kind})", f"write `{item.name}: required`")
        return None
    if not isinstance(values, list) or not values or not all(isinstance(v, str)
                                                             for v in values):
        c.add(f"{where}.values", f"values must be a non-empty list of names, got {values!r}",
              f"write `values: [{', '.join(item.values[:2])}]`")
        return None
    outside = [v for v in values if v not in item.values]
    if outside:
        c.add(f"{where}.values", f"{item.name} can never be {outside[0]!r}",
              f"use some of: {', '.join(item.values)}")
        return None
    return replace(item, required=need,
                   choices=tuple(ch for ch in item.choices if ch.value in values))


def check_conditions(conditions: Iterable[Condition], path: str,
                     items: Mapping[str, FieldSpec], c: ProblemCollector) -> None:
    """A condition tests a field stored in the item's data, with values that field can have."""
    for i, cond in enumerate(conditions):
        where = f"{path}[{i}]"
        spec = items.get(cond.field)
        if spec is None or spec.routes:
            stored = [n for n, f in items.items() if not f.routes]
            c.add(f"{where}.field", f"condition on {cond.field!r}, which is not a field stored "
                  "in the item's data", f"use one of: {', '.join(stored)}")
            continue
        if spec.kind != "enum" or cond.op not in ("equals", "not_equals", "in"):
            continue
        wanted = cond.value if cond.op == "in" else [cond.value]
        for v in wanted:
            if v not in spec.values:
                c.add(f"{where}.{cond.op}", f"{cond.field} can never be {v!r}",
                      f"use one of: {', '.join(spec.values)}")


def parse_legacy_requires(raw: Any, path: str, c: ProblemCollector) -> tuple[FieldSpec, ...]:
    """The version-1 `requires:` (files without `fields:`): required unless `optional: true`,
    every field stored in the item's data; `unit` and `assignee` route the item."""
    if raw is None:
        return ()
    if isinstance(raw, list) and all(isinstance(n, str) for n in raw):
        raw = dict.fromkeys(raw)
    if not isinstance(raw, Mapping):
        c.add(path, "requires must be a list of field names or a mapping of field specs",
              "write `requires: [reason]` or `requires: {outcome: {enum: [a, b]}}`")
        return ()
    specs = []
    for name, spec in raw.items():
        fpath = f"{path}.{name}"
        spec = spec or {}
        if not isinstance(spec, Mapping):
            c.add(fpath, f"field spec must be a mapping, got {spec!r}",
                  "write `{type: text}` or `{enum: [a, b]}`")
            continue
        label, need = str(spec.get("label", "")), not spec.get("optional", False)
        if "enum" in spec:
            values = spec["enum"]
            if not isinstance(values, list) or not values:
                c.add(f"{fpath}.enum", "enum needs a non-empty list of values",
                      "write `enum: [value_a, value_b]`")
                continue
            specs.append(FieldSpec(name=name, kind="enum", choices=_choices(values),
                                   label=label, required=need))
            continue
        kind = spec.get("type", "text")
        if kind not in LEGACY_KINDS:
            c.add(f"{fpath}.type", f"unknown field type {kind!r}",
                  f"use one of: {', '.join(LEGACY_KINDS)}")
            continue
        specs.append(FieldSpec(name=name, kind=LEGACY_ROUTING.get(name, str(kind)),
                               label=label, required=need))
    return tuple(specs)


def legacy_item_fields(vocab: Mapping[str, tuple[Choice, ...]], creators: tuple[str, ...],
                       transition_fields: Iterable[FieldSpec]) -> dict[str, FieldSpec]:
    """The item fields of a file without `fields:`: each vocabulary is an optional enum field
    anyone creating may give; each field a transition requires is set by that transition."""
    out = {name: FieldSpec(name=name, kind="enum", choices=choices, vocabulary=name,
                           create_roles=creators) for name, choices in vocab.items()}
    for f in transition_fields:
        out.setdefault(f.name, replace(f, required=False))
    return out
