"""One structured log line per request: request id (X-Request-ID accepted, else generated,
always returned), user, route template, status and duration.

Only the route *template* is logged (`/v1/items/{item_id}`), never headers, query strings or
bodies, so tokens and reporter identity cannot reach the log through this line."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger("api.request")
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


def request_id_from(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text: str = value.decode("latin-1")
            if SAFE_REQUEST_ID.match(text):
                return text
    return uuid.uuid4().hex


class RequestLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"],
                                      (b"x-request-id", request_id.encode())]
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                log.info("request", request_id=request_id, method=scope["method"],
                         route=_route(scope),
                         status=status, user=_user(scope),
                         duration_ms=round((time.perf_counter() - started) * 1000, 2))


def _route(scope: Scope) -> str:
    route: Any = scope.get("route")
    return str(getattr(route, "path", None) or "(unmatched)")


def _user(scope: Scope) -> str | None:
    state = scope.get("state") or {}
    actor = state.get("actor")
    return str(actor) if actor else None
