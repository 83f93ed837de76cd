"""The item page and what can be done from it: the action forms generated from the workflow
(console/forms.py), firing them through the one writer with the version the form was made
from, the reference search of item fields, and the audited read of the reporter's identity."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request, Response
from starlette.datastructures import FormData

from console import labels
from console.auth import Config, PostedForm, SignedIn
from console.directory import directory
from console.forms import parse, widgets
from console.identity import identity_access
from console.item_view import item_page_context, last_change, state_label
from console.render import Viewer, page
from console.routing import console_router, redirect
from engine.errors import (
    IdentityKeyError,
    InvalidData,
    NotFound,
    RoleForbidden,
    TransitionRefused,
    VersionConflict,
)
from engine.intake import read_identity
from engine.items import WorkFilters, apply, get_item, list_work
from engine.kernel import Actor
from engine.runtime import Runtime
from engine.storage import read_tx
from engine.workflow import available_triggers

router = console_router()


def item_id_of(text: str) -> int:
    """A path's item id; anything that is not one is simply not found."""
    if not text.isdigit() or len(text) > 10 or int(text) < 1 or int(text) > 2**31 - 1:
        raise NotFound(f"no item {text!r}")
    return int(text)


@router.get("/items/search")
def search(request: Request, viewer: SignedIn, cfg: Config,
           field: Annotated[str, Query(max_length=64, pattern=r"^[a-z_]+$")],
           q: Annotated[str, Query(max_length=100)] = "",
           workflow: Annotated[str | None, Query(max_length=64)] = None,
           exclude: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> Response:
    """Items in scope whose reference or title contains `q`: radio buttons for `field`."""
    found: list[Any] = []
    if q.strip():
        with read_tx(cfg.rt.db) as conn:
            found = [r for r in list_work(conn, viewer.actor, WorkFilters(
                text=q.strip(), workflow=workflow), now=cfg.rt.clock.now(), limit=10).rows
                if r.id != exclude]
    return page(request, "console/_search_results.html", viewer, title="", field=field,
                found=found, q=q)


@router.get("/items/{item_id}")
def item_page(request: Request, item_id: str, viewer: SignedIn, cfg: Config) -> Response:
    access = identity_access(request)
    ctx = item_page_context(cfg.rt, viewer.actor, item_id_of(item_id), viewer.user_id,
                            viewer.actor.role in access.read_roles)
    return page(request, "console/item.html", viewer, title=ctx["item"].ref, current="work",
                done=request.query_params.get("done", ""), **ctx)


def _form_context(rt: Runtime, actor: Actor, item_id: int, trigger: str,
                  form: FormData | None) -> dict[str, Any]:
    with read_tx(rt.db) as conn:
        row = get_item(conn, actor, item_id)
        dirs = directory(conn, actor)
    wf = rt.registry.get(row.workflow, row.workflow_version)
    td = next((t for t in available_triggers(wf, row.state, row.data or {}, actor.role)
               if t.trigger == trigger), None)
    if td is None:  # not offered now: a URL typed or kept from an older page
        return {"item": row, "wf": wf, "td": None, "widgets": [],
                "state": state_label(wf, row.state)}
    version = str(form.get("version")) if form is not None and form.get("version") else \
        str(row.version)
    return {"item": row, "wf": wf, "td": td, "widgets": widgets(wf, td, dirs, form),
            "state": state_label(wf, row.state), "version": version,
            "comment": str(form.get("comment") or "") if form is not None else ""}


def _action_page(request: Request, viewer: Viewer, ctx: dict[str, Any], *, status: int = 200,
                 errors: dict[str, str] | None = None, problem: str = "",
                 stale: dict[str, str] | None = None) -> Response:
    fragment = request.headers.get("hx-request") and request.method == "GET"
    template = "console/_action_form.html" if fragment else "console/action.html"
    title = f"{ctx['td'].label if ctx['td'] else '办理'} · {ctx['item'].ref}"
    return page(request, template, viewer, title=title, current="work", status=status,
                errors=errors or {}, problem=problem, stale=stale, **ctx)


@router.get("/items/{item_id}/act/{trigger}")
def action_form(request: Request, item_id: str, trigger: str, viewer: SignedIn,
                cfg: Config) -> Response:
    ctx = _form_context(cfg.rt, viewer.actor, item_id_of(item_id), trigger, None)
    if ctx["td"] is None:
        return _action_page(request, viewer, ctx, status=409,
                            problem=f"当前状态（{ctx['state']}）下您不能进行此操作。")
    return _action_page(request, viewer, ctx)


def resolve_refs(rt: Runtime, actor: Actor, searches: dict[str, str], workflow: str,
                 data: dict[str, Any], errors: dict[str, str]) -> None:
    """An item field typed as a reference: the item in scope with exactly that reference."""
    for name, typed in searches.items():
        with read_tx(rt.db) as conn:
            rows = list_work(conn, actor, WorkFilters(text=typed, workflow=workflow),
                             now=rt.clock.now(), limit=20).rows
        exact = [r for r in rows if r.ref == typed]
        if exact:
            data[name] = exact[0].id
        else:
            errors[name] = "未找到该编号的事项（或不在您的辖区内）"


@router.post("/items/{item_id}/act/{trigger}")
def fire(request: Request, item_id: str, trigger: str, viewer: SignedIn, cfg: Config,
         form: PostedForm) -> Response:
    rt, iid = cfg.rt, item_id_of(item_id)
    ctx = _form_context(rt, viewer.actor, iid, trigger, form)
    sent = str(form.get("version") or "")
    if sent.isdigit() and int(sent) != ctx["item"].version:  # changed since the form was made
        who, at, now_version = last_change(rt, viewer.actor, iid)
        return _action_page(request, viewer, ctx, status=409, stale={
            "who": who, "at": labels.cn_time(at), "version": str(now_version)})
    if ctx["td"] is None:
        return _action_page(request, viewer, ctx, status=409,
                            problem=f"当前状态（{ctx['state']}）下您不能进行此操作，未做任何更改。")
    parsed = parse(ctx["wf"], ctx["td"], form)
    errors = dict(parsed.errors)
    data = dict(parsed.data)
    resolve_refs(rt, viewer.actor, parsed.search, ctx["wf"].name, data, errors)
    version = str(form.get("version") or "")
    comment = str(form.get("comment") or "").strip()
    if not version.isdigit():
        errors["version"] = "表单缺少版本号，请重新加载"
    if len(comment) > 2000:
        errors["comment"] = "至多 2000 个字符"
    if errors:
        return _action_page(request, viewer, ctx, status=422, errors=errors,
                            problem="表单有误，请按提示修改。未做任何更改。")
    try:
        apply(rt, actor=viewer.actor, item_id=iid, trigger=trigger, data=data,
              comment=comment, expected_version=int(version))
    except VersionConflict:
        who, at, now_version = last_change(rt, viewer.actor, iid)
        return _action_page(request, viewer, ctx, status=409, stale={
            "who": who, "at": labels.cn_time(at), "version": str(now_version)})
    except InvalidData as exc:
        return _action_page(request, viewer, ctx, status=422,
                            errors={k: labels.message(v) for k, v in exc.fields.items()},
                            problem=_problem_text(exc))
    except (TransitionRefused, RoleForbidden):
        return _action_page(request, viewer, ctx, status=409,
                            problem="此事项的状态已变化，您现在不能进行此操作，未做任何更改。")
    return redirect(request, f"/items/{iid}?done={trigger}")


def _problem_text(exc: InvalidData) -> str:
    return "表单有误，请按提示修改。未做任何更改。" if exc.fields else \
        f"未能办理：{exc}。未做任何更改。"


@router.post("/items/{item_id}/reporter")
def reporter(request: Request, item_id: str, viewer: SignedIn, cfg: Config,
             form: PostedForm) -> Response:
    iid = item_id_of(item_id)
    access = identity_access(request)
    reason = str(form.get("reason") or "").strip()
    with read_tx(cfg.rt.db) as conn:
        row = get_item(conn, viewer.actor, iid)
    error = ""
    who = None
    if viewer.actor.role not in access.read_roles:
        error = "您的角色无权查看举报人身份。"
    elif len(reason) < 4 or len(reason) > 1000:
        error = "请写明查看理由（4 至 1000 个字符）。"
    else:
        try:
            who = read_identity(cfg.rt, actor=viewer.actor, item_id=iid, reason=reason,
                                cipher=access.cipher, allowed_roles=access.read_roles)
        except IdentityKeyError:
            error = "举报人身份暂时无法读取：服务器未配置身份密钥，请联系管理员。"
        except (InvalidData, RoleForbidden):
            error = "请写明查看理由（4 至 1000 个字符）。"
    return page(request, "console/reporter.html", viewer, title=f"举报人 · {row.ref}",
                current="work", item=row, who=who, error=error, reason=reason,
                status=200 if who else 422)
