"""The console's route class: engine errors and the sign-in guards become HTML answers here,
once, instead of the API's problem+json (api/errors.py answers for /v1)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

import structlog
from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from console.auth import CsrfRefused, PasswordChangeRequired, SignInRequired, current_viewer
from console.render import error_page
from engine.errors import NotFound

log = structlog.get_logger("console")


def redirect(request: Request, url: str) -> Response:
    """A 303 to `url`; for an htmx request, an HX-Redirect so the whole page moves."""
    if "hx-request" in request.headers:
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


class ConsoleRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired as exc:
                return redirect(request, f"/login?next={quote(exc.next_url, safe='')}")
            except PasswordChangeRequired:
                return redirect(request, "/password")
            except CsrfRefused:
                log.warning("csrf_refused", path=request.url.path)
                return error_page(request, None, 403, "请求已失效",
                                  "页面已过期或来自别处，未做任何更改。请返回并刷新页面后重试。")
            except NotFound:
                viewer = current_viewer(request, request.app.state.console)
                return error_page(request, viewer, 404, "未找到",
                                  "您要找的事项不存在，或不在您的辖区范围内。")

        return guarded


def console_router() -> APIRouter:
    return APIRouter(route_class=ConsoleRoute, include_in_schema=False)
