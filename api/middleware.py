"""The two pure ASGI middlewares around every route.

`RequestLog`: one structured log line per request: request id (X-Request-ID accepted, else
generated, always returned), user, route template, status and duration. Only the route
*template* is logged (`/v1/items/{item_id}`), never headers, query strings or bodies, so tokens
and reporter identity cannot reach the log through this line. An exception no handler turned
into an answer becomes a 500 problem carrying the request id, and the same line carries its
traceback without the SQL's bound parameters (api/tracebacks.py).

`InputLimits`: a body larger than the configured limit is 413, checked on Content-Length and
again on the bytes that arrive (a chunked body has no Content-Length), before any route parses
it; a NUL in the path or query string, which PostgreSQL text cannot hold, is 422."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem
from api.tracebacks import safe_traceback

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
        scope.setdefault("state", {})["request_id"] = request_id  # request.state.request_id
        started = time.perf_counter()
        status: int | None = None  # stays None when the client left before any answer
        responded = False
        failure: dict[str, str] = {}

        async def send_with_id(message: Message) -> None:
            nonlocal status, responded
            if message["type"] == "http.response.start":
                status, responded = message["status"], True
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"],
                                      (b"x-request-id", request_id.encode())]
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            except Exception as exc:
                # Answered and logged here, not re-raised: the server would log it again,
                # with the bound parameters this line leaves out.
                failure = {"error": type(exc).__qualname__, "traceback": safe_traceback(exc)}
                if not responded:
                    await problem(500, "internal error; quote the request id when reporting "
                                  "it", request_id=request_id)(scope, receive, send_with_id)
            finally:
                line: dict[str, Any] = {
                    "request_id": request_id, "method": scope["method"],
                    "route": _route(scope), "status": status, "user": _user(scope),
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2)}
                if failure:
                    log.error("request", **line, **failure)
                else:
                    log.info("request", **line)


def _route(scope: Scope) -> str:
    route: Any = scope.get("route")
    return str(getattr(route, "path", None) or "(unmatched)")


def _user(scope: Scope) -> str | None:
    state = scope.get("state") or {}
    actor = state.get("actor")
    return str(actor) if actor else None


class BodyTooLarge(Exception):
    pass


class InputLimits:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope.get("path", "") or b"%00" in scope.get("query_string", b"") \
                or b"\x00" in scope.get("query_string", b""):
            await problem(422, "the URL contains a NUL character, which no field can hold",
                          fields={"url": "contains NUL"})(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await self._too_large(scope, receive, send)
            return
        try:
            messages = await self._read_body(receive)
        except BodyTooLarge:
            await self._too_large(scope, receive, send)
            return
        if messages is None:  # the client went away before sending its body
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _read_body(self, receive: Receive) -> list[Message] | None:
        """Every `http.request` message of the body, counted as they arrive; at most the
        limit is ever held in memory."""
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return None
            size += len(message.get("body", b""))
            if size > self.max_body_bytes:
                raise BodyTooLarge
            messages.append(message)
            if not message.get("more_body", False):
                return messages

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        await problem(413, f"the request body is larger than {self.max_body_bytes} bytes",
                      headers={"Connection": "close"})(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
