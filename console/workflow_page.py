"""流程 (workflow) pages: the list of workflows, and each one's state diagram (SVG drawn on
the server, console/diagram.py) with the table of its transitions: from → to, the roles
that may fire each (in Chinese) and the fields it takes (labels, required or not). What the
page shows is read from the workflow file; any signed-in user may read it, as on the API."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from console import labels
from console.auth import Config, SignedIn
from console.diagram import layout, state_kinds
from console.render import page
from console.routing import console_router
from engine.errors import NotFound
from engine.kernel import Duration
from engine.workflow import WorkflowDef

router = console_router()
UNITS = {"seconds": "秒", "hours": "小时", "days": "日", "working_days": "个工作日"}


def duration_label(d: Duration) -> str:
    amount = int(d.amount) if float(d.amount).is_integer() else d.amount
    return f"{amount} {UNITS.get(d.unit.value, d.unit.value)}"


def _pick(cfg: Config, name: str, version: str | None) -> WorkflowDef:
    registry = cfg.rt.registry
    if name not in registry.names():
        raise NotFound(f"no workflow {name!r}")
    if version is None or version == "":
        return registry.latest(name)
    if not version.isdigit() or int(version) not in registry.versions(name):
        raise NotFound(f"workflow {name!r} has no version {version!r}")
    return registry.get(name, int(version))


def transition_rows(wf: WorkflowDef) -> list[dict[str, Any]]:
    def state(name: str) -> str:
        return wf.states[name].label or name

    return [{
        "trigger": t.trigger, "label": t.label or t.trigger,
        "sources": [state(s) for s in t.sources], "dest": state(t.dest),
        "roles": [labels.role_label(r) for r in t.roles],
        "fields": [{"label": f.label or f.name, "required": f.required,
                    "stored": f.stored} for f in t.fields],
        "conditions": bool(t.conditions),
    } for t in wf.transitions]


@router.get("/workflows")
def workflows(request: Request, viewer: SignedIn, cfg: Config) -> Response:
    registry = cfg.rt.registry
    rows = [{"name": n, "title": registry.latest(n).title,
             "version": registry.latest(n).version} for n in registry.names()]
    return page(request, "console/workflows.html", viewer, title="流程", current="workflows",
                rows=rows)


@router.get("/workflows/{name}")
def workflow(request: Request, name: str, viewer: SignedIn, cfg: Config,
             version: str | None = None) -> Response:
    wf = _pick(cfg, name, version)
    states = [{"label": st.label or n, "kinds": state_kinds(wf, n),
               "deadline": duration_label(st.deadline) if st.deadline else ""}
              for n, st in wf.states.items()]
    return page(request, "console/workflow.html", viewer, title=f"流程：{wf.title}",
                current="workflows", wf=wf, diagram=layout(wf), states=states,
                transitions=transition_rows(wf),
                versions=cfg.rt.registry.versions(name))
