"""Bulk actions from the 工作台: the same action on several items through the batched writer
(engine.items.apply_many: one transaction, each item checked and audited as by `apply`), each
with the version it had when the form was made. The result page lists what succeeded and what
did not, and why; one refusal never stops or undoes the others."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from starlette.datastructures import FormData

from console import labels
from console.actions import resolve_refs
from console.auth import Config, PostedForm, SignedIn
from console.directory import directory
from console.forms import parse, widgets
from console.item_view import state_label
from console.render import Viewer, page
from console.routing import console_router
from engine.errors import InvalidData, NotFound, RoleForbidden, TransitionRefused, VersionConflict
from engine.items import Move, apply_many, get_item
from engine.runtime import Runtime
from engine.storage import read_tx
from engine.workflow import available_triggers

router = console_router()
MAX_ITEMS = 200


def _ids(form: FormData) -> list[int]:
    out: list[int] = []
    for raw in form.getlist("item"):
        text = str(raw)
        if text.isdigit() and len(text) <= 10 and int(text) not in out:
            out.append(int(text))
    return out[:MAX_ITEMS]


def _selection(rt: Runtime, viewer: Viewer, ids: list[int], action: str) -> dict[str, Any]:
    """The chosen items (those the viewer may see), which of them the action applies to now,
    and the transition whose fields the form asks for."""
    workflow, _, trigger = action.partition(":")
    chosen: list[Any] = []
    with read_tx(rt.db) as conn:
        dirs = directory(conn, viewer.actor)
        for iid in ids:
            try:
                chosen.append(get_item(conn, viewer.actor, iid))
            except NotFound:
                continue  # not visible: as if never ticked
    td, wf = None, None
    for row in chosen:
        if row.workflow != workflow:
            continue
        w = rt.registry.get(row.workflow, row.workflow_version)
        found = next((t for t in available_triggers(w, row.state, row.data or {},
                                                    viewer.actor.role) if t.trigger == trigger),
                     None)
        if found is not None:
            td, wf = found, w
            break
    return {"rows": chosen, "td": td, "wf": wf, "dirs": dirs, "action": action,
            "trigger": trigger}


@router.post("/work/bulk")
def bulk_form(request: Request, viewer: SignedIn, cfg: Config, form: PostedForm) -> Response:
    ids = _ids(form)
    sel = _selection(cfg.rt, viewer, ids, str(form.get("action") or ""))
    problem = ("请先勾选事项。" if not sel["rows"] else
               "勾选的事项当前都不能进行此操作。" if sel["td"] is None else "")
    return page(request, "console/bulk.html", viewer, title="批量办理", current="work",
                status=422 if problem else 200, problem=problem, errors={},
                widgets=widgets(sel["wf"], sel["td"], sel["dirs"]) if sel["td"] else [],
                back=_back(form), comment="", **_view(sel))


def _back(form: FormData) -> str:
    back = str(form.get("back") or "/work")
    return back if back.startswith("/work") else "/work"


def _view(sel: dict[str, Any]) -> dict[str, Any]:
    return {"td": sel["td"], "action": sel["action"], "items": [
        {"id": r.id, "ref": r.ref, "title": r.title, "version": r.version,
         "state": state_label(sel["wf"], r.state) if sel["wf"] else r.state}
        for r in sel["rows"]]}


def _version(form: FormData, item_id: int) -> int | None:
    """The version the item had when the form was made (a stale one is refused)."""
    sent = str(form.get(f"v_{item_id}") or "")
    return int(sent) if sent.isdigit() and len(sent) <= 10 else None


def _why(exc: Exception) -> str:
    if isinstance(exc, VersionConflict):
        return "此事项在您选择之后已被他人修改，未办理；请重新打开后再办"
    if isinstance(exc, TransitionRefused | RoleForbidden):
        return "当前状态下不能进行此操作"
    if isinstance(exc, InvalidData):
        fields = "；".join(f"{k}：{labels.message(v)}" for k, v in exc.fields.items())
        return f"数据不符合要求（{fields or exc}）"
    if isinstance(exc, NotFound):
        return "事项不存在或不在您的辖区内"
    # the batch is written by now: any other refusal is named, never a 500 after the commit
    return "未能办理，请打开事项后单独办理"


@router.post("/work/bulk/apply")
def bulk_apply(request: Request, viewer: SignedIn, cfg: Config, form: PostedForm) -> Response:
    rt = cfg.rt
    sel = _selection(rt, viewer, _ids(form), str(form.get("action") or ""))
    if sel["td"] is None:
        return page(request, "console/bulk.html", viewer, title="批量办理", current="work",
                    status=422, problem="勾选的事项当前都不能进行此操作。", errors={},
                    widgets=[], back=_back(form), comment="", **_view(sel))
    parsed = parse(sel["wf"], sel["td"], form)
    data, errors = dict(parsed.data), dict(parsed.errors)
    resolve_refs(rt, viewer.actor, parsed.search, sel["wf"].name, data, errors)
    comment = str(form.get("comment") or "").strip()[:2000]
    if errors:
        return page(request, "console/bulk.html", viewer, title="批量办理", current="work",
                    status=422, problem="表单有误，请按提示修改。未办理任何事项。",
                    errors=errors, widgets=widgets(sel["wf"], sel["td"], sel["dirs"], form),
                    back=_back(form), comment=comment, **_view(sel))
    moves = [Move(item_id=row.id, trigger=sel["trigger"], data=data, comment=comment,
                  expected_version=_version(form, row.id)) for row in sel["rows"]]
    outcomes = apply_many(rt, actor=viewer.actor, moves=moves)
    results = [{"ref": row.ref, "id": row.id, "title": row.title,
                "ok": not isinstance(out, Exception),
                "why": _why(out) if isinstance(out, Exception) else ""}
               for row, out in zip(sel["rows"], outcomes, strict=True)]
    ok = sum(1 for r in results if r["ok"])
    return page(request, "console/bulk_done.html", viewer, title="批量办理结果",
                current="work", results=results, ok=ok, failed=len(results) - ok,
                label=sel["td"].label or sel["trigger"], back=_back(form))
