"""Workflow definitions as loaded: states, transitions with roles and required fields,
deadlines, and a Mermaid diagram. Read-only; any authenticated caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse

from api.deps import CurrentUser, RuntimeDep
from api.errors import problems
from api.schemas import (
    ConditionOut,
    EscalationOut,
    StateOut,
    TransitionOut,
    WorkflowOut,
    WorkflowSummary,
)
from api.views import field_out
from engine.runtime import Runtime
from engine.workflow import WorkflowDef, mermaid

router = APIRouter(prefix="/v1/workflows", tags=["workflows"])
Version = Annotated[int | None, Query(ge=1, le=2**31 - 1,
                                      description="a stored version (default: the latest)")]


def _pick(rt: Runtime, name: str, version: int | None) -> WorkflowDef:
    return rt.registry.get(name, version) if version else rt.registry.latest(name)


def _str(value: object | None) -> str | None:
    return None if value is None else str(value)


def workflow_out(wf: WorkflowDef) -> WorkflowOut:
    return WorkflowOut(
        name=wf.name, version=wf.version, title=wf.title, create_roles=list(wf.create_roles),
        states=[StateOut(name=s.name, label=s.label, initial=s.initial, final=s.final,
                         closed=s.closed or s.final, pauses_clock=s.pauses_clock,
                         deadline=_str(s.deadline)) for s in wf.states.values()],
        transitions=[TransitionOut(
            trigger=t.trigger, label=t.label, sources=list(t.sources), dest=t.dest,
            roles=list(t.roles), requires=[field_out(f) for f in t.fields],
            conditions=[ConditionOut(field=c.field, op=c.op, value=c.value)
                        for c in t.conditions]) for t in wf.transitions],
        escalation=EscalationOut(max_level=wf.escalation.max_level,
                                 interval=_str(wf.escalation.interval),
                                 repeat_at_top=_str(wf.escalation.repeat_at_top)),
        vocabularies={k: {c.value: c.label for c in v} for k, v in wf.vocabularies.items()},
        fields=[field_out(f) for f in wf.fields.values()],
    )


@router.get("", response_model=list[WorkflowSummary], responses=problems(401))
def list_workflows(_actor: CurrentUser, rt: RuntimeDep) -> list[WorkflowSummary]:
    out = []
    for name in rt.registry.names():
        latest = rt.registry.latest(name)
        out.append(WorkflowSummary(name=name, title=latest.title, latest_version=latest.version,
                                   versions=rt.registry.versions(name)))
    return out


@router.get("/{name}", response_model=WorkflowOut, responses=problems(401, 404, 422))
def get_workflow(name: str, _actor: CurrentUser, rt: RuntimeDep,
                 version: Version = None) -> WorkflowOut:
    return workflow_out(_pick(rt, name, version))


@router.get("/{name}/diagram", response_class=PlainTextResponse,
            responses=problems(401, 404, 422, ok={200: {
                "content": {"text/plain": {"schema": {"type": "string"}}},
                "description": "A Mermaid stateDiagram"}}))
def get_diagram(name: str, _actor: CurrentUser, rt: RuntimeDep,
                version: Version = None) -> PlainTextResponse:
    return PlainTextResponse(mermaid(_pick(rt, name, version)))
