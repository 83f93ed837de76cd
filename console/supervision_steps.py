"""The supervision steps of an item as forms: issue a notice, reply, accept, return; request an
extension, approve it (perhaps with fewer days), refuse it with a reason. Each is taken through
the engine.supervision function the API calls, which checks it and records it in the item's
chain; a refused step is named next to its field and stores nothing."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from starlette.datastructures import FormData

from console.actions import item_id_of
from console.auth import Config, PostedForm, SignedIn
from console.directory import directory
from console.render import Viewer, page
from console.routing import console_router, redirect
from console.supervision_view import ON_EXTENSION, ON_NOTICE, STEP_LABELS, Step, steps_now
from engine.errors import (
    Forbidden,
    InvalidData,
    NotFound,
    RoleForbidden,
    TransitionRefused,
    VersionConflict,
)
from engine.items import get_item
from engine.kernel import Actor
from engine.runtime import Runtime
from engine.storage import read_tx
from engine.supervision import (
    accept_reply,
    approve_extension,
    issue_notice,
    list_extensions,
    list_notices,
    refuse_extension,
    reply_notice,
    request_extension,
    return_reply,
)

router = console_router()
# The fields of each step's form: (name, label, kind, required)
FIELDS: dict[str, tuple[tuple[str, str, str, bool], ...]] = {
    "issue": (("level", "督办级别", "level", True), ("requirement", "督办要求", "text", True),
              ("reply_days", "反馈期限（工作日）", "days", False)),
    "reply": (("reply", "反馈内容", "text", True),),
    "accept": (("comment", "认可意见", "text", False),),
    "return": (("reason", "退回理由", "text", True),),
    "extension": (("working_days", "申请延期（工作日）", "days", True),
                  ("reason", "申请理由", "text", True)),
    "approve": (("working_days", "批准延期（工作日）", "days", False),
                ("comment", "审批意见", "text", False)),
    "refuse": (("reason", "不予批准的理由", "text", True),),
}


def _message(text: str) -> str:
    """The engine's field messages of these steps in Chinese."""
    if text == "is required":
        return "必填"
    if text == "too late":
        return "期限已过，不能再延期"
    if text == "a request is pending":
        return "已有一项延期申请待审批"
    words = text.split()
    if text.endswith(" working days") and len(words) == 5 and words[1] == "to":
        return f"须为 {words[0]} 到 {words[2]} 个工作日"
    if text.startswith("at most ") and text.endswith(" extensions"):
        return f"本环节至多延期 {words[2]} 次"
    if text.startswith("at most ") and text.endswith(" characters"):
        return f"至多 {words[2]} 个字符"
    if text.startswith("one of "):
        return "请从列表中选择"
    return text


def _state(rt: Runtime, actor: Actor, item_id: int) -> dict[str, Any]:
    """The item in scope (NotFound otherwise), its workflow and the steps open to `actor`."""
    with read_tx(rt.db) as conn:
        row = get_item(conn, actor, item_id)
        dirs = directory(conn, actor)
    wf = rt.registry.get(row.workflow, row.workflow_version)
    notices = list_notices(rt, actor, item_id)
    extensions = list_extensions(rt, actor, item_id)
    return {"item": row, "wf": wf, "notices": notices, "extensions": extensions,
            "steps": steps_now(actor, row, wf, dirs, rt.clock.now(), notices, extensions)}


def _of(raw: Any) -> int | None:
    text = str(raw or "")
    return int(text) if text.isdigit() and len(text) <= 10 else None


def _offered(ctx: dict[str, Any], step: str, of: int | None) -> Step | None:
    return next((s for s in ctx["steps"] if s.step == step and s.of == of), None)


def _target(ctx: dict[str, Any], step: str, of: int | None) -> Any:
    """The notice or extension the step names; NotFound when the item has none such."""
    if step in ON_NOTICE or step in ON_EXTENSION:
        pool = ctx["notices"] if step in ON_NOTICE else ctx["extensions"]
        found = next((x for x in pool if x.id == of), None)
        if found is None:
            raise NotFound(f"no {step} target {of}")
        return found
    return None


