"""管理 · 人员 (admin: users and API tokens): the users of the admin's subtree; create one
with an initial password they must change at first sign-in; per user, reset the password,
assign role and unit, deactivate, issue an API token (shown this once) and revoke one.

Scoped by the engine (a user outside the admin's subtree is 404, as if absent); every change
is logged there, never a password or a token; a refused form stores nothing and never
echoes a password back."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from console import labels
from console.admin import REFUSED, blank_errors, jur_options, require_admin, values_of
from console.auth import Config, PostedForm, SignedIn
from console.directory import Directory, directory
from console.render import Viewer, page
from console.routing import console_router, redirect
from engine.errors import InvalidData, NotFound, OrgError
from engine.kernel import ROLES
from engine.org import (
    add_user,
    assign_user,
    deactivate_user,
    issue_token_for,
    reset_password,
    revoke_token_of,
    tokens_of,
    user_in_scope,
)
from engine.storage import USER, read_tx, write_tx

router = console_router()
NEW_KEYS = ("login", "name", "role", "jurisdiction", "unit")
ROLE_CHOICES = sorted(ROLES - {"system"})
REQUIRED = "必填"


def _org_error(exc: Exception) -> dict[str, str]:
    """An engine refusal as a message next to the field it is about."""
    text = str(exc)
    if isinstance(exc, InvalidData) and exc.fields:
        return {k: labels.message(v) for k, v in exc.fields.items()}
    if "login" in text:
        return {"login": "登录名已被使用" if "taken" in text
                else "登录名须为 2 到 64 个小写字母、数字或 . _ -，以字母或数字开头"}
    if "unit" in text:
        return {"unit": "单位不存在或不在该人员的辖区内"}
    if "role" in text or "scope" in text:
        return {"role": "请从列表中选择"}
    if "jurisdiction" in text or isinstance(exc, NotFound):
        return {"jurisdiction": labels.message("unknown jurisdiction")}
    return {"name": text}


def _people(conn: Any, dirs: Directory) -> list[dict[str, Any]]:
    rows = conn.execute(USER.select().where(USER.c.id.in_(list(dirs.users)))
                        .order_by(USER.c.id)).all()
    return [{"id": r.id, "login": r.login or "—", "name": r.name,
             "role": labels.role_label(r.role), "active": r.active,
             "jurisdiction": dirs.jurisdictions[r.jurisdiction_id].name
             if r.jurisdiction_id in dirs.jurisdictions else "—",
             "unit": dirs.unit_name(r.unit_id)} for r in rows]


def _list_page(request: Request, viewer: Viewer, cfg: Config, *, values: dict[str, str],
               errors: dict[str, str] | None = None, problem: str = "",
               status: int = 200) -> Response:
    with read_tx(cfg.rt.db) as conn:
        dirs = directory(conn, viewer.actor)
        people = _people(conn, dirs)
    return page(request, "console/admin_users.html", viewer, title="管理：人员",
                current="admin", status=status, people=people, values=values,
                errors=errors or {}, problem=problem,
                roles=[(r, labels.role_label(r)) for r in ROLE_CHOICES],
                jur_options=jur_options(list(dirs.jurisdictions.values())),
                unit_options=[(u.code, u.name) for u in dirs.units.values()])


@router.get("/admin/users")
def users(request: Request, viewer: SignedIn, cfg: Config) -> Response:
    require_admin(viewer)
    return _list_page(request, viewer, cfg, values=values_of(None, NEW_KEYS))


@router.post("/admin/users")
def create_user(request: Request, viewer: SignedIn, cfg: Config,
                form: PostedForm) -> Response:
    require_admin(viewer)
    values = values_of(form, NEW_KEYS)
    password = str(form.get("password") or "")  # never put back into the page
    errors = blank_errors(values, ("login", "name", "role", "jurisdiction"))
    if not password:
        errors["password"] = REQUIRED
    if not errors:
        try:
            with write_tx(cfg.rt.db) as conn:  # the user and the password, or nothing
                uid = add_user(conn, name=values["name"], role=values["role"],
                               jurisdiction=values["jurisdiction"],
                               unit=values["unit"] or None, now=cfg.rt.clock.now(),
                               actor=viewer.actor, login=values["login"])
                reset_password(conn, actor=viewer.actor, user_id=uid, password=password,
                               now=cfg.rt.clock.now())
        except (OrgError, NotFound, InvalidData) as exc:
            errors = _org_error(exc)
    if errors:
        return _list_page(request, viewer, cfg, values=values, errors=errors, status=422,
                          problem="新人员" + REFUSED)
    return redirect(request, f"/admin/users/{uid}?done=created")


def _user_page(request: Request, viewer: Viewer, cfg: Config, user_id: int, *,
               errors: dict[str, str] | None = None, problem: str = "", done: str = "",
               token: Any = None, status: int = 200) -> Response:
    with read_tx(cfg.rt.db) as conn:
        user = user_in_scope(conn, viewer.actor, user_id)
        dirs = directory(conn, viewer.actor)
        tokens = tokens_of(conn, user_id)
    subtree = {j.id for j in dirs.jurisdictions.values()
               if _under(dirs, j.id, user.jurisdiction_id)}
    response = page(
        request, "console/admin_user.html", viewer, title=f"管理：{user.name}",
        current="admin", status=status, user=user, errors=errors or {}, problem=problem,
        done=done, token=token, tokens=tokens, role=labels.role_label(user.role),
        jurisdiction=dirs.jurisdictions[user.jurisdiction_id].name,
        unit=dirs.unit_name(user.unit_id),
        roles=[(r, labels.role_label(r)) for r in ROLE_CHOICES],
        unit_code=dirs.units[user.unit_id].code if user.unit_id in dirs.units else "",
        unit_options=[(u.code, u.name) for u in dirs.units.values()
                      if u.jurisdiction_id in subtree])
    response.headers["Cache-Control"] = "no-store"  # a new token is on it once
    return response


def _under(dirs: Directory, jid: int, root: int) -> bool:
    node = dirs.jurisdictions.get(jid)
    while node is not None:
        if node.id == root:
            return True
        node = dirs.jurisdictions.get(node.parent_id) if node.parent_id else None
    return False


@router.get("/admin/users/{user_id}")
def user(request: Request, user_id: int, viewer: SignedIn, cfg: Config) -> Response:
    require_admin(viewer)
    return _user_page(request, viewer, cfg, user_id, done=request.query_params.get("done", ""))


@router.post("/admin/users/{user_id}/password")
def set_initial_password(request: Request, user_id: int, viewer: SignedIn, cfg: Config,
                         form: PostedForm) -> Response:
    require_admin(viewer)
    password = str(form.get("password") or "")
    errors = {} if password else {"password": REQUIRED}
    if not errors:
        try:
            with write_tx(cfg.rt.db) as conn:
                reset_password(conn, actor=viewer.actor, user_id=user_id, password=password,
                               now=cfg.rt.clock.now())
        except InvalidData as exc:
            errors = _org_error(exc)
    if errors:
        return _user_page(request, viewer, cfg, user_id, errors=errors, status=422,
                          problem="新密码" + REFUSED)
    return redirect(request, f"/admin/users/{user_id}?done=password")


@router.post("/admin/users/{user_id}/assign")
def assign(request: Request, user_id: int, viewer: SignedIn, cfg: Config,
           form: PostedForm) -> Response:
    require_admin(viewer)
    values = values_of(form, ("role", "unit"))
    errors = blank_errors(values, ("role",))
    if not errors:
        try:
            with write_tx(cfg.rt.db) as conn:
                assign_user(conn, actor=viewer.actor, user_id=user_id, role=values["role"],
                            unit=values["unit"] or None)
        except OrgError as exc:
            errors = _org_error(exc)
        except NotFound as exc:
            if "unit" not in str(exc):
                raise
            errors = {"unit": "单位不存在或不在该人员的辖区内"}
    if errors:
        return _user_page(request, viewer, cfg, user_id, errors=errors, status=422,
                          problem="角色与单位" + REFUSED)
    return redirect(request, f"/admin/users/{user_id}?done=assigned")


@router.post("/admin/users/{user_id}/deactivate")
def deactivate(request: Request, user_id: int, viewer: SignedIn, cfg: Config,
               form: PostedForm) -> Response:
    require_admin(viewer)
    try:
        with write_tx(cfg.rt.db) as conn:
            deactivate_user(conn, actor=viewer.actor, user_id=user_id, now=cfg.rt.clock.now())
    except OrgError:
        return _user_page(request, viewer, cfg, user_id, status=422,
                          problem="不能停用自己的账号。未做更改。")
    return redirect(request, f"/admin/users/{user_id}?done=deactivated")


@router.post("/admin/users/{user_id}/tokens")
def issue(request: Request, user_id: int, viewer: SignedIn, cfg: Config,
          form: PostedForm) -> Response:
    require_admin(viewer)
    try:
        with write_tx(cfg.rt.db) as conn:
            issued = issue_token_for(conn, actor=viewer.actor, user_id=user_id,
                                     secret=request.app.state.secret, now=cfg.rt.clock.now())
    except OrgError:
        return _user_page(request, viewer, cfg, user_id, status=422,
                          problem="该人员已停用，不能签发令牌。")
    return _user_page(request, viewer, cfg, user_id, token=issued)


@router.post("/admin/users/{user_id}/tokens/{token_id}/revoke")
def revoke(request: Request, user_id: int, token_id: int, viewer: SignedIn, cfg: Config,
           form: PostedForm) -> Response:
    require_admin(viewer)
    with write_tx(cfg.rt.db) as conn:
        revoke_token_of(conn, actor=viewer.actor, user_id=user_id, token_id=token_id,
                        now=cfg.rt.clock.now())
    return redirect(request, f"/admin/users/{user_id}?done=revoked")
