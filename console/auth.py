"""Who is signed in, and the proof that a form came from our own page.

- The session cookie (`leadflow_session`: HttpOnly, SameSite=Strict, Secure over HTTPS) names
  a server-side session (engine.org.sessions); `signed_in` turns it into a `Viewer`, or sends
  the browser to the sign-in page (htmx requests get an `HX-Redirect`).
- Every state-changing request carries a CSRF token: a hidden `csrf` field in each form, the
  `X-CSRF-Token` header on htmx requests (set once on <body> by hx-headers). The token is an
  HMAC of the session token under the server secret, so it is renewed with the session and
  needs no storage. The sign-in form, which has no session yet, uses a double-submit cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from console.render import Viewer
from engine.org import SessionPolicy, needs_touch, session_for
from engine.runtime import Runtime
from engine.storage import read_tx, write_tx

SESSION_COOKIE = "leadflow_session"
LOGIN_CSRF_COOKIE = "leadflow_login_csrf"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
MAX_FORM_FIELDS = 500  # a bulk action names at most a page of items, plus its fields


class SignInRequired(Exception):
    """No live session: go to the sign-in page, then back to `next`."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


class PasswordChangeRequired(Exception):
    """The user signed in with a password an admin set; they pick their own first."""


class CsrfRefused(Exception):
    """A state-changing request without the token of the session it came with."""


@dataclass(frozen=True, kw_only=True)
class ConsoleConfig:
    """What the console reads from the app: the runtime, the server secret, the session
    policy (app.state.console, set by console.app.mount_console)."""

    rt: Runtime
    secret: str
    policy: SessionPolicy


def config(request: Request) -> ConsoleConfig:
    cfg: ConsoleConfig = request.app.state.console
    return cfg


Config = Annotated[ConsoleConfig, Depends(config)]


def csrf_token(secret: str, session_token: str) -> str:
    return hmac.new(secret.encode(), b"csrf:" + session_token.encode(),
                    hashlib.sha256).hexdigest()


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session_cookie(response: Response, request: Request, token: str,
                       max_age: int) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, path="/", httponly=True,
                        samesite="strict", secure=is_https(request))


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict",
                           secure=is_https(request))


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def _next_url(request: Request) -> str:
    if request.method == "GET" and "hx-request" not in request.headers:
        path = request.url.path
        return path + (f"?{request.url.query}" if request.url.query else "")
    return "/work"  # after a form post or a partial refresh: start from the work page


def current_viewer(request: Request, cfg: ConsoleConfig) -> Viewer | None:
    """The viewer of this request's session cookie, or None."""
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token:
        return None
    now = cfg.rt.clock.now()
    with read_tx(cfg.rt.db) as conn:
        touch = needs_touch(conn, token, now)
    with (write_tx if touch else read_tx)(cfg.rt.db) as conn:
        info = session_for(conn, token, now=now, policy=cfg.policy)
    if info is None:
        return None
    return Viewer(actor=info.actor, login=info.login, csrf=csrf_token(cfg.secret, token),
                  session_token=token, must_change=info.must_change)


def _signed_in_any(request: Request, cfg: Config) -> Viewer:
    viewer = current_viewer(request, cfg)
    if viewer is None:
        raise SignInRequired(_next_url(request))
    request.state.actor = viewer.actor.label  # for the request log line
    return viewer


def signed_in(request: Request, viewer: Annotated[Viewer, Depends(_signed_in_any)]) -> Viewer:
    """A signed-in viewer who may use the console (their own password chosen)."""
    if viewer.must_change:
        raise PasswordChangeRequired()
    return viewer


SignedIn = Annotated[Viewer, Depends(signed_in)]
SignedInAny = Annotated[Viewer, Depends(_signed_in_any)]


def check_csrf(viewer: Viewer, form: FormData | None, request: Request) -> None:
    sent = request.headers.get(CSRF_HEADER) or (
        str(form.get(CSRF_FIELD) or "") if form is not None else "")
    if not sent or not hmac.compare_digest(sent, viewer.csrf):
        raise CsrfRefused()


async def _form(request: Request) -> FormData:
    return await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)


async def posted_form(request: Request,
                      viewer: Annotated[Viewer, Depends(signed_in)]) -> FormData:
    """The submitted form of a signed-in viewer, after its CSRF token was checked."""
    form = await _form(request)
    check_csrf(viewer, form, request)
    return form


async def posted_form_any(request: Request,
                          viewer: Annotated[Viewer, Depends(_signed_in_any)]) -> FormData:
    """As `posted_form`, also for a viewer who must still change their password."""
    form = await _form(request)
    check_csrf(viewer, form, request)
    return form


PostedForm = Annotated[FormData, Depends(posted_form)]
PostedFormAny = Annotated[FormData, Depends(posted_form_any)]
RawForm = Annotated[FormData, Depends(_form)]
