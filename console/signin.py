"""Signing in and out, and choosing one's own password (required after an admin set it)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Query, Request, Response

from console.auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Config,
    PostedFormAny,
    RawForm,
    SignedInAny,
    clear_session_cookie,
    client_address,
    current_viewer,
    is_https,
    new_login_csrf,
    set_session_cookie,
)
from console.labels import message
from console.render import page
from console.routing import console_router, redirect
from engine.errors import InvalidData
from engine.org import (
    MIN_LENGTH,
    SignInRefused,
    change_password,
    sign_in,
    sign_out,
    sign_out_everywhere,
)
from engine.storage import write_tx

router = console_router()


def safe_next(url: str | None) -> str:
    """Only a path of this site (never //host or a scheme): no open redirect."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return "/work"
    return url


def _login_page(request: Request, *, next_url: str, login: str = "", error: str = "",
                notice: str = "", status: int = 200) -> Response:
    token = new_login_csrf()
    response = page(request, "console/login.html", None, title="登录", status=status,
                    next_url=next_url, login=login, error=error, notice=notice,
                    login_csrf=token)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, path="/login", httponly=True,
                        samesite="strict", secure=is_https(request))
    return response


@router.get("/login")
def login_form(request: Request, cfg: Config,
               next: Annotated[str | None, Query(max_length=2000)] = None,
               bye: Annotated[str | None, Query(max_length=10)] = None) -> Response:
    if current_viewer(request, cfg) is not None:
        return redirect(request, safe_next(next))
    notice = {"1": "您已退出登录。", "all": "您已在所有设备上退出登录。"}.get(bye or "", "")
    return _login_page(request, next_url=safe_next(next), notice=notice)


@router.post("/login")
def login(request: Request, cfg: Config, form: RawForm) -> Response:
    login_name = str(form.get("login") or "").strip()[:64]
    next_url = safe_next(str(form.get("next") or ""))
    sent, expected = str(form.get("csrf") or ""), request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        return _login_page(request, next_url=next_url, login=login_name, status=403,
                           error="登录页面已过期，请重新输入后登录。")
    try:
        session = sign_in(cfg.rt.db, login=login_name, password=str(form.get("password") or ""),
                          address=client_address(request), now=cfg.rt.clock.now(),
                          policy=cfg.policy,
                          previous_token=request.cookies.get(SESSION_COOKIE) or None)
    except SignInRefused as exc:
        error = (f"登录失败次数过多，已暂停登录。请 {exc.retry_after_minutes} 分钟后再试，"
                 "或联系管理员。" if exc.reason == "throttled" else "登录名或密码不正确。")
        return _login_page(request, next_url=next_url, login=login_name, error=error,
                           status=429 if exc.reason == "throttled" else 401)
    target = "/password" if session.must_change else next_url
    response = redirect(request, target)
    set_session_cookie(response, request, session.token, int(cfg.policy.lifetime.total_seconds()))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, cfg: Config, viewer: SignedInAny, form: PostedFormAny) -> Response:
    with write_tx(cfg.rt.db) as conn:
        sign_out(conn, viewer.session_token, cfg.rt.clock.now())
    response = redirect(request, "/login?bye=1")
    clear_session_cookie(response, request)
    return response


@router.post("/logout-all")
def logout_all(request: Request, cfg: Config, viewer: SignedInAny,
               form: PostedFormAny) -> Response:
    with write_tx(cfg.rt.db) as conn:
        sign_out_everywhere(conn, viewer.user_id, cfg.rt.clock.now())
    response = redirect(request, "/login?bye=all")
    clear_session_cookie(response, request)
    return response


@router.get("/password")
def password_form(request: Request, viewer: SignedInAny) -> Response:
    return page(request, "console/password.html", viewer, title="修改密码", errors={},
                min_length=MIN_LENGTH)


@router.post("/password")
def password_change(request: Request, cfg: Config, viewer: SignedInAny,
                    form: PostedFormAny) -> Response:
    current = str(form.get("current") or "")
    new, again = str(form.get("new") or ""), str(form.get("again") or "")
    errors: dict[str, str] = {}
    if new != again:
        errors["again"] = "两次输入的新密码不一致"
    else:
        try:
            with write_tx(cfg.rt.db) as conn:
                session = change_password(conn, user_id=viewer.user_id, current=current,
                                          new=new, address=client_address(request),
                                          now=cfg.rt.clock.now(), policy=cfg.policy)
        except InvalidData as exc:
            errors = {k: message(v) for k, v in exc.fields.items()}
    if errors:
        return page(request, "console/password.html", viewer, title="修改密码", errors=errors,
                    min_length=MIN_LENGTH, status=422)
    response = redirect(request, "/work")
    set_session_cookie(response, request, session.token, int(cfg.policy.lifetime.total_seconds()))
    return response
