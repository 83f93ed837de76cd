"""Security headers for every response: a strict Content-Security-Policy (only this origin; no
inline script, no inline style, no framing), nosniff, same-origin referrers, no framing.

`SecurityHeaders` is a pure ASGI middleware. A header the application already set on a response
is left alone, so one page can send a policy of its own (console.apidocs does for ReDoc, which
needs a web worker from a blob: URL); everything else gets the defaults."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP_DIRECTIVES: Mapping[str, str] = {
    "default-src": "'self'",
    "img-src": "'self' data:",
    "style-src": "'self'",
    "script-src": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}


def content_security_policy(**changes: str) -> str:
    """The console's policy, with directives added or replaced: `worker_src="'self' blob:"`
    (underscores stand for hyphens)."""
    directives = dict(CSP_DIRECTIVES)
    for name, value in changes.items():
        directives[name.replace("_", "-")] = value
    return "; ".join(f"{name} {value}" for name, value in directives.items())


CSP = content_security_policy()

DEFAULT_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


class SecurityHeaders:
    """Adds `headers` (default DEFAULT_HEADERS) to every HTTP response that does not already
    carry a header of that name."""

    def __init__(self, app: ASGIApp, headers: Mapping[str, str] | None = None) -> None:
        self.app = app
        self.headers = [(name.lower().encode("latin-1"), value.encode("latin-1"))
                        for name, value in (DEFAULT_HEADERS if headers is None
                                            else headers).items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {bytes(name).lower() for name, _ in headers}
                headers += [(name, value) for name, value in self.headers
                            if name not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def security_headers(app: FastAPI, headers: Mapping[str, str] | None = None) -> None:
    """Install SecurityHeaders on `app` (the app factory calls this once)."""
    app.add_middleware(SecurityHeaders, headers=headers)
