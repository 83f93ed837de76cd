"""管理 (admin) pages, for the admin role only (anyone else gets 404, as for a page that is
not there): the jurisdictions and units of the admin's subtree with a form to add a unit,
and the working-day calendar's overrides with a form to add one. Users and API tokens are
console/admin_users.py. Every change goes through the engine function the CLI and the API
use (engine.org, engine.deadlines), which checks scope and logs it."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Request, Response
from starlette.datastructures import FormData

from console import labels
from console.auth import Config, PostedForm, SignedIn
from console.directory import directory
from console.render import Viewer, page
from console.routing import console_router, redirect
from engine.deadlines import may_edit_calendar, read_overrides, refresh_overrides, set_override_day
from engine.errors import Forbidden, InvalidData, NotFound, OrgError
from engine.kernel import Role
from engine.org import UNIT_KINDS, add_unit
from engine.storage import read_tx, write_tx

router = console_router()
UNIT_KIND_LABELS = {"committee": "政法委", "police": "公安", "procuratorate": "检察院",
                    "court": "法院", "justice": "司法行政", "office": "教育整顿办",
                    "discipline": "纪检监察"}
LEVEL_LABELS = {"province": "省", "city": "市", "county": "县（区）"}
REFUSED = "有误，请按提示修改。尚未保存。"


def require_admin(viewer: Viewer) -> None:
    if viewer.actor.role != Role.admin.value:
        raise NotFound("no such page")


def values_of(form: FormData | None, keys: tuple[str, ...]) -> dict[str, str]:
    return {k: str(form.get(k) or "").strip()[:200] if form is not None else "" for k in keys}


def jur_options(jurs: list[Any]) -> list[tuple[str, str]]:
    return [(j.code, "　" * j.depth + j.name) for j in jurs]


def blank_errors(values: dict[str, str], required: tuple[str, ...]) -> dict[str, str]:
    return {k: "必填" for k in required if not values.get(k)}


UNIT_KEYS = ("code", "name", "kind", "jurisdiction")


def _org_page(request: Request, viewer: Viewer, cfg: Config, *, values: dict[str, str],
              errors: dict[str, str] | None = None, problem: str = "", done: str = "",
              status: int = 200) -> Response:
    with read_tx(cfg.rt.db) as conn:
        dirs = directory(conn, viewer.actor)
    jurs = list(dirs.jurisdictions.values())
    units = [{"code": u.code, "name": u.name, "kind": UNIT_KIND_LABELS.get(u.kind, u.kind),
              "jurisdiction": dirs.jurisdictions[u.jurisdiction_id].name}
             for u in dirs.units.values()]
    return page(request, "console/admin_org.html", viewer, title="管理：辖区与单位",
                current="admin", status=status, jurisdictions=jurs, units=units,
                jur_options=jur_options(jurs), levels=LEVEL_LABELS,
                kinds=[(k, UNIT_KIND_LABELS.get(k, k)) for k in UNIT_KINDS],
                values=values, errors=errors or {}, problem=problem, done=done)


@router.get("/admin")
def admin_home(request: Request, viewer: SignedIn, cfg: Config) -> Response:
    require_admin(viewer)
    return _org_page(request, viewer, cfg, values=values_of(None, UNIT_KEYS),
                     done="unit" if request.query_params.get("done") == "unit" else "")


def _unit_errors(exc: Exception) -> dict[str, str]:
    text = str(exc)
    if isinstance(exc, NotFound) or "jurisdiction" in text:
        return {"jurisdiction": labels.message("unknown jurisdiction")}
    if "already exists" in text:
        return {"code": "代码已被使用"}
    if "kind" in text:
        return {"kind": "请从列表中选择"}
    return {"code": text}


@router.post("/admin/units")
def create_unit(request: Request, viewer: SignedIn, cfg: Config, form: PostedForm) -> Response:
    require_admin(viewer)
    values = values_of(form, UNIT_KEYS)
    errors = blank_errors(values, UNIT_KEYS)
    if not errors:
        try:
            with write_tx(cfg.rt.db) as conn:
                add_unit(conn, code=values["code"], name=values["name"], kind=values["kind"],
                         jurisdiction=values["jurisdiction"], actor=viewer.actor)
        except (OrgError, NotFound) as exc:
            errors = _unit_errors(exc)
    if errors:
        return _org_page(request, viewer, cfg, values=values, errors=errors, status=422,
                         problem="新单位" + REFUSED)
    return redirect(request, "/admin?done=unit")


CAL_KEYS = ("day", "working", "note")


def _calendar_page(request: Request, viewer: Viewer, cfg: Config, *, values: dict[str, str],
                   errors: dict[str, str] | None = None, problem: str = "", done: bool = False,
                   status: int = 200) -> Response:
    with read_tx(cfg.rt.db) as conn:
        days = read_overrides(conn)
        editable = may_edit_calendar(conn, viewer.actor)
    rows: list[dict[str, Any]] = [
        {"day": d.day.isoformat(), "weekday": "一二三四五六日"[d.day.weekday()],
         "working": "调休上班" if d.working else "放假", "note": d.note}
        for d in reversed(days)]
    return page(request, "console/admin_calendar.html", viewer, title="管理：工作日历",
                current="admin", status=status, rows=rows, editable=editable, values=values,
                errors=errors or {}, problem=problem, done=done)


@router.get("/admin/calendar")
def calendar(request: Request, viewer: SignedIn, cfg: Config) -> Response:
    require_admin(viewer)
    return _calendar_page(request, viewer, cfg, values=values_of(None, CAL_KEYS),
                          done=request.query_params.get("done") == "1")


@router.post("/admin/calendar")
def add_override(request: Request, viewer: SignedIn, cfg: Config,
                 form: PostedForm) -> Response:
    require_admin(viewer)
    values = values_of(form, CAL_KEYS)
    errors = blank_errors(values, CAL_KEYS)
    day: date | None = None
    if values["day"]:
        try:
            day = date.fromisoformat(values["day"])
        except ValueError:
            errors["day"] = "日期格式应为 2026-03-02"
    if values["working"] and values["working"] not in ("working", "off"):
        errors["working"] = "请从列表中选择"
    if not errors and day is not None:
        try:
            with write_tx(cfg.rt.db) as conn:
                set_override_day(conn, actor=viewer.actor, day=day,
                                 working=values["working"] == "working", note=values["note"],
                                 now=cfg.rt.clock.now())
                refresh_overrides(cfg.rt.calendar, conn)
        except InvalidData as exc:
            errors = {k: labels.message(v) for k, v in exc.fields.items()}
        except Forbidden:
            return _calendar_page(request, viewer, cfg, values=values, status=403,
                                  problem="工作日历全国统一，只有省级管理员可以修改。尚未保存。")
    if errors:
        return _calendar_page(request, viewer, cfg, values=values, errors=errors, status=422,
                              problem="调整" + REFUSED)
    return redirect(request, "/admin/calendar?done=1")
