"""Engine rows → response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from api.schemas import (
    AvailableTransition,
    ChoiceOut,
    EventOut,
    FieldOut,
    ItemDetail,
    ItemOut,
)
from engine.items import LightRule, light_rule, light_word
from engine.kernel import Actor
from engine.runtime import Runtime
from engine.workflow import FieldSpec, TransitionDef, available_triggers


def field_out(spec: FieldSpec) -> FieldOut:
    return FieldOut(
        name=spec.name, type=spec.kind, label=spec.label, required=spec.required,
        values=list(spec.values), help=spec.help,
        choices=[ChoiceOut(value=c.value, label=c.label) for c in spec.choices],
        vocabulary=spec.vocabulary, stored=spec.stored, create_roles=list(spec.create_roles),
        fields=[field_out(f) for f in spec.fields],
        items=None if spec.items is None else field_out(spec.items))


def lights_now(rt: Runtime, now: datetime) -> LightRule:
    return light_rule(rt.registry.all(), now, rt.calendar)


def item_out(row: Any, lights: LightRule) -> ItemOut:
    now = lights.now
    light = lights.of_row(row)
    return ItemOut(
        id=row.id, ref=row.ref, workflow=row.workflow, workflow_version=row.workflow_version,
        title=row.title, state=row.state, jurisdiction=row.jurisdiction_code,
        unit=row.unit_code, assignee=row.assignee_id, data=row.data or {},
        version=row.version, created_at=row.created_at, updated_at=row.updated_at,
        state_entered_at=row.state_entered_at, due_at=row.due_at,
        overdue=row.due_at is not None and row.closed_at is None and row.due_at < now,
        light=light, light_label=light_word(light),
        escalation_level=row.escalation_level, closed_at=row.closed_at,
        supervision={k: v for k, v in (row.supervision_counts or {}).items() if v})


def item_detail(row: Any, rt: Runtime, actor: Actor) -> ItemDetail:
    """The item with the triggers this actor may fire now (the engine's one policy: role,
    state, conditions on the stored data) and the fields each one takes."""
    wf = rt.registry.get(row.workflow, row.workflow_version)
    available = [
        AvailableTransition(trigger=t.trigger, label=t.label, dest=t.dest,
                            requires=[field_out(s) for s in t.fields])
        for t in available_triggers(wf, row.state, row.data, actor.role)
    ]
    base = item_out(row, lights_now(rt, rt.clock.now()))
    return ItemDetail(**base.model_dump(), available_transitions=available)


# per transition definition (by identity, checked): its AvailableTransition as JSON. A
# definition never changes, and building its fields' models per response was most of
# item_detail's time; bounded, since tests make many registries in one process.
_AVAILABLE_JSON: dict[int, tuple[TransitionDef, dict[str, Any]]] = {}
_AVAILABLE_MAX = 4096


def _available_json(t: TransitionDef) -> dict[str, Any]:
    found = _AVAILABLE_JSON.get(id(t))
    if found is not None and found[0] is t:
        return found[1]
    body = AvailableTransition(trigger=t.trigger, label=t.label, dest=t.dest,
                               requires=[field_out(s) for s in t.fields]
                               ).model_dump(mode="json")
    if len(_AVAILABLE_JSON) >= _AVAILABLE_MAX:
        _AVAILABLE_JSON.clear()
    _AVAILABLE_JSON[id(t)] = (t, body)
    return body


def item_detail_json(row: Any, rt: Runtime, actor: Actor) -> dict[str, Any]:
    """`item_detail(row, rt, actor).model_dump(mode="json")`, the same keys in the same
    order, built without validating the item a second time as an ItemDetail
    (tests/api/test_item_detail_json.py compares the two)."""
    wf = rt.registry.get(row.workflow, row.workflow_version)
    body = item_out(row, lights_now(rt, rt.clock.now())).model_dump(mode="json")
    body["available_transitions"] = [
        _available_json(t) for t in available_triggers(wf, row.state, row.data, actor.role)]
    return body


def event_out(row: Any) -> dict[str, Any]:
    return EventOut(id=row.id, item_id=row.item_id, seq=row.seq, at=row.at, actor=row.actor,
                    actor_role=row.actor_role, trigger=row.trigger, from_state=row.from_state,
                    to_state=row.to_state, data=row.data or {}, comment=row.comment,
                    prev_hash=row.prev_hash, hash=row.hash).model_dump()