def _page(request: Request, viewer: Viewer, ctx: dict[str, Any], step: str, of: int | None,
          *, form: FormData | None = None, status: int = 200,
          errors: dict[str, str] | None = None, problem: str = "") -> Response:
    values = {name: str(form.get(name) or "") for name, *_ in FIELDS[step]} if form else {}
    if not form and step == "issue" and ctx["wf"].supervision is not None:
        values["reply_days"] = str(ctx["wf"].supervision.reply_working_days)
    if not form and step == "approve":
        values["working_days"] = str(_target(ctx, step, of).days_asked)
    levels = [(lv.code, lv.label) for lv in ctx["wf"].supervision.levels] \
        if ctx["wf"].supervision is not None else []
    offered = _offered(ctx, step, of)
    return page(request, "console/supervision_step.html", viewer,
                title=f"{STEP_LABELS[step]} · {ctx['item'].ref}", current="work",
                status=status, item=ctx["item"], step=step, of=of, offered=offered,
                label=offered.label if offered else STEP_LABELS[step], fields=FIELDS[step],
                values=values, levels=levels, target=_target(ctx, step, of),
                errors=errors or {}, problem=problem)


def _known(step: str) -> str:
    if step not in FIELDS:
        raise NotFound(f"no supervision step {step!r}")
    return step


@router.get("/items/{item_id}/supervision/{step}")
def step_form(request: Request, item_id: str, step: str, viewer: SignedIn,
              cfg: Config) -> Response:
    ctx = _state(cfg.rt, viewer.actor, item_id_of(item_id))
    of = _of(request.query_params.get("of"))
    _target(ctx, _known(step), of)
    if _offered(ctx, step, of) is None:
        return _page(request, viewer, ctx, step, of, status=409,
                     problem="您现在不能进行此操作。")
    return _page(request, viewer, ctx, step, of)


def _days(form: FormData, name: str, errors: dict[str, str]) -> int | None:
    text = str(form.get(name) or "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 4:
        errors[name] = "须为整数"
        return None
    return int(text)


def _take(rt: Runtime, actor: Actor, iid: int, step: str, of: int, form: FormData,
          errors: dict[str, str]) -> None:
    """The step through the engine; bad numbers are named before the engine is asked."""
    def txt(name: str) -> str:
        return str(form.get(name) or "")

    days = _days(form, "reply_days" if step == "issue" else "working_days", errors)
    if errors:
        return
    if step == "issue":
        issue_notice(rt, actor=actor, item_id=iid, level=txt("level"),
                     requirement=txt("requirement"), reply_days=days)
    elif step == "reply":
        reply_notice(rt, actor=actor, item_id=iid, notice_id=of, reply=txt("reply"))
    elif step == "accept":
        accept_reply(rt, actor=actor, item_id=iid, notice_id=of, comment=txt("comment"))
    elif step == "return":
        return_reply(rt, actor=actor, item_id=iid, notice_id=of, reason=txt("reason"))
    elif step == "extension":
        if days is None:
            raise InvalidData("working_days is required", fields={"working_days": "is required"})
        request_extension(rt, actor=actor, item_id=iid, working_days=days, reason=txt("reason"))
    elif step == "approve":
        approve_extension(rt, actor=actor, item_id=iid, extension_id=of, working_days=days,
                          comment=txt("comment"))
    else:
        refuse_extension(rt, actor=actor, item_id=iid, extension_id=of, reason=txt("reason"))


@router.post("/items/{item_id}/supervision/{step}")
def take_step(request: Request, item_id: str, step: str, viewer: SignedIn, cfg: Config,
              form: PostedForm) -> Response:
    rt, iid = cfg.rt, item_id_of(item_id)
    ctx = _state(rt, viewer.actor, iid)
    of = _of(form.get("of"))
    _target(ctx, _known(step), of)
    if _offered(ctx, step, of) is None:
        return _page(request, viewer, ctx, step, of, form=form, status=409,
                     problem="您现在不能进行此操作，未做任何更改。")
    errors: dict[str, str] = {}
    try:
        _take(rt, viewer.actor, iid, step, of or 0, form, errors)
    except InvalidData as exc:
        errors = {k: _message(v) for k, v in exc.fields.items()}
        problem = "" if errors else f"未能办理：{exc}。"
        return _page(request, viewer, ctx, step, of, form=form, status=422, errors=errors,
                     problem=problem or "表单有误，请按提示修改。未做任何更改。")
    except (TransitionRefused, RoleForbidden, Forbidden, VersionConflict):
        return _page(request, viewer, ctx, step, of, form=form, status=409,
                     problem="此事项已变化，您现在不能进行此操作，未做任何更改。")
    if errors:
        return _page(request, viewer, ctx, step, of, form=form, status=422, errors=errors,
                     problem="表单有误，请按提示修改。未做任何更改。")
    return redirect(request, f"/items/{iid}?done=supervision")
