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
    ExtensionRuleOut,
    LightsOut,
    NoticeLevelOut,
    ReportsOut,
    SignForOut,
    StateOut,
    SupervisionRulesOut,
    TransitionOut,
    WorkflowOut,
    WorkflowSummary,
)
from api.views import field_out
from engine.runtime import Runtime
from engine.workflow import SupervisionDef, WorkflowDef, mermaid

router = APIRouter(prefix="/v1/workflows", tags=["workflows"])
Version = Annotated[int | None, Query(ge=1, le=2**31 - 1,
                                      description="a stored version (default: the latest)")]


def _pick(rt: Runtime, name: str, version: int | None) -> WorkflowDef:
    return rt.registry.get(name, version) if version else rt.registry.latest(name)


def _str(value: object | None) -> str | None:
    return None if value is None else str(value)


def _supervision_out(sup: SupervisionDef | None) -> SupervisionRulesOut | None:
    if sup is None:
        return None
    return SupervisionRulesOut(
        levels=[NoticeLevelOut(code=lv.code, label=lv.label, order=lv.order)
                for lv in sup.levels],
        issue_roles=list(sup.issue_roles), reply_roles=list(sup.reply_roles),
        decide_roles=list(sup.decide_roles), reply_working_days=sup.reply_working_days,
        on_overdue=sup.on_overdue)


def workflow_out(wf: WorkflowDef) -> WorkflowOut:
    """Everything the file declares, as the engine read it."""
    sign_for = wf.reports.sign_for
    return WorkflowOut(
        name=wf.name, version=wf.version, title=wf.title, create_roles=list(wf.create_roles),
        states=[StateOut(name=s.name, label=s.label, initial=s.initial, final=s.final,
                         closed=s.closed or s.final, pauses_clock=s.pauses_clock,
                         deadline=_str(s.deadline), review=_str(s.review))
                for s in wf.states.values()],
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
        lights=LightsOut(yellow_before=_str(wf.lights.yellow_before)),
        supervision=_supervision_out(wf.supervision),
        extensions={state: ExtensionRuleOut(
            max_count=r.max_count, max_working_days=r.max_working_days,
            request_roles=list(r.request_roles), decide_roles=list(r.decide_roles))
            for state, r in wf.extensions.items()},
        reports=ReportsOut(
            sign_for=None if sign_for is None else SignForOut(state=sign_for.state,
                                                               trigger=sign_for.trigger),
            returns=list(wf.reports.returns)),
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
